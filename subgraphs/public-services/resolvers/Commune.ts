import type { PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';
import { evaluate, type PeriodArgs } from './Evaluation';

export const Commune = {
  /** Communes are owned by administrative-units; this subgraph only adds their dossiers and evaluation. */
  __resolveReference: (ref: { code: string }) => ref,
  dossiers: (c: { code: string }, args: PageArgs, ctx: Context) => ctx.loaders.dossiersOfUnit(args, null).load(c.code),
  evaluation: (c: { code: string }, args: PeriodArgs, ctx: Context) => evaluate(ctx, 'COMMUNE', c.code, null, args),
};
