import { badInput, notFound } from '../../../shared/graphql/errors';
import type { Context } from '../context';
import { periodOf } from '../evaluation/period';
import { scorecard } from '../evaluation/score';
import { DEPARTMENT_CODE } from '../numbers';
import type { UnitScope } from '../repository';
import { evaluate, ranking, type PeriodArgs } from './Evaluation';

const PROCEDURE_CODE = /^\d\.\d{6}$/;
const SCOPES: readonly UnitScope[] = ['NATION', 'PROVINCE', 'DEPARTMENT', 'COMMUNE'];
const UNIT_CODE: Record<UnitScope, RegExp> = { NATION: /^VN$/, PROVINCE: /^\d{2}$/, DEPARTMENT: DEPARTMENT_CODE, COMMUNE: /^\d{5}$/ };

const MONTH = /^(20\d\d)-(0[1-9]|1[0-2])$/;

export const Query = {
  /** Echoes the keys of a live event (checked), for `EvaluationChange.evaluation` to resolve. */
  evaluationChange: (_: unknown, args: { unitScope: 'COMMUNE' | 'DEPARTMENT'; unitCode: string; provinceCode: string; month: string }) => {
    if (!UNIT_CODE[args.unitScope].test(args.unitCode))
      throw badInput('unitCode', args.unitCode, `is not a ${args.unitScope.toLowerCase()} code`);
    if (!MONTH.test(args.month)) throw badInput('month', args.month, 'must be YYYY-MM');
    return { ...args };
  },
  procedure: async (_: unknown, { code }: { code: string }, ctx: Context) => {
    if (!PROCEDURE_CODE.test(code)) throw badInput('code', code, 'a procedure code is a digit, a dot and 6 digits, e.g. 1.005129');
    return (await ctx.loaders.procedureByCode.load(code)) ?? Promise.reject(notFound('Procedure', 'code', code));
  },
  procedures: (_: unknown, { level }: { level?: string | null }, ctx: Context) => ctx.loaders.repository.procedures(level ?? null),
  serviceCentres: (_: unknown, { provinceCode }: { provinceCode: string }, ctx: Context) =>
    ctx.loaders.repository.serviceCentres(provinceCode),
  dossier: async (_: unknown, { number }: { number: string }, ctx: Context) =>
    (await ctx.loaders.dossierByNumber.load(number)) ?? Promise.reject(notFound('Dossier', 'number', number)),
  nationalEvaluation: (_: unknown, args: PeriodArgs, ctx: Context) => evaluate(ctx, 'NATION', 'VN', null, args),
  provinceRanking: (_: unknown, args: PeriodArgs, ctx: Context) => ranking(ctx, 'PROVINCE', null, args),
  communeRanking: (_: unknown, args: PeriodArgs & { provinceCode: string }, ctx: Context) =>
    ranking(ctx, 'COMMUNE', args.provinceCode, args),
  departmentRanking: (_: unknown, args: PeriodArgs & { provinceCode: string }, ctx: Context) =>
    ranking(ctx, 'DEPARTMENT', args.provinceCode, args),
  evaluationTrend: async (_: unknown, args: { unit: { scope: string; code: string }; year: number }, ctx: Context) => {
    const scope = args.unit.scope as UnitScope;
    if (!SCOPES.includes(scope)) throw badInput('unit.scope', args.unit.scope, `must be one of ${SCOPES.join(', ')}`);
    if (!UNIT_CODE[scope].test(args.unit.code)) throw badInput('unit.code', args.unit.code, `is not a ${scope.toLowerCase()} code`);
    periodOf('year', { kind: 'YEAR', year: args.year });
    const now = new Date();
    const provinceCode =
      scope === 'PROVINCE'
        ? args.unit.code
        : scope === 'DEPARTMENT'
          ? await ctx.loaders.repository.provinceOfDepartment(args.unit.code)
          : null;
    const [months, catalogue] = await Promise.all([
      ctx.loaders.repository.monthly(scope, args.unit.code, args.year, now),
      ctx.loaders.catalogue.load(`${args.year}-12-31`),
    ]);
    const level = scope === 'COMMUNE' ? 'COMMUNE' : scope === 'DEPARTMENT' ? 'PROVINCE' : 'ALL';
    return Array.from({ length: 12 }, (_, i) => {
      const period = periodOf('period', { kind: 'MONTH', year: args.year, index: i + 1 });
      return scorecard(
        { scope, unitCode: args.unit.code, provinceCode },
        period,
        months.get(period.fromMonth) ?? ctx.loaders.repository.empty(),
        catalogue[level],
      );
    });
  },
  syncStatus: (_: unknown, { provinceCode }: { provinceCode?: string | null }, ctx: Context) =>
    ctx.loaders.repository.syncStatus(provinceCode ?? null),
};
