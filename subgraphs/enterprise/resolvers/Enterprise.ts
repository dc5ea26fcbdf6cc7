import { CODE_PATTERNS } from '../../../shared/graphql/codes';
import { withinJurisdiction } from '../../../shared/auth/jurisdiction';
import type { Context } from '../context';
import type { Enterprise as EnterpriseRow } from '../entities';

export const Enterprise = {
  __resolveReference: (ref: { taxCode: string }, ctx: Context) =>
    CODE_PATTERNS.taxCode.test(ref.taxCode) ? ctx.loaders.enterpriseByTaxCode.load(ref.taxCode) : null,
  headOffice: (e: EnterpriseRow) => ({ code: e.headOfficeCommuneCode }),
  history: (e: EnterpriseRow, _: unknown, ctx: Context) => ctx.loaders.eventsOfEnterprise.load(e.taxCode),
  /** The representative only within the caller's jurisdiction over the enterprise's head office. */
  legalRepresentative: (e: EnterpriseRow, _: unknown, ctx: Context) =>
    withinJurisdiction(ctx.jurisdiction, {
      communeCodes: [e.headOfficeCommuneCode],
      provinceCodes: [e.headOfficeProvinceCode],
      citizenIds: [e.legalRepresentativeId],
    })
      ? { citizenId: e.legalRepresentativeId }
      : null,
};
