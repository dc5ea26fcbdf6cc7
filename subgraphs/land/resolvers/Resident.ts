import type { Context } from '../context';
import { holderKey } from '../loaders';

export const Resident = {
  /** Residents are owned by population; this subgraph only adds their parcels. */
  __resolveReference: (ref: { citizenId: string }) => ref,
  landParcels: (r: { citizenId: string }, _: unknown, ctx: Context) => ctx.loaders.parcelsOfHolder.load(holderKey('RESIDENT', r.citizenId)),
};
