import type { DataSource } from 'typeorm';
import type { LiveEvent, LivePublisher } from '../../shared/live';
import type { Logger } from '../../shared/observability/logger';
import { startPeriodic } from '../../shared/periodic';
import { IN_PROGRESS } from './evaluation/counters';
import { vietnamDate } from './numbers';
import type { DossierStatus } from './status';

/**
 * Notices of dossiers falling due (hẹn trả), for the officers watching a commune's dossiers
 * (`communeDossierChanged`): a dossier being worked on whose due time is later today (Vietnam
 * time) is announced once as DUE_TODAY, and once more as OVERDUE when its due time has just passed
 * (within {@link OVERDUE_WINDOW_MS}: a dossier long overdue was announced when it fell due, or
 * predates this notice). Keys only, on the commune's channel, like every write's events; the
 * subscriber's selection reads `Dossier.deadline` to tell the kind.
 *
 * Exactly one notice per dossier, kind and due time, however many processes run this timer: each
 * pass claims its dossiers with one UPDATE … RETURNING that records the notice (`due_notice`, and
 * `due_noticed_for` its due time), over rows locked FOR UPDATE SKIP LOCKED — a row another process
 * is claiming is skipped, a row it claimed no longer matches. The claim commits before the publish:
 * a process dying in between loses those notices (at most once, never twice). A due time moved
 * (a supplement) is a new due time: announced again. Works alike on PostgreSQL and the embedded
 * PGlite, with no Redis lock to expire or clock to agree on.
 */

/** How long after its due time a dossier still gets its OVERDUE notice. */
export const OVERDUE_WINDOW_MS = 24 * 3_600_000;
/** Dossiers claimed per statement. */
const CLAIM_BATCH = 2_000;
/** Seconds between passes unless the host says otherwise. */
export const DEFAULT_DEADLINE_INTERVAL_MS = 60_000;

/** Where a dossier's due time stands now (the `Dossier.deadline` field). */
export type Deadline = 'FINISHED' | 'PAUSED' | 'DUE_LATER' | 'DUE_TODAY' | 'OVERDUE';

const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** The first instant of the next day in Vietnam after `now`. */
export function endOfVietnamDay(now: Date): Date {
  return new Date(Date.parse(`${vietnamDate(now)}T00:00:00Z`) - VIETNAM_OFFSET_MS + 24 * 3_600_000);
}

export function deadlineOf(d: { status: string; dueAt: Date }, now: Date): Deadline {
  if (!IN_PROGRESS.has(d.status as DossierStatus)) return d.status === 'SUPPLEMENT_REQUESTED' ? 'PAUSED' : 'FINISHED';
  if (d.dueAt.getTime() <= now.getTime()) return 'OVERDUE';
  return d.dueAt.getTime() < endOfVietnamDay(now).getTime() ? 'DUE_TODAY' : 'DUE_LATER';
}

const RUNNING = [...IN_PROGRESS].map((s) => `'${s}'`).join(', ');

/**
 * Claims (marks with the notice `$1`) up to a batch of the dossiers being worked on due in
 * [$2, $3) not yet given that notice for their due time; returns their numbers and communes.
 * Reads the partial index of unfinished dossiers by due time (an EXPLAIN test holds it to it).
 */
export const CLAIM_SQL = `UPDATE public_services.dossier d SET due_notice = $1, due_noticed_for = d.due_at
  FROM (
    SELECT number, received_on, province_code FROM public_services.dossier
    WHERE status IN (${RUNNING}) AND due_at >= $2 AND due_at < $3
      AND (due_notice IS DISTINCT FROM $1 OR due_noticed_for IS DISTINCT FROM due_at)
    LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED
  ) c
  WHERE d.number = c.number AND d.received_on = c.received_on AND d.province_code = c.province_code
  RETURNING d.number, d.commune_code AS commune`;

async function claim(
  db: DataSource,
  kind: 'DUE_TODAY' | 'OVERDUE',
  from: Date,
  to: Date,
): Promise<{ number: string; commune: string | null }[]> {
  const claimed: { number: string; commune: string | null }[] = [];
  for (;;) {
    const rows = (await db.query(CLAIM_SQL, [kind, from.toISOString(), to.toISOString()])) as unknown;
    // node-postgres answers an UPDATE … RETURNING through TypeORM as [rows, count].
    const list = (Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : rows) as { number: string; commune: string | null }[];
    claimed.push(...list);
    if (list.length < CLAIM_BATCH) return claimed;
  }
}

/** One pass at `now`: claims what falls due and publishes it. Returns the notices sent, by kind. */
export async function announceDeadlines(db: DataSource, live: LivePublisher, now: Date): Promise<{ dueToday: number; overdue: number }> {
  const overdue = await claim(db, 'OVERDUE', new Date(now.getTime() - OVERDUE_WINDOW_MS), new Date(now.getTime() + 1));
  const dueToday = await claim(db, 'DUE_TODAY', new Date(now.getTime() + 1), endOfVietnamDay(now));
  const events: LiveEvent[] = [...overdue, ...dueToday].flatMap((d) =>
    d.commune ? [{ channel: `dossier:commune:${d.commune}`, keys: { number: d.number } }] : [],
  );
  for (let i = 0; i < events.length; i += 1_000) await live.publish(events.slice(i, i + 1_000)).catch(() => undefined);
  return { dueToday: dueToday.length, overdue: overdue.length };
}

/**
 * Runs {@link announceDeadlines} every `intervalMs` (one pass at a time; the first at once) until
 * the returned function is called, which waits for a pass under way.
 */
export function startDeadlineNotices(options: {
  db: DataSource;
  live: LivePublisher;
  log: Logger;
  intervalMs?: number;
  now?: () => Date;
}): () => Promise<void> {
  const now = options.now ?? (() => new Date());
  return startPeriodic({
    intervalMs: options.intervalMs ?? DEFAULT_DEADLINE_INTERVAL_MS,
    immediately: true,
    run: async () => {
      const sent = await announceDeadlines(options.db, options.live, now());
      if (sent.dueToday + sent.overdue > 0) options.log.info(sent, 'dossiers falling due announced');
    },
    onError: (error) => options.log.warn({ err: error }, 'dossiers falling due: pass failed, retried at the next'),
  });
}
