/**
 * What the dashboard computes without a browser: periods, labels, which live events concern what is
 * on screen, and which dossiers are overdue or due today. No DOM here, so the tests run it in Node.
 */

/** A period of the evaluation, as the schema's `PeriodInput`. */
export interface Period {
  kind: 'MONTH' | 'QUARTER' | 'HALF_YEAR' | 'YEAR';
  year: number;
  index: number;
}

export const PERIOD_KINDS: readonly { kind: Period['kind']; vi: string; en: string; count: number; months: number }[] = [
  { kind: 'MONTH', vi: 'Tháng', en: 'Month', count: 12, months: 1 },
  { kind: 'QUARTER', vi: 'Quý', en: 'Quarter', count: 4, months: 3 },
  { kind: 'HALF_YEAR', vi: '6 tháng', en: 'Half-year', count: 2, months: 6 },
  { kind: 'YEAR', vi: 'Năm', en: 'Year', count: 1, months: 12 },
];

/** The five groups of the Decision 766 index, in the order of the decision. */
export const GROUPS = [
  { code: 'PUBLICITY', vi: 'Công khai, minh bạch', en: 'Publicity' },
  { code: 'PROGRESS', vi: 'Tiến độ giải quyết', en: 'Progress' },
  { code: 'ONLINE', vi: 'Dịch vụ trực tuyến', en: 'Online' },
  { code: 'DIGITISATION', vi: 'Mức độ số hoá', en: 'Digitisation' },
  { code: 'SATISFACTION', vi: 'Mức độ hài lòng', en: 'Satisfaction' },
] as const;

export type GroupCode = (typeof GROUPS)[number]['code'];

/** What the page needs of a unit's evaluation to show its score and points. */
export interface Scored {
  score: number;
  evaluated: boolean;
  groups: readonly { group: string; points: number }[];
}

/** Shown for a unit without evaluated dossiers: its score and points are the formula's defaults, not a result. */
export const NOT_EVALUATED = '—';

/** A unit's score as shown: two decimals, or {@link NOT_EVALUATED} when nothing was evaluated (never a default like 99.62). */
export function scoreText(e: Scored): string {
  return e.evaluated ? e.score.toFixed(2) : NOT_EVALUATED;
}

/** A group's points as shown: one decimal, or {@link NOT_EVALUATED} when nothing was evaluated. */
export function pointsText(e: Scored, group: GroupCode): string {
  return e.evaluated ? (e.groups.find((g) => g.group === group)?.points ?? 0).toFixed(1) : NOT_EVALUATED;
}

/**
 * A unit's place as shown: its rank, or {@link NOT_EVALUATED} when it was not evaluated in the
 * period (the ranking lists such units last, all at one rank: a "1" for each of 34 idle provinces
 * would read as a tie for first).
 */
export function rankText(rank: number, e: { evaluated: boolean }): string {
  return e.evaluated ? String(rank) : NOT_EVALUATED;
}

/**
 * A unit's on-time rate as shown: one decimal, or {@link NOT_EVALUATED} when it received no dossier
 * in the period (a few late-finished dossiers of earlier periods would read "100.0%" beside a score
 * of "—") or none was judged yet.
 */
export function onTimeText(e: { evaluated: boolean; onTimeRate: number | null }): string {
  return e.evaluated && e.onTimeRate !== null ? `${(e.onTimeRate * 100).toFixed(1)}%` : NOT_EVALUATED;
}

/**
 * The rows of a points-by-group bar chart: one per group of each evaluated unit, in the groups'
 * order. A unit without evaluated dossiers has no bar (not a full one made of default points).
 */
export function groupBars(units: readonly { unit: string; evaluation: Scored & { period: { year: number; index: number } } }[]) {
  return units
    .filter(({ evaluation }) => evaluation.evaluated)
    .flatMap(({ unit, evaluation: e }) =>
      GROUPS.map((g, order) => ({
        unit,
        group: g.en,
        order,
        points: e.groups.find((x) => x.group === g.code)?.points ?? 0,
        month: `${e.period.year}-${String(e.period.index).padStart(2, '0')}`,
      })),
    );
}

const kindOf = (kind: string) => PERIOD_KINDS.find((k) => k.kind === kind);

/** `2025-Q4`, `2025-12`, `2025-H2`, `2025` ⇄ a period (the page's `?period=` parameter). Null when malformed. */
export function parsePeriod(text: string | null | undefined): Period | null {
  const m = /^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$/.exec((text ?? '').trim());
  if (!m) return null;
  const year = Number(m[1]);
  if (year < 2020 || year > 2100) return null;
  if (m[2]) {
    const month = Number(m[2]);
    return month >= 1 && month <= 12 ? { kind: 'MONTH', year, index: month } : null;
  }
  if (m[3]) return { kind: 'QUARTER', year, index: Number(m[3]) };
  if (m[4]) return { kind: 'HALF_YEAR', year, index: Number(m[4]) };
  return { kind: 'YEAR', year, index: 1 };
}

/** The inverse of {@link parsePeriod}. */
export function formatPeriod(p: Period): string {
  switch (p.kind) {
    case 'MONTH':
      return `${p.year}-${String(p.index).padStart(2, '0')}`;
    case 'QUARTER':
      return `${p.year}-Q${p.index}`;
    case 'HALF_YEAR':
      return `${p.year}-H${p.index}`;
    case 'YEAR':
      return String(p.year);
  }
}

/** "Quý 4/2025 · Quarter 4 2025". */
export function periodLabel(p: Period): { vi: string; en: string } {
  const k = kindOf(p.kind)!;
  if (p.kind === 'YEAR') return { vi: `Năm ${p.year}`, en: `Year ${p.year}` };
  return { vi: `${k.vi} ${p.index}/${p.year}`, en: `${k.en} ${p.index} ${p.year}` };
}

/** The months (`YYYY-MM`) a period covers. */
export function monthsOf(p: Period): string[] {
  const span = kindOf(p.kind)!.months;
  const first = (p.index - 1) * span + 1;
  return Array.from({ length: span }, (_, i) => `${p.year}-${String(first + i).padStart(2, '0')}`);
}

/** The `count` months before `now` in Vietnam (UTC+7), newest first: where the page looks for the latest evaluated one. */
export function recentMonths(now: Date, count: number): Period[] {
  const vn = new Date(now.getTime() + 7 * 3_600_000);
  let year = vn.getUTCFullYear();
  let month = vn.getUTCMonth() + 1;
  const months: Period[] = [];
  for (let i = 0; i < count; i++) {
    months.push({ kind: 'MONTH', year, index: month });
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
  return months;
}

/** The payload of the `evaluationChanged` subscription: the keys of what changed. */
export interface EvaluationChangeKeys {
  unitScope: string;
  unitCode: string;
  provinceCode: string;
  month: string;
}

/** What is on screen, to decide what a live event makes stale. */
export interface OnScreen {
  period: Period;
  provinceCode: string | null;
  communeCode: string | null;
}

/** What to read again after these events: the national ranking, the province's rankings, the commune's scorecard, each trend. */
export interface Stale {
  ranking: boolean;
  trends: boolean;
  province: boolean;
  commune: boolean;
}

/**
 * Which views the events make stale. A month outside the period touches only the trends of its year;
 * a province's event touches the national ranking (its place moves) and, when it is open, its rankings.
 */
export function staleViews(events: readonly EvaluationChangeKeys[], screen: OnScreen): Stale {
  const months = new Set(monthsOf(screen.period));
  const stale: Stale = { ranking: false, trends: false, province: false, commune: false };
  for (const e of events) {
    const inPeriod = months.has(e.month);
    const inYear = e.month.startsWith(`${screen.period.year}-`);
    if (!inPeriod && !inYear) continue;
    stale.trends ||= inYear;
    stale.ranking ||= inPeriod;
    if (e.provinceCode === screen.provinceCode) stale.province = true;
    if (e.unitScope === 'COMMUNE' && e.unitCode === screen.communeCode) stale.commune = true;
  }
  return stale;
}

/** A dossier as the officer's list reads it. */
export interface DossierRow {
  number: string;
  status: string;
  dueAt: string;
  receivedAt: string;
  procedure: { code: string; name: string };
}

/** Statuses whose clock no longer runs: decided, final, or waiting for the applicant (the due time moves on completion). */
const CLOCK_STOPPED = new Set(['DONE', 'RETURNED', 'NOT_RECEIVED', 'WITHDRAWN', 'STOPPED', 'SUPPLEMENT_REQUESTED']);

/** The calendar day in Vietnam (UTC+7) of an instant, `YYYY-MM-DD`. */
export function vietnamDay(at: Date): string {
  return new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * The dossiers still running whose due time has passed (overdue, most overdue first) and those due
 * later today in Vietnam (soonest first).
 */
export function dueBuckets(dossiers: readonly DossierRow[], now: Date): { overdue: DossierRow[]; dueToday: DossierRow[] } {
  const running = dossiers.filter((d) => !CLOCK_STOPPED.has(d.status));
  const byDue = (a: DossierRow, b: DossierRow) => Date.parse(a.dueAt) - Date.parse(b.dueAt);
  const today = vietnamDay(now);
  return {
    overdue: running.filter((d) => Date.parse(d.dueAt) < now.getTime()).sort(byDue),
    dueToday: running.filter((d) => Date.parse(d.dueAt) >= now.getTime() && vietnamDay(new Date(d.dueAt)) === today).sort(byDue),
  };
}

/** A token's claims, read to show whom it speaks for (not verified: the gateway does that). */
export function readClaims(token: string): Record<string, unknown> | null {
  const payload = token
    .trim()
    .replace(/^Bearer\s+/i, '')
    .split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Header values travel as Latin-1: a Vietnamese purpose is sent as its UTF-8 bytes (as the explorer does). */
export function headerValue(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

/** The headers of the officer's requests: the pasted token and purpose, when given. */
export function credentialHeaders(token: string, purpose: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const bare = token.trim().replace(/^Bearer\s+/i, '');
  if (bare) headers.authorization = `Bearer ${bare}`;
  if (purpose.trim()) headers['x-purpose'] = headerValue(purpose.trim());
  return headers;
}
