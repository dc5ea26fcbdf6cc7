import type { Context } from '../context';
import { periodOf, type PeriodKind } from '../evaluation/period';
import { rank, scorecard, type Scorecard } from '../evaluation/score';
import type { UnitScope } from '../repository';

export interface PeriodArgs {
  period: { kind: PeriodKind; year: number; index?: number | null };
}

/** One unit's scorecard over a period, read from the counters (batched per scope and period). */
export async function evaluate(
  ctx: Context,
  scope: UnitScope,
  code: string,
  provinceCode: string | null,
  args: PeriodArgs,
  now = new Date(),
): Promise<Scorecard> {
  const period = periodOf('period', args.period);
  const [counters, catalogue] = await Promise.all([
    ctx.loaders.evaluation(scope, period, now).load(code),
    ctx.loaders.catalogue.load(period.to),
  ]);
  const level = scope === 'COMMUNE' ? 'COMMUNE' : scope === 'NATION' ? 'ALL' : 'PROVINCE';
  return scorecard({ scope, unitCode: code, provinceCode }, period, counters, catalogue[scope === 'PROVINCE' ? 'ALL' : level]);
}

/** Units of a province, or the provinces, ranked: two statements (counters, catalogue) whatever their number. */
export async function ranking(ctx: Context, scope: 'PROVINCE' | 'COMMUNE' | 'DEPARTMENT', provinceCode: string | null, args: PeriodArgs) {
  const now = new Date();
  const period = periodOf('period', args.period);
  const repository = ctx.loaders.repository;
  const [catalogue, counters, provinces] = await Promise.all([
    ctx.loaders.catalogue.load(period.to),
    scope === 'PROVINCE'
      ? repository.counters('PROVINCE', period, now, null)
      : repository.unitsOfProvince(scope, provinceCode!, period, now),
    scope === 'PROVINCE' ? repository.provinces() : Promise.resolve([] as string[]),
  ]);
  const codes = scope === 'PROVINCE' ? [...new Set([...provinces, ...counters.keys()])] : [...counters.keys()];
  const stats = catalogue[scope === 'COMMUNE' ? 'COMMUNE' : scope === 'DEPARTMENT' ? 'PROVINCE' : 'ALL'];
  return rank(
    codes.map((code) =>
      scorecard(
        { scope, unitCode: code, provinceCode: scope === 'PROVINCE' ? code : provinceCode },
        period,
        counters.get(code) ?? repository.empty(),
        stats,
      ),
    ),
  );
}

export const Evaluation = {};
export const Period = {};
