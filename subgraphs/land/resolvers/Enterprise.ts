import type { Context } from '../context';
import { holderKey } from '../loaders';

export const Enterprise = {
  /** Enterprises are owned by the enterprise subgraph; this subgraph only adds their parcels. */
  __resolveReference: (ref: { taxCode: string }) => ref,
  landParcels: (e: { taxCode: string }, _: unknown, ctx: Context) => ctx.loaders.parcelsOfHolder.load(holderKey('ENTERPRISE', e.taxCode)),
};
