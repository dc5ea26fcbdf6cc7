import type { Context } from '../context';
import { evaluate } from './Evaluation';

/** A live event's keys (Query.evaluationChange), with the unit's evaluation for that month. */
export const EvaluationChange = {
  evaluation: (
    change: { unitScope: 'COMMUNE' | 'DEPARTMENT'; unitCode: string; provinceCode: string; month: string },
    _: unknown,
    ctx: Context,
  ) => {
    const [year, month] = change.month.split('-').map(Number) as [number, number];
    return evaluate(ctx, change.unitScope, change.unitCode, change.provinceCode, { period: { kind: 'MONTH', year, index: month } });
  },
};
