import type { DataSource, Logger, QueryRunner } from 'typeorm';
import type { HealthReport } from '../http';

/**
 * Reads on a streaming replica, writes on the primary: the routing of every subgraph, in one place.
 *
 * TypeORM's own `replication: { master, slaves }` is not used: it sends `DataSource.query` (how our
 * loaders and repositories read) to the master, and a slave that is down fails the query instead of
 * falling back. Here a request gets a {@link DataSource} (see {@link ReadRouting.forRequest}) whose
 * `query`, `getRepository`, `createQueryBuilder` and `sql` read from the replica, while everything
 * else — `transaction` above all, so every write with its validation reads, idempotency claim or
 * replay and audit append — runs on the primary. A request reads from the primary instead when:
 * - it was pinned there ({@link pinPrimary}): a mutation (its own follow-up reads must see its
 *   write), another subgraph's existence check for a write, a gateway fetch that belongs to a
 *   mutation's plan;
 * - the replica is not `ok`: unreachable, or lagging more than `maxLagSeconds` behind;
 * - a read on the replica fails for a reason the primary would not share (connection lost, recovery
 *   conflict, read-only): that read is retried on the primary and the replica marked `down` until
 *   the next check finds it well. A read is never answered with an error because of the replica.
 *
 * A request pinned to the primary reads around the entity cache as well ({@link pinnedToPrimary}).
 * Caveat: a read on the replica may be up to `maxLagSeconds` older than the primary, and what it
 * reads may fill the entity cache (until the TTL or the next invalidation of its type). A client
 * that must see its own write in a later request reads the write's payload instead.
 */

/** What `/health` and `/ready` say of the replica. */
export interface ReplicaStatus {
  /** `none`: no replica configured; `ok`: reads go there; `lagging` / `down`: reads go to the primary. */
  state: 'none' | 'ok' | 'lagging' | 'down';
  /** Seconds of replay behind the primary at the last check (0 when it has replayed all it received). */
  lagSeconds: number | null;
  /** Statements the replica answered since the start, and reads that failed there and were answered by the primary. */
  reads: { replica: number; fallbacks: number };
}

export interface ReadRouting {
  /** The primary: writes, migrations, seeds, timers. */
  primary: DataSource;
  /**
   * The database of one request: reads on the replica while it is `ok` and the request is not
   * pinned to the primary ({@link pinPrimary}, or `primary: true` here), the rest on the primary.
   */
  forRequest(options?: { primary?: boolean }): DataSource;
  status(): ReplicaStatus;
  /** Checks the replica now (the periodic check does it every `checkIntervalMs`). */
  check(): Promise<ReplicaStatus>;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  /** The replica's URL (DATABASE_REPLICA_URL); none: every read on the primary. */
  url?: string | undefined;
  /** Past this replay lag the replica is `lagging` and reads go to the primary (DATABASE_REPLICA_MAX_LAG_SECONDS). */
  maxLagSeconds?: number;
  /** Milliseconds between checks of the replica's state and lag. */
  checkIntervalMs?: number;
  /** Counts the replica's statements (tests, the bench). */
  logger?: Logger;
  poolSize?: number;
  /** Told when the state changes (the entrypoints log it). */
  onState?: (status: ReplicaStatus) => void;
}

/**
 * Sent by a gateway with every subgraph fetch of a mutation's plan ("1"): the subgraph then reads
 * from the primary, so the fields fetched after the write see it. Unsigned on purpose: it can only
 * move reads to the primary.
 */
export const READ_PRIMARY_HEADER = 'x-read-primary';

/**
 * `/health`'s and `/ready`'s word on the replica: its state and lag; a replica not `ok` makes the
 * service `degraded` (still ready). Null without a replica (the reports stay as they were).
 */
export function replicaReport(
  routing: ReadRouting,
): { replica: { state: ReplicaStatus['state']; lagSeconds: number | null }; degraded: boolean } | null {
  const { state, lagSeconds } = routing.status();
  if (state === 'none') return null;
  return { replica: { state, lagSeconds }, degraded: state === 'lagging' || state === 'down' };
}

/** `health` with the replica's word added (see {@link replicaReport}). */
export function withReplicaHealth(health: () => Promise<HealthReport>, routing: ReadRouting | undefined): () => Promise<HealthReport> {
  if (!routing) return health;
  return async () => {
    const report = await health();
    const word = replicaReport(routing);
    if (!word) return report;
    return { ...report, status: report.status === 'ok' && word.degraded ? 'degraded' : report.status, replica: word.replica };
  };
}

const PIN = Symbol('pinPrimary');
const READS = new Set<PropertyKey>(['query', 'getRepository', 'createQueryBuilder', 'sql']);

const PINNED = Symbol('pinnedToPrimary');

/** From now on, `db` (a request's, from {@link ReadRouting.forRequest}) reads from the primary; a no-op on any other DataSource. */
export function pinPrimary(db: DataSource): void {
  (db as unknown as { [PIN]?: () => void })[PIN]?.();
}

/**
 * Whether `db` is a request's database pinned to the primary (false without a replica). Such a
 * request reads around the entity cache too: an entry filled from the replica may predate its write.
 */
export function pinnedToPrimary(db: DataSource): boolean {
  return (db as unknown as { [PINNED]?: boolean })[PINNED] === true;
}

/**
 * Errors that say nothing about the query (the same statement would succeed on the primary): no
 * SQLSTATE (connection refused, reset, checkout timeout), connection exceptions (08), recovery
 * conflicts and serialisation (40), resources (53), shutdown (57), system (58, XX).
 */
function replicaFault(error: unknown): boolean {
  const code =
    (error as { driverError?: { code?: unknown }; code?: unknown } | null)?.driverError?.code ?? (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  // A statement timeout (57014) would strike on the primary too: not run twice.
  return code !== '57014' && ['08', '40', '53', '57', '58', 'XX'].includes(code.slice(0, 2));
}

/** A WAL position (`16/B374D848`) as a number. */
function lsnOf(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/** A routing with no replica: every request's database is the primary itself. */
export function noReplica(primary: DataSource): ReadRouting {
  const status: ReplicaStatus = { state: 'none', lagSeconds: null, reads: { replica: 0, fallbacks: 0 } };
  return { primary, forRequest: () => primary, status: () => status, check: async () => status, close: async () => {} };
}

/**
 * Routes reads to the replica at `options.url` (see the module's documentation). Never fails
 * because of the replica: one that is down at start is `down` until a check reaches it.
 */
export async function openReadRouting(primary: DataSource, options: ReplicaOptions): Promise<ReadRouting> {
  if (!options.url) return noReplica(primary);
  const maxLag = options.maxLagSeconds ?? 10;
  const { schema } = primary.options as { schema?: string };
  // Required here: the health reports and the header below are read by gateways that load no TypeORM.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createDataSource } = require('./') as typeof import('./');
  const replica = await createDataSource({
    target: { kind: 'postgres', url: options.url, ...(options.poolSize ? { poolSize: options.poolSize } : {}) },
    entities: primary.options.entities ?? [],
    ...(schema ? { schema } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    replica: true,
  });
  const status: ReplicaStatus = { state: 'down', lagSeconds: null, reads: { replica: 0, fallbacks: 0 } };
  const setState = (state: ReplicaStatus['state'], lagSeconds: number | null) => {
    const changed = state !== status.state;
    status.state = state;
    status.lagSeconds = lagSeconds;
    if (changed) options.onState?.({ ...status, reads: { ...status.reads } });
  };

  // Every runner of the replica (raw queries, repositories, query builders) retries a failed read on the primary.
  const createRunner = replica.createQueryRunner.bind(replica);
  replica.createQueryRunner = (mode) => {
    const runner = createRunner(mode);
    const query = runner.query.bind(runner) as QueryRunner['query'];
    runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
      try {
        const result = await query(sql, parameters, structured as never);
        status.reads.replica += 1;
        return result;
      } catch (error) {
        if (!replicaFault(error)) throw error;
        setState('down', null);
        status.reads.fallbacks += 1;
        const fallback = primary.createQueryRunner();
        try {
          return await fallback.query(sql, parameters, structured as never);
        } finally {
          await fallback.release();
        }
      }
    }) as QueryRunner['query'];
    return runner;
  };

  // The lag is measured against the primary itself, not the replica's own idea of it (a replica
  // just restarted, or cut off from the primary, believes it has replayed all it received): each
  // check samples the primary's WAL position; the replica is as far behind as the newest sample
  // its replay position has reached is old.
  const samples: { at: number; lsn: bigint }[] = [];
  const keepMs = Math.max(maxLag * 2_000, 60_000);
  let checking: Promise<ReplicaStatus> | null = null;
  const check = (): Promise<ReplicaStatus> =>
    (checking ??= (async () => {
      const now = Date.now();
      try {
        const [head] = (await primary.query('SELECT pg_current_wal_flush_lsn()::text AS lsn')) as { lsn: string }[];
        samples.push({ at: now, lsn: lsnOf(head!.lsn) });
      } catch {
        // The primary away: judge the replica on the samples taken so far.
      }
      while (samples.length > 1 && now - samples[1]!.at > keepMs) samples.shift();
      try {
        if (!replica.isInitialized) await replica.initialize();
        // Its own runner, unpatched: the check must never fall back to the primary.
        const runner = createRunner('slave');
        const [row] = (await runner
          .query('SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS lsn')
          .finally(() => runner.release())) as { recovery: boolean; lsn: string | null }[];
        // Not a standby (promoted, or the wrong URL): it no longer follows the primary's writes.
        if (!row?.recovery || !row.lsn) return setState('down', null);
        const replayed = lsnOf(row.lsn);
        const reached = samples.filter((sample) => sample.lsn <= replayed).at(-1);
        const lag = reached === samples.at(-1) ? 0 : (now - (reached ?? samples[0] ?? { at: now }).at) / 1000;
        setState(reached === undefined || lag > maxLag ? 'lagging' : 'ok', lag);
      } catch {
        setState('down', null);
      }
    })().then(() => {
      checking = null;
      return { ...status, reads: { ...status.reads } };
    }));
  await check();
  const timer = setInterval(() => void check(), options.checkIntervalMs ?? 2_000);
  timer.unref();

  return {
    primary,
    forRequest: (request = {}) => {
      let pinned = request.primary === true;
      return new Proxy(primary, {
        get(target, property) {
          if (property === PIN)
            return () => {
              pinned = true;
            };
          if (property === PINNED) return pinned;
          const source = READS.has(property) && !pinned && status.state === 'ok' ? replica : target;
          const value: unknown = Reflect.get(source, property, source);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(source) : value;
        },
      });
    },
    status: () => ({ ...status, reads: { ...status.reads } }),
    check,
    close: async () => {
      clearInterval(timer);
      await checking;
      if (replica.isInitialized) await replica.destroy();
    },
  };
}
