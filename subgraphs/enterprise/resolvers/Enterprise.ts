import { CODE_PATTERNS } from '../../../shared/codes';
import type { Context } from '../context';
import type { Enterprise as EnterpriseRow } from '../entities';

export const Enterprise = {
  __resolveReference: (ref: { taxCode: string }, ctx: Context) =>
    CODE_PATTERNS.taxCode.test(ref.taxCode) ? ctx.loaders.enterpriseByTaxCode.load(ref.taxCode) : null,
  headOffice: (e: EnterpriseRow) => ({ code: e.headOfficeCommuneCode }),
  legalRepresentative: (e: EnterpriseRow) => ({ citizenId: e.legalRepresentativeId }),
};
