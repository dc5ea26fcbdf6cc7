import type { PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';
import { checkLandUseCode } from './LandUseType';

export const Commune = {
  /** Communes are owned by administrative-units; this subgraph only adds their parcels. */
  __resolveReference: (ref: { code: string }) => ref,
  landParcels: async (c: { code: string }, args: PageArgs & { landUseCode?: string | null }, ctx: Context) => {
    const landUseCode = args.landUseCode == null ? null : await checkLandUseCode('landUseCode', args.landUseCode, ctx);
    return ctx.loaders.parcelsOfCommune(args, landUseCode).load(c.code);
  },
};
