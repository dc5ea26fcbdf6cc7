import type { PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';
import type { Residence } from '../loaders';

export const Commune = {
  /** Communes are owned by administrative-units; this subgraph only adds lists to them. */
  __resolveReference: (ref: { code: string }) => ref,
  residents: (c: { code: string }, args: PageArgs & { residence?: Residence | null }, ctx: Context) =>
    ctx.loaders.residentsOfCommune(args, args.residence ?? 'PERMANENT').load(c.code),
  households: (c: { code: string }, args: PageArgs, ctx: Context) => ctx.loaders.householdsOfCommune(args, undefined).load(c.code),
};
