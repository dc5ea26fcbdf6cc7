import { CODE_PATTERNS } from '../../../shared/graphql/codes';
import type { Context } from '../context';
import type { Resident as ResidentRow } from '../entities';

/**
 * A resident within the caller's jurisdiction, or null — for a resident outside it exactly as for
 * one that does not exist. The difference is only written to the audit log, as a denied read.
 */
export async function findResident(citizenId: string, via: string, ctx: Context): Promise<ResidentRow | null> {
  const found = await ctx.loaders.residentById.load(citizenId);
  if (!found && (await ctx.loaders.residentExists.load(citizenId))) {
    ctx.audit.deny([citizenId], [via], 'outside the caller’s jurisdiction');
  }
  return found;
}

export const Resident = {
  /**
   * References with a malformed key resolve to null, like unknown ones. For another subgraph's
   * existence check (SERVICE) a deceased resident is null too: nobody can become a holder or a
   * representative after their death.
   */
  __resolveReference: async (ref: { citizenId: string }, ctx: Context) => {
    if (!CODE_PATTERNS.citizenId.test(ref.citizenId)) return null;
    const found = await findResident(ref.citizenId, 'Resident', ctx);
    return ctx.identity.role === 'SERVICE' && found?.deathDate ? null : found;
  },
  permanentResidence: (r: ResidentRow) => ({ code: r.permanentCommuneCode }),
  currentResidence: (r: ResidentRow) => ({ code: r.currentCommuneCode }),
  household: (r: ResidentRow) => (r.householdId ? { id: r.householdId } : null),
};
