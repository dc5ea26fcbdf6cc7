import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHubDatabase } from '../hub/database';
import { createAuditLog } from '../shared/audit';
import { disabledEntityCaching } from '../shared/cache/entityCache';
import { freePort } from './helpers/cache';
import { DENSE_COMMUNE, TEST_DATASET } from './helpers/dataset';
import { seedSynthetic } from '../hub/seed';
import { openTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { AS } from './helpers/identities';
import { ADMIN_URL, createDatabase, dropDatabase, sql } from './helpers/postgres';
import { startService, type Service } from './helpers/processes';
import { serverTempDir } from '../hub/serverUser';
import { OPERATIONS } from '../hub/operations';

/**
 * The subgraphs behind PgBouncer in transaction mode (see "What SQL may rely on" in shared/db):
 * a PgBouncer of our own in front of the test server, with two server connections for many
 * clients, so consecutive statements of one client land on different server sessions.
 */
const PGBOUNCER = '/usr/sbin/pgbouncer';
const havePgBouncer = existsSync(PGBOUNCER);
const postgresUrl = process.env.LT_TEST_DATABASE_URL;
if (!havePgBouncer && process.env.CI !== 'true')
  console.warn(`pgbouncer.test.ts skipped: ${PGBOUNCER} not found (apt-get install pgbouncer)`);
if (!postgresUrl && process.env.CI !== 'true') console.warn('pgbouncer.test.ts skipped: no PostgreSQL server for the run');
const suite = (havePgBouncer && postgresUrl) || process.env.CI === 'true' ? describe : describe.skip;

/** Server connections per database and user: far fewer than the hub's pool (10) and the requests in flight. */
const SERVER_CONNECTIONS = 2;
const REGISTRAR = AS.provinceOfficer('01');
const CHANGE = `mutation ($input: ChangeEnterpriseStatusInput!) {
  changeEnterpriseStatus(input: $input) { enterprise { taxCode status version } replayed } }`;

suite('PgBouncer in transaction mode in front of the subgraphs', () => {
  // Made in beforeAll: a skipped suite's body still runs, and must leave nothing behind.
  let dir = '';
  let bouncer: ChildProcess | undefined;
  let databaseUrl = '';
  let bouncerUrl = '';
  let adminUrl = '';
  let hub: TestHub;
  let enterprises: string[] = [];
  const serverPeak = { connections: 0 };
  let sampler: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    if (!havePgBouncer) throw new Error(`CI=true but ${PGBOUNCER} is missing: apt-get install pgbouncer`);
    if (!postgresUrl) throw new Error('CI=true but the run has no PostgreSQL server');
    dir = serverTempDir('pgbouncer');
    databaseUrl = await createDatabase('pgbouncer');
    const setup = await openHubDatabase({ kind: 'postgres', url: databaseUrl });
    try {
      // A smaller world than the other suites' (the same communes): enough for concurrency, quicker to seed.
      await seedSynthetic(setup, { ...TEST_DATASET, residents: 600 });
      enterprises = (
        (await setup.query(
          `SELECT tax_code AS "taxCode" FROM enterprise.enterprise WHERE head_office_province_code = '01' AND status = 'ACTIVE' ORDER BY tax_code LIMIT 8`,
        )) as { taxCode: string }[]
      ).map((e) => e.taxCode);
    } finally {
      await setup.destroy();
    }
    const database = new URL(databaseUrl).pathname.slice(1);
    // PgBouncer cannot pass a statement_timeout startup parameter on (it would have to keep it per
    // client); the bound is the database's own setting instead (shared/db: "What SQL may rely on").
    await sql(ADMIN_URL, `ALTER DATABASE "${database}" SET statement_timeout = '30s'`);

    const server = new URL(ADMIN_URL);
    const port = await freePort();
    writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `${database} = host=${server.hostname} port=${server.port || 5432} dbname=${database}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'admin_users = postgres',
        'pool_mode = transaction',
        `default_pool_size = ${SERVER_CONNECTIONS}`,
        'max_client_conn = 500',
        'ignore_startup_parameters = statement_timeout',
        `pidfile = ${join(dir, 'pgbouncer.pid')}`,
        `logfile = ${join(dir, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
    );
    // PgBouncer refuses to run as root: -u drops to the servers' user (hub/serverUser.ts).
    const asUser = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
    bouncer = spawn(PGBOUNCER, [...asUser, join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    bouncer.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    bouncer.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    bouncerUrl = `postgres://postgres@127.0.0.1:${port}/${database}`;
    adminUrl = `postgres://postgres@127.0.0.1:${port}/pgbouncer`;
    for (let i = 0; ; i++) {
      if (bouncer.exitCode !== null) throw new Error(`pgbouncer exited: ${output}`);
      if (
        await sql(bouncerUrl, 'SELECT 1').then(
          () => true,
          () => false,
        )
      )
        break;
      if (i > 100) throw new Error(`pgbouncer did not answer: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    hub = await openTestHub({ url: bouncerUrl, cache: disabledEntityCaching(), keepStatements: true });
    // How many server sessions this database has while the suite runs (PgBouncer's, and nothing else's).
    sampler = setInterval(() => {
      void sql<{ n: number }>(ADMIN_URL, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]).then(
        ([row]) => (serverPeak.connections = Math.max(serverPeak.connections, row?.n ?? 0)),
        () => undefined,
      );
    }, 50);
  });

  afterAll(async () => {
    clearInterval(sampler);
    await hub?.close();
    if (bouncer && bouncer.exitCode === null) {
      const exited = new Promise((resolve) => bouncer!.once('exit', resolve));
      bouncer.kill('SIGTERM');
      await exited;
    }
    if (databaseUrl) await dropDatabase(databaseUrl);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the database bounds statements itself (the startup parameter PgBouncer drops)', async () => {
    const [row] = (await hub.db.query('SHOW statement_timeout')) as { statement_timeout: string }[];
    expect(row?.statement_timeout).toBe('30s');
  });

  test('concurrent reads of personal data (each appending to the audit chain under its advisory xact lock), writes and idempotent replays share two server connections; the chain stays intact', async () => {
    const reads = Array.from({ length: 30 }, (_, i) =>
      hub.run(OPERATIONS.CommuneResidents, { code: DENSE_COMMUNE }, { requestId: `bouncer-read-${process.pid}-${i}` }),
    );
    const key = (taxCode: string) => `bouncer-${process.pid}-${taxCode}`;
    const change = (taxCode: string) =>
      hub.run(
        CHANGE,
        { input: { taxCode, status: 'SUSPENDED', reason: 'Kiểm tra PgBouncer', idempotencyKey: key(taxCode) } },
        { identity: REGISTRAR },
      );
    // Each write sent twice at once: the retry waits for the first to commit, then replays its result.
    const writes = enterprises.flatMap((taxCode) => [change(taxCode), change(taxCode)]);
    const started = performance.now();
    const results: GraphQLResult[] = await Promise.all([...reads, ...writes]);
    const elapsedMs = performance.now() - started;
    for (const result of results) expect(result.errors).toBeUndefined();
    for (const read of results.slice(0, reads.length)) {
      expect((read.data!.commune as { residents: { edges: unknown[] } }).residents.edges.length).toBeGreaterThan(0);
    }
    const changes = results
      .slice(reads.length)
      .map((r) => r.data!.changeEnterpriseStatus as { enterprise: { taxCode: string; version: number }; replayed: boolean });
    for (const [i, taxCode] of enterprises.entries()) {
      const pair = [changes[2 * i]!, changes[2 * i + 1]!];
      expect(pair.map((c) => c.enterprise)).toEqual([
        { taxCode, status: 'SUSPENDED', version: 2 },
        { taxCode, status: 'SUSPENDED', version: 2 },
      ]);
      expect(pair.map((c) => c.replayed).sort()).toEqual([false, true]);
    }
    // A later replay, once more through whichever server connection is free.
    const again = await change(enterprises[0]!);
    expect(again.data!.changeEnterpriseStatus).toMatchObject({ replayed: true, enterprise: { version: 2 } });

    const verified = await createAuditLog(hub.db).verify();
    expect(verified).toMatchObject({ ok: true });
    const [{ requests }] = (await hub.db.query(
      `SELECT count(DISTINCT request_id)::int AS requests FROM audit.entry WHERE request_id LIKE $1`,
      [`bouncer-read-${process.pid}-%`],
    )) as [{ requests: number }];
    expect(requests).toBe(reads.length);

    // The sharing was real: more client connections than server ones, and never more than two server sessions.
    const pools = await sql<{ database: string; cl_active: number; sv_active: number; sv_idle: number; sv_used: number }>(
      adminUrl,
      'SHOW POOLS',
    );
    const pool = pools.find((p) => p.database === new URL(databaseUrl).pathname.slice(1))!;
    expect(Number(pool.sv_active) + Number(pool.sv_idle) + Number(pool.sv_used)).toBeLessThanOrEqual(SERVER_CONNECTIONS);
    const clients = await sql<{ database: string }>(adminUrl, 'SHOW CLIENTS');
    expect(clients.filter((c) => c.database === pool.database).length).toBeGreaterThan(SERVER_CONNECTIONS);
    expect(serverPeak.connections).toBeGreaterThan(0);
    expect(serverPeak.connections).toBeLessThanOrEqual(SERVER_CONNECTIONS);
    const stats = await sql<{ database: string; total_xact_count: string; total_wait_time: string }>(adminUrl, 'SHOW STATS');
    const mine = stats.find((s) => s.database === pool.database)!;
    console.log(
      `[pgbouncer] ${results.length} concurrent requests in ${Math.round(elapsedMs)} ms; ${clients.filter((c) => c.database === pool.database).length} client connections on at most ${serverPeak.connections} server sessions; ${mine.total_xact_count} transactions, ${Math.round(Number(mine.total_wait_time) / 1000)} ms waited for a server in all`,
    );
  });

  test('a subgraph process starts through it (migrations, reference data) and is ready', async () => {
    let service: Service | undefined;
    try {
      service = await startService('subgraphs/enterprise/index.ts', {
        DATABASE_URL: bouncerUrl,
        PORT: String(await freePort()),
        POPULATION_URL: 'http://127.0.0.1:9/graphql',
        ADMINISTRATIVE_UNITS_URL: 'http://127.0.0.1:9/graphql',
        REDIS_URL: '',
      });
      const ready = await fetch(new URL('/ready', service.url));
      expect(ready.status).toBe(200);
      const report = (await ready.json()) as Record<string, unknown>;
      expect(report).toMatchObject({ ready: true, database: 'ok' });
      expect(report).not.toHaveProperty('replica');
    } finally {
      await service?.stop();
    }
    expect(readFileSync(join(dir, 'pgbouncer.log'), 'utf8')).not.toMatch(
      /unsupported startup parameter|prepared statement .* does not exist/i,
    );
  });
});
