import type { Context } from '../context';
import { evaluate, type PeriodArgs } from './Evaluation';

export const Province = {
  /** Provinces are owned by administrative-units; this subgraph only adds their evaluation and departments. */
  __resolveReference: (ref: { code: string }) => ref,
  evaluation: (p: { code: string }, args: PeriodArgs, ctx: Context) => evaluate(ctx, 'PROVINCE', p.code, p.code, args),
  departments: (p: { code: string }, _: unknown, ctx: Context) => ctx.loaders.departmentsOfProvince.load(p.code),
};
