import { withinJurisdiction } from '../../../shared/auth/jurisdiction';
import { badInput } from '../../../shared/graphql/errors';
import { authorizePlace, authorizeRole, requireText, runMutation, todayInVietnam, type Outcome } from '../../../shared/subgraph/mutations';
import { findCommune } from '../../../shared/subgraph/references';
import type { Context } from '../context';
import type { Enterprise, EnterpriseEvent as EventRow } from '../entities';
import * as writes from '../writes';

/** The register is kept by provincial business registration offices (Phòng Đăng ký kinh doanh), or centrally. */
const REGISTRARS = ['PROVINCE_OFFICER', 'CENTRAL'];

interface Common {
  idempotencyKey?: string | null;
  expectedVersion?: number | null;
}

/** The legal representative must be a resident of the population database. */
async function checkResident(ctx: Context, citizenId: string, argument: string): Promise<void> {
  const found = await ctx.references.find('Resident', 'citizenId', [citizenId]);
  if (!found.has(citizenId)) throw badInput(argument, citizenId, 'no living resident with this citizenId is registered');
}

export const Mutation = {
  registerEnterprise: async (
    _: unknown,
    {
      input,
    }: {
      input: Common & {
        name: string;
        legalForm: string;
        headOfficeCommuneCode: string;
        headOfficeAddress: string;
        charterCapital: number;
        industryCodes: string[];
        legalRepresentativeCitizenId: string;
        foundedOn?: string | null;
      };
    },
    ctx: Context,
  ) => {
    const field = 'registerEnterprise';
    authorizeRole(ctx, field, REGISTRARS);
    const name = requireText('input.name', input.name, 200);
    const headOfficeAddress = requireText('input.headOfficeAddress', input.headOfficeAddress, 200);
    if (!Number.isSafeInteger(input.charterCapital) || input.charterCapital < 0) {
      throw badInput('input.charterCapital', input.charterCapital, 'must be a whole number of đồng, 0 or more');
    }
    if (input.industryCodes.length === 0 || input.industryCodes.length > 50)
      throw badInput('input.industryCodes', input.industryCodes, 'must list 1 to 50 industries');
    input.industryCodes.forEach((c, i) => {
      if (!/^\d{4,5}$/.test(c)) throw badInput(`input.industryCodes[${i}]`, c, 'must be a VSIC industry code of 4 or 5 digits');
    });
    if (new Set(input.industryCodes).size !== input.industryCodes.length)
      throw badInput('input.industryCodes', input.industryCodes, 'lists an industry twice');
    const today = todayInVietnam();
    const foundedOn = input.foundedOn ?? today;
    if (foundedOn > today || foundedOn < '1900-01-01')
      throw badInput('input.foundedOn', foundedOn, `must be between 1900-01-01 and today (${today})`);
    const place = await findCommune(ctx.references, input.headOfficeCommuneCode, 'input.headOfficeCommuneCode');
    authorizePlace(ctx, field, { communeCodes: [place.communeCode], provinceCodes: [place.provinceCode] });
    await checkResident(ctx, input.legalRepresentativeCitizenId, 'input.legalRepresentativeCitizenId');
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Enterprise'],
      apply: (em) => writes.registerEnterprise(em, { ...input, name, headOfficeAddress, place, foundedOn }),
    });
  },

  changeLegalRepresentative: async (_: unknown, { input }: { input: Common & { taxCode: string; citizenId: string } }, ctx: Context) => {
    const field = 'changeLegalRepresentative';
    authorizeRole(ctx, field, REGISTRARS);
    await checkResident(ctx, input.citizenId, 'input.citizenId');
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Enterprise'],
      apply: (em) => writes.changeLegalRepresentative(ctx, em, input),
    });
  },

  changeEnterpriseStatus: async (
    _: unknown,
    { input }: { input: Common & { taxCode: string; status: string; reason: string } },
    ctx: Context,
  ) => {
    const field = 'changeEnterpriseStatus';
    authorizeRole(ctx, field, REGISTRARS);
    const reason = requireText('input.reason', input.reason, 500);
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Enterprise'],
      apply: (em) => writes.changeStatus(ctx, em, { ...input, reason }),
    });
  },
};

/** The payload of an enterprise write: the enterprise as it is now and the history entry recorded. */
export const EnterpriseChange = {
  enterprise: (change: Outcome<writes.EnterpriseChange>, _: unknown, ctx: Context) => ctx.loaders.enterpriseByTaxCode.load(change.taxCode),
  event: (change: Outcome<writes.EnterpriseChange>, _: unknown, ctx: Context) => ctx.loaders.eventById.load(change.eventId),
};

/** A representative named in the history, as for Enterprise.legalRepresentative: only within the caller's jurisdiction. */
async function representative(e: EventRow, citizenId: string | null, ctx: Context) {
  if (!citizenId) return null;
  const enterprise: Enterprise | null = await ctx.loaders.enterpriseByTaxCode.load(e.taxCode);
  if (!enterprise) return null;
  const visible = withinJurisdiction(ctx.jurisdiction, {
    communeCodes: [enterprise.headOfficeCommuneCode],
    provinceCodes: [enterprise.headOfficeProvinceCode],
    citizenIds: [citizenId],
  });
  return visible ? { citizenId } : null;
}

export const EnterpriseEvent = {
  enterprise: (e: EventRow, _: unknown, ctx: Context) => ctx.loaders.enterpriseByTaxCode.load(e.taxCode),
  previousLegalRepresentative: (e: EventRow, _: unknown, ctx: Context) => representative(e, e.fromRepresentativeId, ctx),
  legalRepresentative: (e: EventRow, _: unknown, ctx: Context) => representative(e, e.toRepresentativeId, ctx),
  previousStatus: (e: EventRow) => e.fromStatus,
  status: (e: EventRow) => e.toStatus,
};
