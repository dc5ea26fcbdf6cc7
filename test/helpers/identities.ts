import { ANONYMOUS, type Identity, type RequestMeta } from '../../shared/auth/identity';

/** Callers the tests act as (identities as the gateway would have verified them). */
export const AS = {
  central: { ...ANONYMOUS, subject: 'ministry-test', role: 'CENTRAL', organisation: 'Bộ Công an' },
  /** `provinceCode`: the commune's province, as a token's optional `province` claim states it (lets queries read one partition). */
  communeOfficer: (communeCode: string, provinceCode?: string): Identity => ({
    ...ANONYMOUS,
    subject: `officer-${communeCode}`,
    role: 'COMMUNE_OFFICER',
    organisation: `UBND ${communeCode}`,
    communeCode,
    ...(provinceCode ? { provinceCode } : {}),
  }),
  provinceOfficer: (provinceCode: string): Identity => ({
    ...ANONYMOUS,
    subject: `officer-p${provinceCode}`,
    role: 'PROVINCE_OFFICER',
    organisation: `Sở ${provinceCode}`,
    provinceCode,
  }),
  citizen: (citizenId: string): Identity => ({ ...ANONYMOUS, subject: citizenId, role: 'CITIZEN', citizenId }),
  anonymous: ANONYMOUS,
} satisfies Record<string, Identity | ((code: string, province?: string) => Identity)>;

export const TEST_PURPOSE = 'HS-2026-TEST-0001';

export function meta(purpose: string | null = TEST_PURPOSE, requestId = `test-${Math.random().toString(36).slice(2, 10)}`): RequestMeta {
  return { requestId, purpose };
}
