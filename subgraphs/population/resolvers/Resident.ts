import { CODE_PATTERNS } from '../../../shared/codes';
import type { Context } from '../context';
import type { Resident as ResidentRow } from '../entities';

export const Resident = {
  /** References with a malformed key resolve to null, like unknown ones. */
  __resolveReference: (ref: { citizenId: string }, ctx: Context) =>
    CODE_PATTERNS.citizenId.test(ref.citizenId) ? ctx.loaders.residentById.load(ref.citizenId) : null,
  permanentResidence: (r: ResidentRow) => ({ code: r.permanentCommuneCode }),
  currentResidence: (r: ResidentRow) => ({ code: r.currentCommuneCode }),
  household: (r: ResidentRow) => (r.householdId ? { id: r.householdId } : null),
};
