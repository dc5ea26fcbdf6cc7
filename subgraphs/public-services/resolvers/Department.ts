import type { PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';
import type { Department as DepartmentRow } from '../entities';
import { evaluate, type PeriodArgs } from './Evaluation';

export const Department = {
  __resolveReference: (ref: { code: string }, ctx: Context) => ctx.loaders.departmentByCode.load(ref.code),
  province: (d: DepartmentRow) => ({ code: d.provinceCode }),
  dossiers: (d: DepartmentRow, args: PageArgs, ctx: Context) => ctx.loaders.dossiersOfUnit(args, null).load(d.code),
  evaluation: (d: DepartmentRow, args: PeriodArgs, ctx: Context) => evaluate(ctx, 'DEPARTMENT', d.code, d.provinceCode, args),
};
