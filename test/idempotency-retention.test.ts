import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, openPglite } from '../shared/db';
import { loadConfig } from '../shared/config';
import { purgeExpiredIdempotencyKeys, startIdempotencyPurge } from '../shared/subgraph/retention';
import { createLogger } from '../shared/observability/logger';
import { population } from '../subgraphs/population/subgraph';
import { createDatabase, dropDatabase } from './helpers/postgres';

/**
 * Idempotency keys expire (shared/subgraph/retention.ts): the purge deletes the keys older than the
 * retention, keeps the fresh ones, and never makes a write wait: a key a write holds locked is
 * skipped (taken at a later pass), and new keys go in while the purge runs. On PostgreSQL (the run's
 * server, a database of this suite's own) or PGlite without one (one connection: no concurrency there).
 */
const postgres = process.env.LT_TEST_DATABASE === 'postgres';

describe('idempotency keys expire after the retention, without blocking writes', () => {
  let db: DataSource;
  let url: string | null = null;
  let close: () => Promise<void>;

  beforeAll(async () => {
    if (postgres) {
      url = await createDatabase('idem');
      const target = { kind: 'postgres', url } as const;
      await migrate(target, [population]);
      db = await createDataSource({ target, entities: [] });
      await db.initialize();
      close = async () => {
        await db.destroy();
        await dropDatabase(url!);
      };
    } else {
      const pglite = await openPglite();
      const target = { kind: 'pglite', pglite } as const;
      await migrate(target, [population]);
      db = await createDataSource({ target, entities: [] });
      await db.initialize();
      close = async () => {
        await db.destroy();
        await pglite.close();
      };
    }
  });
  afterAll(async () => {
    await close?.();
  });

  /** `count` keys of `actor`, created `hoursAgo` hours ago. */
  const insertKeys = (actor: string, count: number, hoursAgo: number) =>
    db.query(
      `INSERT INTO population.idempotency_key (actor, key, operation, request_hash, result, created_at)
       SELECT $1, 'key-' || g, 'registerBirth', 'h', '{}'::jsonb, now() - make_interval(hours => $3::int)
       FROM generate_series(1, $2::int) g`,
      [actor, count, hoursAgo],
    );
  const countOf = async (actor: string) =>
    Number(((await db.query(`SELECT count(*) AS n FROM population.idempotency_key WHERE actor = $1`, [actor])) as { n: string }[])[0]!.n);

  test('the retention is configurable, a few days by default, and validated', () => {
    expect(loadConfig({}).IDEMPOTENCY_RETENTION_HOURS).toBe(72);
    expect(loadConfig({ IDEMPOTENCY_RETENTION_HOURS: '24' }).IDEMPOTENCY_RETENTION_HOURS).toBe(24);
    expect(() => loadConfig({ IDEMPOTENCY_RETENTION_HOURS: '0' })).toThrow(/IDEMPOTENCY_RETENTION_HOURS/);
    expect(() => loadConfig({ IDEMPOTENCY_RETENTION_HOURS: 'two days' })).toThrow(/IDEMPOTENCY_RETENTION_HOURS/);
  });

  test('expired keys go in small batches; fresh ones stay', async () => {
    await insertKeys('old', 1_234, 100);
    await insertKeys('fresh', 50, 1);
    expect(await purgeExpiredIdempotencyKeys(db, 'population', 72, 100)).toBe(1_234);
    expect(await countOf('old')).toBe(0);
    expect(await countOf('fresh')).toBe(50);
    // A schema without an idempotency table has nothing to purge.
    expect(await purgeExpiredIdempotencyKeys(db, 'administrative_units', 72)).toBe(0);
  });

  test('the timer every host starts (subgraph process, embedded hub) purges at once, then on each pass; stop waits for a pass', async () => {
    await insertKeys('timer', 30, 100);
    const stop = startIdempotencyPurge({
      db,
      schemas: ['administrative_units', 'population'],
      retentionHours: 72,
      intervalMs: 50,
      log: createLogger('test', 'silent'),
    });
    try {
      for (let i = 0; i < 100 && (await countOf('timer')) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await countOf('timer')).toBe(0);
      await insertKeys('timer-later', 5, 100);
      for (let i = 0; i < 100 && (await countOf('timer-later')) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await countOf('timer-later')).toBe(0);
    } finally {
      await stop();
    }
  });

  (postgres ? test : test.skip)('a key a write holds is skipped, not waited for; writes go on during the purge', async () => {
    await insertKeys('busy', 300, 100);
    const writer = new Client({ connectionString: url! });
    await writer.connect();
    try {
      // A write replaying (or storing the result of) one expired key holds its row in an open transaction.
      await writer.query('BEGIN');
      await writer.query(`UPDATE population.idempotency_key SET result = '{"replayed":true}' WHERE actor = 'busy' AND key = 'key-7'`);
      // The purge must not wait for it: a lock wait would hit this timeout and fail the purge.
      const started = Date.now();
      const purging = purgeExpiredIdempotencyKeys(db, 'population', 72, 10);
      // Meanwhile the writer's own transaction claims new keys: nothing the purge locks stands in its way.
      for (let i = 0; i < 20; i++) {
        await writer.query(`INSERT INTO population.idempotency_key (actor, key, operation, request_hash) VALUES ('busy', $1, 'x', 'h')`, [
          `new-${i}`,
        ]);
      }
      expect(await purging).toBe(299);
      expect(Date.now() - started).toBeLessThan(10_000);
      await writer.query('COMMIT');
      expect(await countOf('busy')).toBe(21);
      // Once released, the skipped key goes at the next pass; the new ones are fresh and stay.
      expect(await purgeExpiredIdempotencyKeys(db, 'population', 72)).toBe(1);
      expect(await countOf('busy')).toBe(20);
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      await writer.end();
    }
  });
});
