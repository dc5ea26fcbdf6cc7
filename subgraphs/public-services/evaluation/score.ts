import { GROUPS, INDICATORS, type GroupCode, type IndicatorCode } from './config';
import type { Counters } from './counters';
import type { Period } from './period';

/** The procedure catalogue as one level sees it at a period's end. */
export interface CatalogueStats {
  total: number;
  published: number;
  online: number;
}

/** A unit's counters summed over a period, with its unfinished dossiers whose due month has ended. */
export type PeriodCounters = Counters & { unfinished_overdue: number };

export interface IndicatorScore {
  code: IndicatorCode;
  group: GroupCode;
  name: string;
  numerator: number;
  denominator: number;
  rate: number | null;
  threshold: number;
  points: number;
  maxPoints: number;
}

export interface Scorecard {
  scope: 'NATION' | 'PROVINCE' | 'DEPARTMENT' | 'COMMUNE';
  unitCode: string;
  provinceCode: string | null;
  period: Period;
  score: number;
  groups: { group: GroupCode; points: number; maxPoints: number }[];
  indicators: IndicatorScore[];
  /** False when the unit received no dossier in the period (see {@link rank}). */
  evaluated: boolean;
  dossiersReceived: number;
  dossiersFinished: number;
  onTimeRate: number | null;
  averageResolutionHours: number | null;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const GROUP_CODES = Object.keys(GROUPS) as GroupCode[];
/** Each indicator's group, as an index into {@link GROUP_CODES}. */
const GROUP_INDEX = INDICATORS.map((i) => GROUP_CODES.indexOf(i.group));
const SATISFACTION_INDEX = INDICATORS.findIndex((i) => i.code === 'SATISFACTION');

/** Numerator and denominator of one indicator (see {@link scorecard}); SATISFACTION is computed apart. */
type Ratio = (c: PeriodCounters, catalogue: CatalogueStats, judged: number) => number;
const RATIOS: Record<Exclude<IndicatorCode, 'SATISFACTION'>, [Ratio, Ratio]> = {
  PUBLISHED_PROCEDURES: [(_, k) => k.published, (_, k) => k.total],
  SYNC_RATE: [(c) => c.reported_timely, (c) => c.received],
  ON_TIME: [(c) => c.finished_on_time, (_, __, judged) => judged],
  ONLINE_PROCEDURES: [(_, k) => k.online, (_, k) => k.total],
  ONLINE_DOSSIERS: [(c) => c.online_of_eligible, (c) => c.online_eligible],
  ONLINE_PAYMENT: [(c) => c.paid_online, (c) => c.fee_required],
  ELECTRONIC_RESULTS: [(c) => c.electronic_result, (c) => c.finished],
  DIGITISED_DOSSIERS: [(c) => c.digitised, (c) => c.received],
  DATA_REUSE: [(c) => c.reused_data, (c) => c.received],
};
const NUMERATOR = INDICATORS.map((i) => (i.code === 'SATISFACTION' ? null : RATIOS[i.code][0]));
const DENOMINATOR = INDICATORS.map((i) => (i.code === 'SATISFACTION' ? null : RATIOS[i.code][1]));

/**
 * A scorecard's figures. The score needs every indicator's points, computed at once without an
 * object per indicator; the indicator and group objects are made only when read (`indicators`,
 * `groups`: a ranking of hundreds of units reads neither), from the same numbers.
 */
class Card implements Scorecard {
  readonly score: number;
  readonly evaluated: boolean;
  readonly dossiersReceived: number;
  readonly dossiersFinished: number;
  readonly onTimeRate: number | null;
  readonly averageResolutionHours: number | null;
  private readonly numerators: number[];
  private readonly denominators: number[];
  /** Each indicator's rate, null with nothing to measure. */
  private readonly rates: (number | null)[];
  /** Each indicator's points, rounded. */
  private readonly points: number[];
  /** Each group's points, rounded. */
  private readonly groupPoints: number[];
  private madeIndicators: IndicatorScore[] | undefined;
  private madeGroups: Scorecard['groups'] | undefined;

  constructor(
    readonly scope: Scorecard['scope'],
    readonly unitCode: string,
    readonly provinceCode: string | null,
    readonly period: Period,
    c: PeriodCounters,
    catalogue: CatalogueStats,
  ) {
    const judged = c.finished + c.unfinished_overdue;
    const late = judged - c.finished_on_time;
    const count = INDICATORS.length;
    this.numerators = new Array<number>(count);
    this.denominators = new Array<number>(count);
    this.rates = new Array<number | null>(count);
    this.points = new Array<number>(count);
    this.groupPoints = GROUP_CODES.map(() => 0);
    for (let i = 0; i < count; i++) {
      const indicator = INDICATORS[i]!;
      let numerator: number;
      let denominator: number;
      let nothing: boolean;
      if (i === SATISFACTION_INDEX) {
        // 100% less the overdue share (of dossiers judged) and the complained share (complaints per dossier received).
        denominator = Math.max(1, judged + c.received);
        numerator = Math.max(0, 1 - (judged > 0 ? late / judged : 0) - (c.received > 0 ? c.complaints / c.received : 0)) * denominator;
        nothing = judged + c.received === 0;
      } else {
        numerator = NUMERATOR[i]!(c, catalogue, judged);
        denominator = DENOMINATOR[i]!(c, catalogue, judged);
        nothing = denominator === 0;
      }
      const rate = nothing ? null : numerator / denominator;
      const points = round(rate === null ? indicator.points : Math.min(1, rate / indicator.threshold) * indicator.points);
      this.numerators[i] = numerator;
      this.denominators[i] = denominator;
      this.rates[i] = rate;
      this.points[i] = points;
      // Summed in the indicators' order, as a group's indicators are listed.
      const group = GROUP_INDEX[i]!;
      this.groupPoints[group] = this.groupPoints[group]! + points;
    }
    let score = 0;
    for (let g = 0; g < this.groupPoints.length; g++) {
      this.groupPoints[g] = round(this.groupPoints[g]!);
      score += this.groupPoints[g]!;
    }
    this.score = round(score);
    this.evaluated = c.received > 0;
    this.dossiersReceived = c.received;
    this.dossiersFinished = c.finished;
    this.onTimeRate = judged > 0 ? round(c.finished_on_time / judged, 4) : null;
    this.averageResolutionHours = c.finished > 0 ? round(c.resolution_minutes / 60 / c.finished) : null;
  }

  get indicators(): IndicatorScore[] {
    return (this.madeIndicators ??= INDICATORS.map((i, n) => {
      const rate = this.rates[n]!;
      return {
        code: i.code,
        group: i.group,
        name: i.name,
        numerator: round(this.numerators[n]!, 4),
        denominator: round(this.denominators[n]!, 4),
        rate: rate === null ? null : round(rate, 4),
        threshold: i.threshold,
        points: this.points[n]!,
        maxPoints: i.points,
      };
    }));
  }

  get groups(): Scorecard['groups'] {
    return (this.madeGroups ??= GROUP_CODES.map((group, g) => ({ group, points: this.groupPoints[g]!, maxPoints: GROUPS[group] })));
  }
}

/**
 * The index of a unit over a period from its counters and the catalogue (docs/evaluation.md states
 * every formula). Pure: the same counters give the same score.
 */
export function scorecard(
  unit: Pick<Scorecard, 'scope' | 'unitCode' | 'provinceCode'>,
  period: Period,
  c: PeriodCounters,
  catalogue: CatalogueStats,
): Scorecard {
  return new Card(unit.scope, unit.unitCode, unit.provinceCode, period, c, catalogue);
}

/**
 * Ranks by score, best first; ties share a rank (1, 2, 2, 4). Units that received no dossier in the
 * period come after every evaluated unit (their score measures nothing they did), ranked among
 * themselves the same way.
 */
export function rank<T extends { score: number; unitCode: string; evaluated: boolean }>(
  cards: readonly T[],
): { rank: number; evaluation: T }[] {
  const sorted = [...cards].sort(
    (a, b) => Number(b.evaluated) - Number(a.evaluated) || b.score - a.score || a.unitCode.localeCompare(b.unitCode),
  );
  // Equal scores of equally evaluated units are neighbours once sorted: each takes the rank of the first of them.
  const ranked: { rank: number; evaluation: T }[] = new Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const evaluation = sorted[i]!;
    const previous = sorted[i - 1];
    const tied = previous !== undefined && previous.score === evaluation.score && previous.evaluated === evaluation.evaluated;
    ranked[i] = { rank: tied ? ranked[i - 1]!.rank : i + 1, evaluation };
  }
  return ranked;
}
