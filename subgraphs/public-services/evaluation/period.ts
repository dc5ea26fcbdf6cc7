import { badInput } from '../../../shared/graphql/errors';

export type PeriodKind = 'MONTH' | 'QUARTER' | 'HALF_YEAR' | 'YEAR';

/** A period evaluated: its months (first days, YYYY-MM-01) from `fromMonth` to `toMonth`, and its first and last days. */
export interface Period {
  kind: PeriodKind;
  year: number;
  index: number;
  from: string;
  to: string;
  fromMonth: string;
  toMonth: string;
}

const MONTHS: Record<PeriodKind, number> = { MONTH: 1, QUARTER: 3, HALF_YEAR: 6, YEAR: 12 };

const month = (year: number, m: number) => `${year}-${String(m).padStart(2, '0')}-01`;

/** Checks a PeriodInput (BAD_USER_INPUT naming `argument`) and spells it out. */
export function periodOf(argument: string, input: { kind: PeriodKind; year: number; index?: number | null }): Period {
  const index = input.index ?? 1;
  const span = MONTHS[input.kind];
  if (!Number.isInteger(input.year) || input.year < 2020 || input.year > 2100)
    throw badInput(`${argument}.year`, input.year, 'must be a year from 2020 to 2100');
  if (!Number.isInteger(index) || index < 1 || index > 12 / span)
    throw badInput(`${argument}.index`, index, `must be 1 to ${12 / span} for a ${input.kind.toLowerCase()}`);
  const first = (index - 1) * span + 1;
  const last = first + span - 1;
  const lastDay = new Date(Date.UTC(input.year, last, 0)).getUTCDate();
  return {
    kind: input.kind,
    year: input.year,
    index,
    from: month(input.year, first),
    to: `${input.year}-${String(last).padStart(2, '0')}-${String(lastDay).padStart(2, '0')}`,
    fromMonth: month(input.year, first),
    toMonth: month(input.year, last),
  };
}
