import { CODE_PATTERNS } from '../../../shared/graphql/codes';
import type { Context } from '../context';
import type { Household as HouseholdRow } from '../entities';
import { findResident } from './Resident';

/** A Household parent may be only `{ id }` (from Resident.household): load the row when a field needs it. */
const row = (h: { id: string }, ctx: Context): Promise<HouseholdRow | null> =>
  'communeCode' in h ? Promise.resolve(h as HouseholdRow) : ctx.loaders.householdById.load(h.id);

export const Household = {
  __resolveReference: (ref: { id: string }, ctx: Context) =>
    CODE_PATTERNS.numericId.test(ref.id) ? ctx.loaders.householdById.load(ref.id) : null,
  commune: async (h: { id: string }, _: unknown, ctx: Context) => {
    const found = await row(h, ctx);
    return found ? { code: found.communeCode } : null;
  },
  address: async (h: { id: string }, _: unknown, ctx: Context) => (await row(h, ctx))?.address ?? null,
  head: async (h: { id: string }, _: unknown, ctx: Context) => {
    const found = await row(h, ctx);
    return found ? findResident(found.headCitizenId, 'Household.head', ctx) : null;
  },
  members: async (h: { id: string }, _: unknown, ctx: Context) =>
    (await ctx.loaders.membersOfHousehold.load(h.id)).map((resident) => ({ relationship: resident.relationshipToHead, resident })),
};
