import { randomInt } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { badInput } from '../../shared/graphql/errors';
import { taxCodeCheckDigit } from '../../shared/graphql/identifiers';
import { authorizePlace, checkVersion, issueUnused, missing, type Change, type MutationContext } from '../../shared/subgraph/mutations';
import { foldForSearch } from '../../shared/graphql/text';
import type { Enterprise } from './entities';
import { enterpriseColumns } from './loaders';

/**
 * The changes business registration offices record in the enterprise register. Each function runs
 * inside the mutation's transaction (shared/subgraph/mutations.ts) with its EntityManager only, and appends
 * the change to the enterprise's history.
 */

/** What an enterprise change returns: the enterprise and the history entry recorded. */
export interface EnterpriseChange {
  taxCode: string;
  eventId: string;
}

/** Which status may follow which: a dissolved enterprise stays dissolved. */
const TRANSITIONS: Record<string, readonly string[]> = {
  ACTIVE: ['SUSPENDED', 'DISSOLVED'],
  SUSPENDED: ['ACTIVE', 'DISSOLVED'],
  DISSOLVED: [],
};

/** A 10-digit enterprise code with a correct check digit, not yet issued (prefixes 010000000–099999999). */
function issueTaxCode(em: EntityManager): Promise<string> {
  return issueUnused(
    'enterprise code',
    () => {
      const first9 = String(10_000_000 + randomInt(90_000_000)).padStart(9, '0');
      const check = taxCodeCheckDigit(first9);
      return check === null ? null : first9 + String(check);
    },
    async (code) => ((await em.query(`SELECT 1 FROM enterprise.enterprise WHERE tax_code = $1`, [code])) as unknown[]).length > 0,
  );
}

async function recordEvent(
  em: EntityManager,
  taxCode: string,
  version: number,
  event: {
    kind: string;
    fromStatus?: string;
    toStatus?: string;
    fromRepresentativeId?: string;
    toRepresentativeId?: string;
    reason?: string;
  },
): Promise<string> {
  const [{ id }] = (await em.query(
    `INSERT INTO enterprise.enterprise_event (tax_code, kind, enterprise_version, from_status, to_status, from_representative_id, to_representative_id, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text AS id`,
    [
      taxCode,
      event.kind,
      version,
      event.fromStatus ?? null,
      event.toStatus ?? null,
      event.fromRepresentativeId ?? null,
      event.toRepresentativeId ?? null,
      event.reason ?? null,
    ],
  )) as [{ id: string }];
  return id;
}

/** An enterprise the caller may change (FORBIDDEN outside their province: the register itself is public). */
async function lockEnterprise(ctx: MutationContext, em: EntityManager, field: string, taxCode: string): Promise<Enterprise> {
  const [row] = (await em.query(`SELECT ${enterpriseColumns('e')} FROM enterprise.enterprise e WHERE e.tax_code = $1 FOR UPDATE`, [
    taxCode,
  ])) as Enterprise[];
  if (!row) throw missing('Enterprise', 'input.taxCode', taxCode);
  authorizePlace(ctx, field, { communeCodes: [row.headOfficeCommuneCode], provinceCodes: [row.headOfficeProvinceCode] });
  return row;
}

export interface RegistrationInput {
  name: string;
  legalForm: string;
  place: { communeCode: string; provinceCode: string };
  headOfficeAddress: string;
  charterCapital: number;
  industryCodes: string[];
  legalRepresentativeCitizenId: string;
  foundedOn: string;
}

/** Đăng ký thành lập doanh nghiệp: issues the enterprise code (with its check digit) and records the registration. */
export async function registerEnterprise(em: EntityManager, input: RegistrationInput): Promise<Change<EnterpriseChange>> {
  const searchName = foldForSearch(input.name);
  const [same] = (await em.query(
    `SELECT tax_code AS "taxCode" FROM enterprise.enterprise WHERE search_name = $1 AND status <> 'DISSOLVED' LIMIT 1`,
    [searchName],
  )) as { taxCode: string }[];
  if (same) throw badInput('input.name', input.name, `is the name of enterprise ${same.taxCode} (names must differ)`);
  const taxCode = await issueTaxCode(em);
  await em.query(
    `INSERT INTO enterprise.enterprise (tax_code, name, search_name, legal_form, status, founded_on, head_office_province_code,
       head_office_commune_code, head_office_address, charter_capital, industry_codes, legal_representative_id)
     VALUES ($1, $2, $3, $4, 'ACTIVE', $5::date, $6, $7, $8, $9, $10::text[], $11)`,
    [
      taxCode,
      input.name,
      searchName,
      input.legalForm,
      input.foundedOn,
      input.place.provinceCode,
      input.place.communeCode,
      input.headOfficeAddress,
      input.charterCapital,
      input.industryCodes,
      input.legalRepresentativeCitizenId,
    ],
  );
  const eventId = await recordEvent(em, taxCode, 1, {
    kind: 'REGISTERED',
    toStatus: 'ACTIVE',
    toRepresentativeId: input.legalRepresentativeCitizenId,
  });
  return { result: { taxCode, eventId }, subjects: [input.legalRepresentativeCitizenId] };
}

/** Thay đổi người đại diện theo pháp luật. */
export async function changeLegalRepresentative(
  ctx: MutationContext,
  em: EntityManager,
  input: { taxCode: string; citizenId: string; expectedVersion?: number | null },
): Promise<Change<EnterpriseChange>> {
  const enterprise = await lockEnterprise(ctx, em, 'changeLegalRepresentative', input.taxCode);
  checkVersion('Enterprise', enterprise.taxCode, enterprise.version, input.expectedVersion);
  if (enterprise.status === 'DISSOLVED') throw badInput('input.taxCode', input.taxCode, 'the enterprise is dissolved');
  if (enterprise.legalRepresentativeId === input.citizenId)
    throw badInput('input.citizenId', input.citizenId, 'is already the legal representative');
  await em.query(`UPDATE enterprise.enterprise SET legal_representative_id = $2, version = version + 1 WHERE tax_code = $1`, [
    enterprise.taxCode,
    input.citizenId,
  ]);
  const eventId = await recordEvent(em, enterprise.taxCode, enterprise.version + 1, {
    kind: 'LEGAL_REPRESENTATIVE_CHANGED',
    fromRepresentativeId: enterprise.legalRepresentativeId,
    toRepresentativeId: input.citizenId,
  });
  return { result: { taxCode: enterprise.taxCode, eventId }, subjects: [enterprise.legalRepresentativeId, input.citizenId] };
}

/** Tạm ngừng, tiếp tục kinh doanh, giải thể: a change of status with its reason. */
export async function changeStatus(
  ctx: MutationContext,
  em: EntityManager,
  input: { taxCode: string; status: string; reason: string; expectedVersion?: number | null },
): Promise<Change<EnterpriseChange>> {
  const enterprise = await lockEnterprise(ctx, em, 'changeEnterpriseStatus', input.taxCode);
  checkVersion('Enterprise', enterprise.taxCode, enterprise.version, input.expectedVersion);
  if (!(TRANSITIONS[enterprise.status] ?? []).includes(input.status)) {
    throw badInput(
      'input.status',
      input.status,
      `cannot follow ${enterprise.status} (allowed: ${(TRANSITIONS[enterprise.status] ?? []).join(', ') || 'none'})`,
    );
  }
  await em.query(`UPDATE enterprise.enterprise SET status = $2, version = version + 1 WHERE tax_code = $1`, [
    enterprise.taxCode,
    input.status,
  ]);
  const eventId = await recordEvent(em, enterprise.taxCode, enterprise.version + 1, {
    kind: 'STATUS_CHANGED',
    fromStatus: enterprise.status,
    toStatus: input.status,
    reason: input.reason,
  });
  return { result: { taxCode: enterprise.taxCode, eventId }, subjects: [] };
}
