import { badInput } from '../../../shared/graphql/errors';
import type { Sex } from '../../../shared/graphql/identifiers';
import { authorizePlace, authorizeRole, requireText, runMutation, todayInVietnam, type Outcome } from '../../../shared/subgraph/mutations';
import { findCommune } from '../../../shared/subgraph/references';
import type { Context } from '../context';
import * as writes from '../writes';

/** Arguments common to every write: the idempotency key and the version the change is based on. */
interface Common {
  idempotencyKey?: string | null;
  expectedVersion?: number | null;
}
type Input<T> = { input: Common & T };

/** Every population change touches residents and households (their cached copies go stale). */
const INVALIDATES = ['Resident', 'Household'] as const;

function checkBirthDate(argument: string, date: string, today: string): void {
  if (date < '1900-01-01' || date > today) throw badInput(argument, date, `must be between 1900-01-01 and today (${today})`);
}

/** The destination commune of a move, checked with the administrative units and against the caller's jurisdiction. */
async function destination(ctx: Context, field: string, communeCode: string, argument: string) {
  const place = await findCommune(ctx.references, communeCode, argument);
  authorizePlace(ctx, field, { communeCodes: [place.communeCode], provinceCodes: [place.provinceCode] });
  return place;
}

/**
 * Writes of the population database. Each: role → input checks (and references to other subgraphs)
 * → one transaction (writes.ts) → the keys of what changed, resolved by PopulationChange.
 */
export const Mutation = {
  registerBirth: async (_: unknown, { input }: Input<Omit<writes.BirthInput, 'sex'> & { sex: Sex }>, ctx: Context) => {
    authorizeRole(ctx, 'registerBirth');
    const fullName = requireText('input.fullName', input.fullName, 100);
    checkBirthDate('input.birthDate', input.birthDate, todayInVietnam());
    return runMutation(ctx, {
      field: 'registerBirth',
      input,
      invalidates: INVALIDATES,
      apply: (em) => writes.registerBirth(ctx, em, { ...input, fullName }),
    });
  },

  changePermanentResidence: async (
    _: unknown,
    {
      input,
    }: Input<{
      citizenId: string;
      householdId?: string | null;
      relationshipToHead?: string | null;
      newHousehold?: { communeCode: string; address: string } | null;
    }>,
    ctx: Context,
  ) => {
    const field = 'changePermanentResidence';
    authorizeRole(ctx, field);
    const joining = input.householdId !== undefined && input.householdId !== null;
    if (joining === Boolean(input.newHousehold)) {
      throw badInput('input', null, 'give either householdId (with relationshipToHead) or newHousehold, not both');
    }
    if (joining && !input.relationshipToHead) throw badInput('input.relationshipToHead', null, 'is required with householdId');
    const newHousehold = input.newHousehold
      ? {
          place: await destination(ctx, field, input.newHousehold.communeCode, 'input.newHousehold.communeCode'),
          address: requireText('input.newHousehold.address', input.newHousehold.address, 200),
        }
      : null;
    return runMutation(ctx, {
      field,
      input,
      invalidates: INVALIDATES,
      apply: (em) => writes.changePermanentResidence(ctx, em, { ...input, newHousehold }),
    });
  },

  moveHousehold: async (_: unknown, { input }: Input<{ householdId: string; communeCode: string; address: string }>, ctx: Context) => {
    authorizeRole(ctx, 'moveHousehold');
    const address = requireText('input.address', input.address, 200);
    const place = await destination(ctx, 'moveHousehold', input.communeCode, 'input.communeCode');
    return runMutation(ctx, {
      field: 'moveHousehold',
      input,
      invalidates: INVALIDATES,
      apply: (em) => writes.moveHousehold(ctx, em, { ...input, place, address }),
    });
  },

  createHousehold: async (_: unknown, { input }: Input<{ headCitizenId: string; address: string }>, ctx: Context) => {
    authorizeRole(ctx, 'createHousehold');
    const address = requireText('input.address', input.address, 200);
    return runMutation(ctx, {
      field: 'createHousehold',
      input,
      invalidates: INVALIDATES,
      apply: (em) => writes.createHousehold(ctx, em, { ...input, address }),
    });
  },

  addHouseholdMember: async (
    _: unknown,
    { input }: Input<{ householdId: string; citizenId: string; relationshipToHead: string }>,
    ctx: Context,
  ) => {
    authorizeRole(ctx, 'addHouseholdMember');
    return runMutation(ctx, {
      field: 'addHouseholdMember',
      input,
      invalidates: INVALIDATES,
      apply: (em) => writes.addHouseholdMember(ctx, em, input),
    });
  },

  removeHouseholdMember: async (_: unknown, { input }: Input<{ householdId: string; citizenId: string }>, ctx: Context) => {
    authorizeRole(ctx, 'removeHouseholdMember');
    return runMutation(ctx, {
      field: 'removeHouseholdMember',
      input,
      invalidates: INVALIDATES,
      apply: (em) => writes.removeHouseholdMember(ctx, em, input),
    });
  },

  changeHouseholdHead: async (
    _: unknown,
    { input }: Input<{ householdId: string; newHeadCitizenId: string; formerHeadRelationship: string }>,
    ctx: Context,
  ) => {
    authorizeRole(ctx, 'changeHouseholdHead');
    return runMutation(ctx, {
      field: 'changeHouseholdHead',
      input,
      invalidates: INVALIDATES,
      apply: (em) => writes.changeHouseholdHead(ctx, em, input),
    });
  },

  recordDeath: async (
    _: unknown,
    { input }: Input<{ citizenId: string; deathDate: string; newHeadCitizenId?: string | null }>,
    ctx: Context,
  ) => {
    authorizeRole(ctx, 'recordDeath');
    const today = todayInVietnam();
    return runMutation(ctx, {
      field: 'recordDeath',
      input,
      invalidates: INVALIDATES,
      apply: (em) => writes.recordDeath(ctx, em, input, today),
    });
  },
};

/** The payload of every population write: what changed, resolved for the caller (within their jurisdiction). */
export const PopulationChange = {
  residents: (change: Outcome<writes.PopulationChange>, _: unknown, ctx: Context) =>
    Promise.all(change.citizenIds.map((id) => ctx.loaders.residentById.load(id))).then((rows) => rows.filter((r) => r !== null)),
  households: (change: Outcome<writes.PopulationChange>, _: unknown, ctx: Context) =>
    Promise.all(change.householdIds.map((id) => ctx.loaders.householdById.load(id))).then((rows) => rows.filter((h) => h !== null)),
};
