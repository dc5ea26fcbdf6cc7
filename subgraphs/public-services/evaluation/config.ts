/**
 * The Decision 766/QĐ-TTg evaluation as this hub computes it: the five groups with their official
 * points, and each computable indicator with its threshold and points. ONE place: the scores, the
 * schema's descriptions of the method (docs/evaluation.md) and the tests read it from here.
 *
 * points(indicator) = min(1, rate ÷ threshold) × points; a rate with nothing to measure (denominator
 * 0) earns the full points (nothing was done badly). Group totals are official (Decision 766,
 * appendix: 18 + 20 + 22 + 22 + 18 = 100); the split of a group among its indicators and the
 * thresholds are reconstructed (see docs/evaluation.md, "Official and reconstructed").
 */
export const GROUPS = {
  PUBLICITY: 18,
  PROGRESS: 20,
  ONLINE: 22,
  DIGITISATION: 22,
  SATISFACTION: 18,
} as const;

export type GroupCode = keyof typeof GROUPS;

export type IndicatorCode =
  | 'PUBLISHED_PROCEDURES'
  | 'SYNC_RATE'
  | 'ON_TIME'
  | 'ONLINE_PROCEDURES'
  | 'ONLINE_DOSSIERS'
  | 'ONLINE_PAYMENT'
  | 'ELECTRONIC_RESULTS'
  | 'DIGITISED_DOSSIERS'
  | 'DATA_REUSE'
  | 'SATISFACTION';

export interface IndicatorConfig {
  code: IndicatorCode;
  group: GroupCode;
  name: string;
  /** The rate (0–1) that earns the full points. */
  threshold: number;
  points: number;
}

export const INDICATORS: readonly IndicatorConfig[] = [
  {
    code: 'PUBLISHED_PROCEDURES',
    group: 'PUBLICITY',
    name: 'Thủ tục được công khai — procedures of the level published',
    threshold: 1,
    points: 10,
  },
  {
    code: 'SYNC_RATE',
    group: 'PUBLICITY',
    name: 'Đồng bộ — dossiers reported to the hub within 24 h of reception',
    threshold: 1,
    points: 8,
  },
  { code: 'ON_TIME', group: 'PROGRESS', name: 'Đúng hạn — dossiers decided on time', threshold: 1, points: 20 },
  {
    code: 'ONLINE_PROCEDURES',
    group: 'ONLINE',
    name: 'Thủ tục trực tuyến — procedures of the level offered online',
    threshold: 0.8,
    points: 6,
  },
  {
    code: 'ONLINE_DOSSIERS',
    group: 'ONLINE',
    name: 'Hồ sơ trực tuyến — dossiers of online procedures submitted online',
    threshold: 0.8,
    points: 8,
  },
  { code: 'ONLINE_PAYMENT', group: 'ONLINE', name: 'Thanh toán trực tuyến — fee-bearing dossiers paid online', threshold: 0.5, points: 8 },
  {
    code: 'ELECTRONIC_RESULTS',
    group: 'DIGITISATION',
    name: 'Kết quả điện tử — decided dossiers with an electronic result',
    threshold: 1,
    points: 8,
  },
  { code: 'DIGITISED_DOSSIERS', group: 'DIGITISATION', name: 'Số hoá hồ sơ — dossiers digitised at reception', threshold: 1, points: 8 },
  {
    code: 'DATA_REUSE',
    group: 'DIGITISATION',
    name: 'Tái sử dụng dữ liệu — dossiers reusing data already held',
    threshold: 0.5,
    points: 6,
  },
  {
    code: 'SATISFACTION',
    group: 'SATISFACTION',
    name: 'Hài lòng — 100% less the overdue share and the complained share',
    threshold: 1,
    points: 18,
  },
];

/** A dossier counts as synchronised when the hub learnt of it within this many hours of its reception. */
export const SYNC_WINDOW_HOURS = 24;
/** More supplement requests than this make a dossier late, whenever it is decided. */
export const MAX_SUPPLEMENTS_ON_TIME = 1;
