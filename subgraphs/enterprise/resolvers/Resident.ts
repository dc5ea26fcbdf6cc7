import type { Context } from '../context';

export const Resident = {
  /** Residents are owned by population; this subgraph only adds the enterprises they represent. */
  __resolveReference: (ref: { citizenId: string }) => ref,
  representedEnterprises: (r: { citizenId: string }, _: unknown, ctx: Context) => ctx.loaders.enterprisesOfRepresentative.load(r.citizenId),
};
