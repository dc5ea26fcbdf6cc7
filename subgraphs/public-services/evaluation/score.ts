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
  const judged = c.finished + c.unfinished_overdue;
  const late = judged - c.finished_on_time;
  const ratios: Record<IndicatorCode, [number, number]> = {
    PUBLISHED_PROCEDURES: [catalogue.published, catalogue.total],
    SYNC_RATE: [c.reported_timely, c.received],
    ON_TIME: [c.finished_on_time, judged],
    ONLINE_PROCEDURES: [catalogue.online, catalogue.total],
    ONLINE_DOSSIERS: [c.online_of_eligible, c.online_eligible],
    ONLINE_PAYMENT: [c.paid_online, c.fee_required],
    ELECTRONIC_RESULTS: [c.electronic_result, c.finished],
    DIGITISED_DOSSIERS: [c.digitised, c.received],
    DATA_REUSE: [c.reused_data, c.received],
    // 100% less the overdue share (of dossiers judged) and the complained share (complaints per dossier received).
    SATISFACTION: [
      Math.max(0, 1 - (judged > 0 ? late / judged : 0) - (c.received > 0 ? c.complaints / c.received : 0)) *
        Math.max(1, judged + c.received),
      Math.max(1, judged + c.received),
    ],
  };
  const indicators = INDICATORS.map((i): IndicatorScore => {
    const [numerator, denominator] = ratios[i.code];
    const nothing = i.code === 'SATISFACTION' ? judged + c.received === 0 : denominator === 0;
    const rate = nothing ? null : numerator / denominator;
    const points = rate === null ? i.points : Math.min(1, rate / i.threshold) * i.points;
    return {
      code: i.code,
      group: i.group,
      name: i.name,
      numerator: round(numerator, 4),
      denominator: round(denominator, 4),
      rate: rate === null ? null : round(rate, 4),
      threshold: i.threshold,
      points: round(points),
      maxPoints: i.points,
    };
  });
  const groups = (Object.keys(GROUPS) as GroupCode[]).map((group) => ({
    group,
    points: round(indicators.filter((i) => i.group === group).reduce((s, i) => s + i.points, 0)),
    maxPoints: GROUPS[group],
  }));
  return {
    ...unit,
    period,
    score: round(groups.reduce((s, g) => s + g.points, 0)),
    groups,
    indicators,
    evaluated: c.received > 0,
    dossiersReceived: c.received,
    dossiersFinished: c.finished,
    onTimeRate: judged > 0 ? round(c.finished_on_time / judged, 4) : null,
    averageResolutionHours: c.finished > 0 ? round(c.resolution_minutes / 60 / c.finished) : null,
  };
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
  return sorted.map((evaluation, i) => ({
    rank: sorted.findIndex((o) => o.score === evaluation.score && o.evaluated === evaluation.evaluated) + 1 || i + 1,
    evaluation,
  }));
}
