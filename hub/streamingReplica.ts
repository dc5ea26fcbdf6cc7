import { appendFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './processes';
import { PG_BIN, runAsServerUser, serverTempDir } from './serverUser';

/**
 * A PostgreSQL primary and a streaming replica of it, of their own (initdb, then pg_basebackup -R)
 * on free loopback ports, for test/replica.test.ts and the bench's scale part (bench/scale.ts): a
 * shared server is not ours to reconfigure for replication, and a base backup of it would copy
 * every database on it.
 */

/** The server binaries a replicated pair needs (Debian's postgresql-15). */
const BINARIES = ['initdb', 'pg_ctl', 'pg_basebackup'] as const;

/** Whether the server binaries are installed in {@link PG_BIN}. */
export const replicaBinariesInstalled = (): boolean => BINARIES.every((b) => existsSync(join(PG_BIN, b)));

/** A running primary and replica; both trust loopback connections as `postgres`. */
export interface ReplicatedPostgres {
  /** The temporary folder holding both data directories and their logs. */
  root: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` on the primary. */
  primaryUrl(database: string): string;
  /** The same database on the replica (read-only: hot standby). */
  replicaUrl(database: string): string;
  /** Stops the replica at once (`pg_ctl -m immediate`), as a crash would. */
  stopReplica(): void;
  /** Starts the replica again; it catches up from the primary's WAL. */
  startReplica(): void;
  /** Resolves once the replica has replayed everything the primary had written when called. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /** Stops both servers and removes {@link ReplicatedPostgres.root}. */
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function queryOne<T>(url: string, text: string): Promise<T | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows[0] as T | undefined;
  } finally {
    await client.end();
  }
}

/**
 * Makes and starts a primary (`wal_level = replica`, replication allowed from 127.0.0.1, `fsync =
 * off`: a throwaway server) and a replica made from it with `pg_basebackup -R -X stream`
 * (`hot_standby = on`). `settings` are further postgresql.conf lines for both. Whatever was
 * started is stopped again when a later step fails.
 */
export async function startReplicatedPostgres(label: string, settings: readonly string[] = []): Promise<ReplicatedPostgres> {
  const root = serverTempDir(label);
  const primaryDir = join(root, 'primary');
  const replicaDir = join(root, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const pgCtl = (dir: string, ...args: string[]) => runAsServerUser(join(PG_BIN, 'pg_ctl'), ['-D', dir, ...args]);
  const running = new Set<string>();
  const stopServer = (dir: string) => {
    try {
      pgCtl(dir, '-m', 'immediate', 'stop');
    } catch {
      // already stopped
    }
    running.delete(dir);
  };
  const startServer = (dir: string, log: string) => {
    pgCtl(dir, '-l', join(root, log), '-w', 'start');
    running.add(dir);
  };
  const stop = () => {
    for (const dir of [replicaDir, primaryDir]) if (running.has(dir)) stopServer(dir);
    rmSync(root, { recursive: true, force: true });
  };
  const url = (port: number) => (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  try {
    runAsServerUser(join(PG_BIN, 'initdb'), [
      '-D',
      primaryDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    appendFileSync(
      join(primaryDir, 'postgresql.conf'),
      [
        '',
        `port = ${primaryPort}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${root}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'fsync = off',
        ...settings,
        '',
      ].join('\n'),
    );
    appendFileSync(join(primaryDir, 'pg_hba.conf'), '\nhost replication all 127.0.0.1/32 trust\n');
    startServer(primaryDir, 'primary.log');
    runAsServerUser(join(PG_BIN, 'pg_basebackup'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
    ]);
    appendFileSync(join(replicaDir, 'postgresql.conf'), `\nport = ${replicaPort}\nhot_standby = on\n`);
    startServer(replicaDir, 'replica.log');
  } catch (error) {
    stop();
    throw error;
  }
  const primaryUrl = url(primaryPort);
  const replicaUrl = url(replicaPort);
  return {
    root,
    primaryUrl,
    replicaUrl,
    stopReplica: () => stopServer(replicaDir),
    startReplica: () => startServer(replicaDir, 'replica.log'),
    async waitForReplay(timeoutMs = 60_000) {
      const target = await queryOne<{ lsn: string }>(primaryUrl('postgres'), 'SELECT pg_current_wal_lsn()::text AS lsn');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await queryOne<{ done: boolean }>(
          replicaUrl('postgres'),
          `SELECT pg_last_wal_replay_lsn() >= '${target!.lsn}'::pg_lsn AS done`,
        ).catch(() => undefined);
        if (row?.done) return;
        if (Date.now() > deadline)
          throw new Error(`the replica did not replay the primary's WAL up to ${target!.lsn} within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    stop,
  };
}
