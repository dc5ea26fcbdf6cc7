import type { PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';

export const Commune = {
  /** Communes are owned by administrative-units; this subgraph only adds their enterprises. */
  __resolveReference: (ref: { code: string }) => ref,
  enterprises: (c: { code: string }, args: PageArgs & { status?: string | null }, ctx: Context) =>
    ctx.loaders.enterprisesOfCommune(args, args.status ?? null).load(c.code),
};
