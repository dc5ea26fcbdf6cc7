import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, openPglite, type DatabaseTarget } from '../../shared/db';
import { detachPeriod, listPartitions, prepareQuarter } from '../../shared/db/partitions';
import { DOSSIER_PERIOD_TABLES } from '../../subgraphs/public-services/migrations/1769100000005-PartitionDossiersByProvince';
import { publicServices } from '../../subgraphs/public-services/subgraph';
import { createDatabase, dropDatabase } from '../../test/helpers/postgres';

/**
 * Dossiers and their status history are partitioned by quarter, the dossiers' quarters from 2025q3
 * by province too (public-services' migrations): a quarter is split into its province partitions
 * ahead (`npm run cli -- partitions prepare`, moving what its default partition took meanwhile); a
 * past quarter is detached whole (`npm run cli -- partitions detach`) with its history, to be
 * archived, while writes to the current quarter go on, none failing nor waiting long. On
 * PostgreSQL (a database of this suite's own); on PGlite without a server (one connection: no
 * concurrent writer).
 */
const postgres = process.env.LT_TEST_DATABASE === 'postgres';
const ROOT = join(__dirname, '..', '..');
const TODAY = '2026-12-02';

const DOSSIER = `INSERT INTO public_services.dossier (number, received_on, procedure_code, unit_type, unit_code, commune_code, province_code,
  applicant_type, applicant_id, channel, status, submitted_at, received_at, due_at, online_offered, fee_required, reporting_system,
  reported_at, last_event_at)
  SELECT n, d, '1.000001', 'COMMUNE', '00004', '00004', '01', 'RESIDENT', '001085000001', 'ONLINE', 'RECEIVED', d, d, d + 5, true, false,
    'test', d, d
  FROM unnest($1::text[], $2::date[]) AS x(n, d)`;
const EVENT = `INSERT INTO public_services.dossier_event (number, received_on, at, to_status)
  SELECT n, d, d, 'RECEIVED' FROM unnest($1::text[], $2::date[]) AS x(n, d)`;

/** `count` dossier numbers of commune 00004 received on `date`, from sequence `first`. */
const numbers = (date: string, count: number, first = 1): string[] =>
  Array.from(
    { length: count },
    (_, i) => `00004-${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}-${String(first + i).padStart(4, '0')}`,
  );

describe('dossiers and their history by period: a past quarter is detached while writes go on', () => {
  let db: DataSource;
  let target: DatabaseTarget;
  let url: string | null = null;
  let close: () => Promise<void>;

  const insert = async (run: (sql: string, params: unknown[]) => Promise<unknown>, date: string, count: number, first = 1) => {
    const list = numbers(date, count, first);
    await run(DOSSIER, [list, list.map(() => date)]);
    await run(EVENT, [list, list.map(() => date)]);
  };
  const count = async (table: string): Promise<number> =>
    ((await db.query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[])[0]!.n;

  beforeAll(async () => {
    if (postgres) {
      url = await createDatabase('detach');
      target = { kind: 'postgres', url };
    } else {
      target = { kind: 'pglite', pglite: await openPglite() };
    }
    await migrate(target, [publicServices]);
    db = await createDataSource({ target, entities: [] });
    await db.initialize();
    close = async () => {
      await db.destroy();
      if (url) await dropDatabase(url);
      if (target.kind === 'pglite') await target.pglite.close();
    };
    await db.query(`INSERT INTO public_services.procedure (code, name, field, level, time_limit, time_unit, has_fee, online_level, paper_result,
      legal_basis_on, legal_basis) VALUES ('1.000001', 'Test', 'Test', 'COMMUNE', 5, 'WORKING_DAYS', false, 'FULL', false, '2025-07-01', 'x')`);
    await insert((sql, p) => db.query(sql, p), '2024-02-10', 50);
    await insert((sql, p) => db.query(sql, p), '2025-08-10', 20);
    await insert((sql, p) => db.query(sql, p), '2026-11-20', 10);
  }, 300_000);
  afterAll(async () => {
    await close?.();
  });

  test('partitions list names every quarter of the dossiers and of their history, with its bound', async () => {
    const partitions = await listPartitions(db, ['public_services']);
    const of = (table: string) => partitions.filter((p) => p.table === table).map((p) => p.partition);
    expect(of('public_services.dossier')).toEqual(
      expect.arrayContaining(['public_services.dossier_2024q1', 'public_services.dossier_default']),
    );
    expect(of('public_services.dossier_event')).toEqual(
      expect.arrayContaining([
        'public_services.dossier_event_2024q1',
        'public_services.dossier_event_2026q4',
        'public_services.dossier_event_default',
      ]),
    );
    expect(partitions.find((p) => p.partition === 'public_services.dossier_2024q1')?.bound).toBe(
      "FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')",
    );
  });

  test('preparing a quarter splits it by province, moving the rows its default partition took; the keys stay', async () => {
    const where = async (number: string) =>
      (
        (await db.query(`SELECT tableoid::regclass::text AS p FROM public_services.dossier WHERE number = $1`, [number])) as { p: string }[]
      )[0]?.p;
    expect(await where(numbers('2025-08-10', 1)[0]!)).toBe('public_services.dossier_2025q3_pdefault');
    expect(await prepareQuarter(db, DOSSIER_PERIOD_TABLES, '2025q3')).toEqual(['public_services.dossier_2025q3: 34 province partitions']);
    expect(await where(numbers('2025-08-10', 1)[0]!)).toBe('public_services.dossier_2025q3_p01');
    expect(await count('public_services.dossier_2025q3_p01')).toBe(20);
    expect(await count('public_services.dossier_2025q3_pdefault')).toBe(0);
    expect(await count('public_services.dossier_key')).toBe(80);
    // Again: nothing to do. A quarter after the last created gets its partitions in both tables.
    expect(await prepareQuarter(db, DOSSIER_PERIOD_TABLES, '2025q3')).toEqual([]);
    expect(await prepareQuarter(db, DOSSIER_PERIOD_TABLES, '2028q1')).toEqual([
      'public_services.dossier_2028q1',
      'public_services.dossier_2028q1: 34 province partitions',
      'public_services.dossier_event_2028q1',
    ]);
  });

  test('the current quarter, a future one or a malformed period is refused', async () => {
    const both = ['public_services.dossier', 'public_services.dossier_event'];
    await expect(detachPeriod(db, both, '2026q4', TODAY)).rejects.toThrow(/has not ended/);
    await expect(detachPeriod(db, both, '2027q1', TODAY)).rejects.toThrow(/has not ended/);
    await expect(detachPeriod(db, both, '2024-01', TODAY)).rejects.toThrow(/not a quarter/);
    await expect(detachPeriod(db, both, '2019q1', TODAY)).rejects.toThrow(/not a partition/);
  });

  test('detaching 2024q1 (dossiers and history) takes its rows out; concurrent writes to the current quarter all succeed', async () => {
    let writer: Client | null = null;
    let writes: Promise<number> = Promise.resolve(0);
    let stop = false;
    if (url) {
      const client = new Client({ connectionString: url });
      writer = client;
      await client.connect();
      // A one-stop system keeps receiving dossiers (each a transaction of a dossier and its first history entry).
      writes = (async () => {
        let n = 0;
        while (!stop || n < 20) {
          await client.query('BEGIN');
          await insert((sql, p) => client.query(sql, p), '2026-12-01', 1, 1 + n);
          await client.query('COMMIT');
          n += 1;
        }
        return n;
      })();
    }
    try {
      expect(await detachPeriod(db, ['public_services.dossier', 'public_services.dossier_event'], '2024q1', TODAY)).toEqual([
        'public_services.dossier_2024q1',
        'public_services.dossier_event_2024q1',
      ]);
      stop = true;
      const written = await writes;
      // The detached quarter is a table of its own, to archive; the partitioned tables no longer hold it.
      expect(await count('public_services.dossier_2024q1')).toBe(50);
      expect(await count('public_services.dossier_event_2024q1')).toBe(50);
      expect(await count(`public_services.dossier WHERE received_on < '2024-04-01'`)).toBe(0);
      expect(await count(`public_services.dossier_event WHERE received_on < '2024-04-01'`)).toBe(0);
      expect(await count(`public_services.dossier WHERE received_on >= '2026-10-01'`)).toBe(10 + written);
      expect(await count(`public_services.dossier_event WHERE received_on >= '2026-10-01'`)).toBe(10 + written);
      // A dossier received in the detached quarter again (an import of an old one) is stored, in the default partition.
      await insert((sql, p) => db.query(sql, p), '2024-02-10', 1, 900);
      expect(await count('public_services.dossier_default')).toBe(1);
      // A quarter split by province goes whole: its province partitions are the detached quarter's.
      await detachPeriod(db, ['public_services.dossier', 'public_services.dossier_event'], '2025q3', TODAY);
      expect(await count(`public_services.dossier WHERE received_on BETWEEN '2025-07-01' AND '2025-09-30'`)).toBe(0);
      expect(await count('public_services.dossier_2025q3')).toBe(20);
      expect(await count('public_services.dossier_2025q3_p01')).toBe(20);
      expect(await count('public_services.dossier_event_2025q3')).toBe(20);
      // The numbers stay taken: an archived number is not issued again.
      expect(await count('public_services.dossier_key')).toBe(80 + written + 1);
    } finally {
      stop = true;
      await writes.catch(() => undefined);
      await writer?.end();
    }
  });

  (postgres ? test : test.skip)(
    'npm run cli -- partitions: list, and a refused detach exits 1 naming why',
    async () => {
      const cli = (args: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
          const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'cli', 'index.ts'), 'partitions', ...args], {
            cwd: ROOT,
            env: { ...process.env, DATABASE_URL: url!, LOG_LEVEL: 'silent' },
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
          child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
          child.once('error', reject);
          child.once('close', (code) => resolve({ code, stdout, stderr }));
        });
      const list = await cli(['list', '--table', 'public_services.dossier_event']);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(
        /public_services\.dossier_event\tpublic_services\.dossier_event_2026q4\tFOR VALUES FROM \('2026-10-01'\)/,
      );
      const refused = await cli(['detach', 'public_services.dossier', '2099q1']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/2099q1 has not ended/);
      expect((await cli(['detach', 'dossier'])).code).toBe(2);
      const notByPeriod = await cli(['detach', 'public_services.dossier_key', '2025q4']);
      expect(notByPeriod.code).toBe(1);
      expect(notByPeriod.stderr).toMatch(/not partitioned by period/);
      // The access log's quarters too: listed, and a past one detached and recorded in its archive.
      expect((await cli(['list', '--table', 'audit.entry'])).stdout).toMatch(/audit\.entry\taudit\.entry_2026q4\tFOR VALUES FROM/);
      const audit = await cli(['detach', 'audit.entry', '2025q3']);
      expect(audit.code).toBe(0);
      expect(audit.stdout).toMatch(/Detached audit\.entry_2025q3, recorded in audit\.archive/);
      const [archived] = (await db.query(`SELECT partition, entries::int FROM audit.archive`)) as unknown[];
      expect(archived).toEqual({ partition: 'audit.entry_2025q3', entries: 0 });
      const prepared = await cli(['prepare', '2027q2']);
      expect(prepared.code).toBe(0);
      expect(prepared.stdout).toMatch(/public_services\.dossier_2027q2: 34 province partitions/);
    },
    120_000,
  );
});
