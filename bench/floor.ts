import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { entryHash, GENESIS_HASH, type AuditEntry } from '../shared/audit';
import type { RecordedStatement } from './countStatements';
import type { LoadResult } from './load';
import { ask, settle, type ChildServer } from './processes';

/**
 * The SQL floor of a scenario (issue 14): the exact statements the gateway sent for one of its
 * requests, recorded in the gateway process (bench/countStatements.ts, asked over IPC), then replayed
 * with `pg` at the same concurrency for the same duration. What the gateway could reach if it cost
 * nothing but its SQL.
 *
 * Each replayed request runs the recorded statements in their order on one connection of a pool of
 * `connections`, texts and parameters unchanged. The gateway may have sent them on several
 * connections at once, its transactions interleaved with other statements; on one connection each
 * transaction is kept whole, the statements that came in its middle from other connections moved
 * right after it ({@link replayOrder}; the audit appends, the only transactions, wait for one another
 * on the append lock anyway). The audit appends' entries are rebuilt: an
 * `INSERT INTO audit.entry` repeated as recorded would not extend the chain (the table's trigger
 * refuses it), so each is written as `appendWithin` (shared/audit) writes it: the ids, time and head
 * read by the replay's own statements before it, `prev_hash` and `hash` computed for them, and
 * `request_id` marked `…:floor-replay`. The entries are real, valid entries of the bench database's
 * audit log, as the gateway's own requests leave there.
 */

/** Records the statements `gateway` sends while it answers one request (`body`, `headers`), alone. */
export async function recordRequest(gateway: ChildServer, body: string, headers: Record<string, string>): Promise<RecordedStatement[]> {
  // Requests of a measurement that were still in flight must not be recorded.
  await settle(gateway);
  await ask(gateway, { record: 'start' }, 'recording');
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  const { recorded } = (await ask(gateway, { record: 'stop' }, 'recorded')) as { recorded: RecordedStatement[] };
  if (response.status !== 200 || !text.startsWith('{"data"') || text.includes('"errors":[')) {
    throw new Error(`the request recorded for the SQL floor does not answer (${response.status}): ${text.slice(0, 300)}`);
  }
  return recorded;
}

const BEGIN = /^\s*(BEGIN|START TRANSACTION)\b/i;
const END = /^\s*(COMMIT|ROLLBACK|END)\b/i;
const AUDIT_INSERT = /^\s*INSERT INTO audit\.entry \(([^)]+)\) VALUES/;

/** What a recording holds, in words' worth of numbers. */
export interface RecordingShape {
  statements: number;
  /** Connections the gateway used for them. */
  connections: number;
  transactions: number;
  /** Audit entries appended (rows of `INSERT INTO audit.entry`). */
  auditEntries: number;
  /** Statements moved after a transaction of another connection they interleaved (see {@link replayOrder}). */
  moved: number;
}

/**
 * The order of replay on one connection: the recording cut into units — a transaction (from its
 * BEGIN to its COMMIT or ROLLBACK, on one connection) or a statement outside any — ordered by their
 * first statement. Each connection's statements keep their order; each transaction is contiguous.
 */
export function replayOrder(recorded: RecordedStatement[]): { order: RecordedStatement[]; moved: number } {
  const units: RecordedStatement[][] = [];
  const open = new Map<number, RecordedStatement[]>();
  for (const s of recorded) {
    const unit = open.get(s.connection);
    if (unit) {
      unit.push(s);
      if (END.test(s.text)) open.delete(s.connection);
    } else {
      units.push([s]);
      if (BEGIN.test(s.text)) open.set(s.connection, units.at(-1)!);
    }
  }
  const order = units.flat();
  return { order, moved: order.filter((s, i) => s !== recorded[i]).length };
}

/** Describes a recording. */
export function recordingShape(recorded: RecordedStatement[]): RecordingShape {
  let auditEntries = 0;
  for (const s of recorded) {
    const insert = AUDIT_INSERT.exec(s.text);
    if (insert) auditEntries += s.values.length / insert[1]!.split(',').length;
  }
  return {
    statements: recorded.length,
    connections: new Set(recorded.map((s) => s.connection)).size,
    transactions: recorded.filter((s) => BEGIN.test(s.text)).length,
    auditEntries,
    moved: replayOrder(recorded).moved,
  };
}

/** The head an append read under the lock: the chain's last hash, the time, the ids drawn. */
interface Head {
  last: string | null;
  at: string;
  ids: string[];
}

/** An audit INSERT's parameters with each entry rebuilt on `head`, as appendWithin builds it. */
function auditValues(text: string, values: unknown[], head: Head | null): unknown[] {
  if (!head) throw new Error('an audit INSERT without the head read before it: not replayable');
  const columns = AUDIT_INSERT.exec(text)![1]!
    .split(',')
    .map((c) => c.trim().replace(/_(\w)/g, (_m, x: string) => x.toUpperCase()));
  const ids = head.ids.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let prevHash = head.last ?? GENESIS_HASH;
  const out = [...values];
  for (let row = 0; row * columns.length < values.length; row++) {
    const entry = Object.fromEntries(columns.map((c, i) => [c, values[row * columns.length + i]])) as unknown as AuditEntry;
    Object.assign(entry, { id: String(ids[row]), at: head.at, requestId: `${entry.requestId}:floor-replay`, prevHash });
    prevHash = entryHash(entry);
    entry.hash = prevHash;
    columns.forEach((c, i) => (out[row * columns.length + i] = entry[c as keyof AuditEntry]));
  }
  return out;
}

/** One replayed request: the statements in order on `client`; with `timings`, each one's milliseconds pushed there. */
async function replayOnce(client: pg.PoolClient, recorded: RecordedStatement[], timings?: number[]): Promise<void> {
  let head: Head | null = null;
  for (const s of recorded) {
    const values = AUDIT_INSERT.test(s.text) ? auditValues(s.text, s.values, head) : s.values;
    const started = performance.now();
    const { rows } = await client.query(s.text, values);
    timings?.push(performance.now() - started);
    const first = rows[0] as Record<string, unknown> | undefined;
    if (first && 'last' in first && 'ids' in first) head = first as unknown as Head;
  }
}

/** The floor's measurement, and where one replay alone spends its time. */
export interface FloorResult {
  load: LoadResult;
  /** The first failed replay's message; null when none failed. */
  firstError: string | null;
  /** The three slowest statements of one replay alone, before the warm-up: milliseconds and the statement's start. */
  slowest: { ms: number; statement: string }[];
}

/**
 * Replays `recorded` from `connections` workers (a pool of as many connections), back to back, for
 * the warm-up and then `durationSeconds`; the measured window summarised as autocannon's runs are
 * (failed replays counted as connection errors), with the first failure's message.
 */
export async function replayFloor(
  databaseUrl: string,
  recorded: RecordedStatement[],
  options: { connections: number; durationSeconds: number; warmupSeconds: number },
): Promise<FloorResult> {
  const { order } = replayOrder(recorded);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.connections, application_name: 'lien-thong-bench-floor' });
  const alone = async () => {
    const timings: number[] = [];
    const client = await pool.connect();
    try {
      await replayOnce(client, order, timings);
    } finally {
      client.release();
    }
    return timings
      .map((ms, i) => ({ ms, statement: order[i]!.text.replace(/\s+/g, ' ').trim().slice(0, 60) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3);
  };
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let errors = 0;
    let sent = 0;
    let firstError: unknown = null;
    const started = performance.now();
    const until = started + seconds * 1000;
    const worker = async () => {
      while (performance.now() < until) {
        const at = performance.now();
        sent += 1;
        const client = await pool.connect();
        try {
          await replayOnce(client, order);
          client.release();
          latencies.push(performance.now() - at);
        } catch (error) {
          // A connection left inside a failed transaction is not given back.
          client.release(error as Error);
          errors += 1;
          firstError ??= error;
        }
      }
    };
    const cpu = process.cpuUsage();
    await Promise.all(Array.from({ length: options.connections }, worker));
    const wall = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { latencies, errors, sent, wall, cpuPercent: (used.user + used.system) / 1e4 / wall, firstError };
  };
  try {
    // Twice: the first pays for the connection's first plans.
    await alone();
    const slowest = await alone();
    if (options.warmupSeconds > 0) await run(options.warmupSeconds);
    const window = await run(options.durationSeconds);
    const sorted = window.latencies.sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
    const load: LoadResult = {
      sent: window.sent,
      completed: sorted.length,
      seconds: window.wall,
      requestsPerSecond: sorted.length / window.wall,
      latencyMs: { p50: at(50), p99: at(99), mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), max: at(100) },
      errors: window.errors,
      non2xx: 0,
      status5xx: 0,
      mismatches: 0,
      clientCpuPercent: window.cpuPercent,
    };
    const { firstError } = window;
    return {
      load,
      firstError: firstError === null ? null : firstError instanceof Error ? firstError.message : String(firstError),
      slowest,
    };
  } finally {
    await pool.end();
  }
}
