import type { Context } from '../context';
import { applicantKey } from '../loaders';

export const Resident = {
  /** Residents are owned by population; this subgraph only adds the dossiers they submitted. */
  __resolveReference: (ref: { citizenId: string }) => ref,
  dossiers: (r: { citizenId: string }, _: unknown, ctx: Context) =>
    ctx.loaders.dossiersOfApplicant.load(applicantKey('RESIDENT', r.citizenId)),
};
