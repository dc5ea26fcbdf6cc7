import { sql } from './helpers/postgres';
import { join } from 'node:path';
import type { ApolloServer } from '@apollo/server';
import type { DataSource } from 'typeorm';
import { openHubDatabase } from '../hub/database';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { createAuditLog } from '../shared/audit';
import { disabledEntityCaching } from '../shared/cache/entityCache';
import { StatementCounter } from '../shared/db';
import { openReadRouting, replicaReport, type ReadRouting } from '../shared/db/replica';
import { createReadiness } from '../shared/observability/readiness';
import { createLogger } from '../shared/observability/logger';
import type { Identity } from '../shared/auth/identity';
import { loadSubgraphs } from '../subgraphs';
import { loadConfig } from '../shared/config';
import { freePort } from './helpers/cache';
import { seedTestData } from './helpers/dataset';
import { AS, meta } from './helpers/identities';
import type { GraphQLResult } from './helpers/hub';
import { PG_BIN as BIN } from '../hub/serverUser';
import { replicaBinariesInstalled, startReplicatedPostgres, type ReplicatedPostgres } from '../hub/streamingReplica';
import { startService, type Service } from './helpers/processes';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { SignedDataSource } from '../gateway/remote';
import { importInternalKeys, type InternalKeys } from '../shared/auth/internalToken';
import { readJson, writeKeyFiles } from '../shared/auth/keys';

/**
 * Reads on a streaming replica (shared/db/replica.ts): a primary and a replica of our own, made
 * with initdb and pg_basebackup -R on free loopback ports (hub/streamingReplica.ts; the test
 * server allows no replication).
 */
const haveBinaries = replicaBinariesInstalled();
if (!haveBinaries && process.env.CI !== 'true') {
  console.warn(`replica.test.ts skipped: PostgreSQL server binaries not found in ${BIN} (apt-get install postgresql-15)`);
}
const suite = haveBinaries || process.env.CI === 'true' ? describe : describe.skip;

describe('DATABASE_REPLICA_URL is validated with the rest of the configuration', () => {
  test('a URL, and only next to DATABASE_URL (the primary)', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'not a url', DATABASE_URL: 'postgres://db/x' })).toThrow(/DATABASE_REPLICA_URL/);
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://replica/x' })).toThrow(/DATABASE_REPLICA_URL: needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/x', DATABASE_REPLICA_MAX_LAG_SECONDS: '-1' })).toThrow(
      /DATABASE_REPLICA_MAX_LAG_SECONDS/,
    );
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://db/x',
        DATABASE_REPLICA_URL: 'postgres://replica/x',
        DATABASE_REPLICA_MAX_LAG_SECONDS: '2.5',
      }),
    ).toMatchObject({ DATABASE_REPLICA_URL: 'postgres://replica/x', DATABASE_REPLICA_MAX_LAG_SECONDS: 2.5 });
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).DATABASE_REPLICA_MAX_LAG_SECONDS).toBe(10);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const REGISTRAR = AS.provinceOfficer('01');
const READ = `query ($t: TaxCode!) { enterprise(taxCode: $t) { status version } }`;
const CHANGE = `mutation ($input: ChangeEnterpriseStatusInput!) {
  changeEnterpriseStatus(input: $input) { enterprise { status version } replayed } }`;
/** The same write, its payload also fetched from land and population (further fetches of the mutation's plan). */
const CHANGE_ACROSS = `mutation ($input: ChangeEnterpriseStatusInput!) {
  changeEnterpriseStatus(input: $input) { enterprise { status version landParcels { id } legalRepresentative { citizenId fullName } } replayed } }`;

suite('read replica: reads on a streaming replica, writes and read-your-writes on the primary', () => {
  // Made in beforeAll: a skipped suite's body still runs, and must leave nothing behind.
  let servers: ReplicatedPostgres | undefined;
  let primaryUrl = '';
  let replicaUrl = '';
  let db: DataSource;
  let reads: ReadRouting;
  let gateway: ApolloServer<GatewayContext>;
  const primaryCounter = new StatementCounter(true);
  const replicaCounter = new StatementCounter(true);
  let taxCode = '';

  const run = async (query: string, variables: Record<string, unknown>, identity: Identity = REGISTRAR): Promise<GraphQLResult> => {
    const contextValue: GatewayContext = { identity, meta: meta(), personal: newPersonalReads() };
    const response = await gateway.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('incremental');
    return response.body.singleResult as GraphQLResult;
  };
  /** Statements of the subgraphs' reads and writes (not the audit log's appends, which always go to the primary). */
  const own = (counter: StatementCounter) => counter.statements.filter((s) => !/audit\.|_wal_(replay|flush)_lsn/.test(s));
  const ENTERPRISE_TABLE = /"?enterprise"?\."?enterprise"?/;
  const status = (input: Record<string, unknown>, query = CHANGE) =>
    run(query, { input: { taxCode, reason: 'Kiểm tra bản sao', ...input } });
  let subgraph: Service | undefined;
  let keys: InternalKeys;
  /**
   * Reads the enterprise from the subgraph process over HTTP, as the gateway's remote data source
   * does for a fetch of an operation of `kind` (a mutation's plan sends x-read-primary).
   */
  const fetchFromProcess = async (kind: 'query' | 'mutation') => {
    const source = new SignedDataSource('enterprise', subgraph!.url, keys);
    const result = await source.process({
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query: READ, variables: { t: taxCode }, http: { method: 'POST', url: subgraph!.url, headers: new Headers() } },
      context: { identity: REGISTRAR, meta: meta(), personal: newPersonalReads() },
      incomingRequestContext: { operation: { operation: kind } },
    } as unknown as Parameters<SignedDataSource['process']>[0]);
    return result.data?.enterprise as { status: string; version: number };
  };
  const subgraphReport = async (path: '/ready' | '/health') => {
    const response = await fetch(new URL(path, subgraph!.url));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    if (!haveBinaries) throw new Error(`CI=true but the PostgreSQL server binaries are missing in ${BIN}: install postgresql-15`);
    servers = await startReplicatedPostgres('replica');
    await sql(servers.primaryUrl('postgres'), 'CREATE DATABASE lien_thong');
    primaryUrl = servers.primaryUrl('lien_thong');
    replicaUrl = servers.replicaUrl('lien_thong');

    db = await openHubDatabase({ kind: 'postgres', url: primaryUrl }, { logger: primaryCounter });
    await seedTestData(db);
    [{ taxCode }] = (await db.query(
      `SELECT tax_code AS "taxCode" FROM enterprise.enterprise WHERE head_office_province_code = '01' AND status = 'ACTIVE' ORDER BY tax_code LIMIT 1`,
    )) as [{ taxCode: string }];
    // The replica has replayed the seed.
    await servers.waitForReplay();
    // A generous lag bound: the test pauses replay to make the replica visibly stale (yet within the bound).
    reads = await openReadRouting(db, { url: replicaUrl, maxLagSeconds: 60, checkIntervalMs: 200, logger: replicaCounter });
    for (let i = 0; (await reads.check()).state !== 'ok'; i++) {
      if (i > 50) throw new Error(`the replica is not ok: ${JSON.stringify(reads.status())}`);
      await sleep(100);
    }
    gateway = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs: loadSubgraphs(), db, reads, auditLog: createAuditLog(db), cache: disabledEntityCaching() },
      log: createLogger('test-gateway', 'silent'),
    });
    await gateway.start();
    // A subgraph as its own process, given the replica: its /ready and /health report it.
    const files = await writeKeyFiles(join(servers.root, 'keys'));
    keys = await importInternalKeys(readJson(files.internalPrivate), readJson(files.internalPublic));
    subgraph = await startService('subgraphs/enterprise/index.ts', {
      INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
      INTERNAL_SERVICE_PRIVATE_KEY_FILE: files.servicePrivate,
      INTERNAL_SERVICE_PUBLIC_KEY_FILE: files.servicePublic,
      DATABASE_URL: primaryUrl,
      DATABASE_REPLICA_URL: replicaUrl,
      PORT: String(await freePort()),
      POPULATION_URL: 'http://127.0.0.1:9/graphql',
      ADMINISTRATIVE_UNITS_URL: 'http://127.0.0.1:9/graphql',
      REDIS_URL: '',
    });
  });

  afterAll(async () => {
    await subgraph?.stop();
    await gateway?.stop();
    await reads?.close();
    if (db?.isInitialized) await db.destroy();
    servers?.stop();
  });

  beforeEach(() => {
    primaryCounter.reset();
    replicaCounter.reset();
  });

  test('a read is served by the replica (a server in recovery), not the primary', async () => {
    expect(reads.status().state).toBe('ok');
    const before = await sql<{ n: string }>(replicaUrl, `SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = 'lien_thong'`);
    const result = await run(READ, { t: taxCode });
    expect(result.errors).toBeUndefined();
    expect(result.data!.enterprise).toMatchObject({ status: 'ACTIVE' });
    expect(own(replicaCounter).some((s) => ENTERPRISE_TABLE.test(s))).toBe(true);
    expect(own(primaryCounter)).toEqual([]);
    const [{ recovery }] = (await reads.forRequest().query('SELECT pg_is_in_recovery() AS recovery')) as [{ recovery: boolean }];
    expect(recovery).toBe(true);
    const after = await sql<{ n: string }>(replicaUrl, `SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = 'lien_thong'`);
    expect(Number(after[0]!.n)).toBeGreaterThan(Number(before[0]!.n));
    for (let i = 0; (await subgraphReport('/ready')).body.status !== 'ok'; i++) {
      if (i > 50) throw new Error(`the subgraph process does not report the replica ok: ${JSON.stringify(await subgraphReport('/ready'))}`);
      await sleep(100);
    }
    expect(await subgraphReport('/ready')).toMatchObject({ status: 200, body: { ready: true, status: 'ok', replica: { state: 'ok' } } });
    expect(await subgraphReport('/health')).toMatchObject({ status: 200, body: { status: 'ok', replica: { state: 'ok' } } });
  });

  test('a write goes to the primary, and its payload shows the write even while the replica is stale', async () => {
    await sql(replicaUrl, 'SELECT pg_wal_replay_pause()');
    try {
      const result = await status({ status: 'SUSPENDED', idempotencyKey: `replica-${process.pid}-1` }, CHANGE_ACROSS);
      expect(result.errors).toBeUndefined();
      expect(result.data!.changeEnterpriseStatus).toMatchObject({ enterprise: { status: 'SUSPENDED', version: 2 }, replayed: false });
      // The plan's later fetches (land, population) read on the primary too.
      expect(own(primaryCounter).some((s) => /land\.|"land"\./.test(s))).toBe(true);
      expect(own(primaryCounter).some((s) => /population\.resident/.test(s))).toBe(true);
      expect(own(primaryCounter).some((s) => /^UPDATE/i.test(s) && ENTERPRISE_TABLE.test(s))).toBe(true);
      // Nothing of the mutation's request was read on the replica: validation, write and payload on the primary.
      expect(own(replicaCounter)).toEqual([]);
      // The replica really is behind: a plain read, served there, still sees the old status.
      const stale = await run(READ, { t: taxCode });
      expect(stale.data!.enterprise).toMatchObject({ status: 'ACTIVE', version: 1 });
      // So does a subgraph process over HTTP, unless the fetch belongs to a mutation's plan.
      expect(await fetchFromProcess('query')).toEqual({ status: 'ACTIVE', version: 1 });
      expect(await fetchFromProcess('mutation')).toEqual({ status: 'SUSPENDED', version: 2 });

      // An idempotent retry is answered from the primary (the key and its result are not on the replica yet).
      replicaCounter.reset();
      const replay = await status({ status: 'SUSPENDED', idempotencyKey: `replica-${process.pid}-1` });
      expect(replay.data!.changeEnterpriseStatus).toMatchObject({ enterprise: { status: 'SUSPENDED', version: 2 }, replayed: true });
      expect(own(replicaCounter)).toEqual([]);

      // Past the lag bound, reads leave the replica for the primary.
      const strict = await openReadRouting(db, { url: replicaUrl, maxLagSeconds: 0.2, checkIntervalMs: 60_000 });
      try {
        await sleep(400);
        expect((await strict.check()).state).toBe('lagging');
        const [row] = (await strict.forRequest().query('SELECT status FROM enterprise.enterprise WHERE tax_code = $1', [taxCode])) as {
          status: string;
        }[];
        expect(row!.status).toBe('SUSPENDED');
      } finally {
        await strict.close();
      }
    } finally {
      await sql(replicaUrl, 'SELECT pg_wal_replay_resume()');
    }
    for (let i = 0; ; i++) {
      const fresh = await run(READ, { t: taxCode });
      if ((fresh.data!.enterprise as { status: string }).status === 'SUSPENDED') break;
      if (i > 50) throw new Error('the replica did not replay the write');
      await sleep(100);
    }
  });

  test('with the replica stopped, reads and writes are still answered (from the primary), and /ready says so; it is used again when back', async () => {
    const readiness = createReadiness({ database: () => db.query('SELECT 1'), replica: () => replicaReport(reads) });
    readiness.started();
    servers!.stopReplica();
    // Before any check noticed: the read fails on the replica and is answered by the primary.
    const read = await run(READ, { t: taxCode });
    expect(read.errors).toBeUndefined();
    expect(read.data!.enterprise).toMatchObject({ status: 'SUSPENDED' });
    expect(reads.status().state).toBe('down');
    expect(reads.status().reads.fallbacks).toBeGreaterThan(0);
    const report = await readiness.check();
    expect(report).toMatchObject({ ready: true, status: 'degraded', database: 'ok', replica: { state: 'down' } });
    for (let i = 0; (await subgraphReport('/ready')).body.status !== 'degraded'; i++) {
      if (i > 50)
        throw new Error(`the subgraph process does not report the replica down: ${JSON.stringify(await subgraphReport('/ready'))}`);
      await sleep(100);
    }
    expect(await subgraphReport('/ready')).toMatchObject({ status: 200, body: { ready: true, replica: { state: 'down' } } });
    expect(await subgraphReport('/health')).toMatchObject({ status: 200, body: { status: 'degraded', replica: { state: 'down' } } });

    const write = await status({ status: 'ACTIVE' });
    expect(write.errors).toBeUndefined();
    expect(write.data!.changeEnterpriseStatus).toMatchObject({ enterprise: { status: 'ACTIVE', version: 3 } });
    const again = await run(READ, { t: taxCode });
    expect(again.data!.enterprise).toMatchObject({ status: 'ACTIVE', version: 3 });

    servers!.startReplica();
    for (let i = 0; (await reads.check()).state !== 'ok'; i++) {
      if (i > 100) throw new Error(`the replica did not come back: ${JSON.stringify(reads.status())}`);
      await sleep(100);
    }
    expect(await readiness.check()).toMatchObject({ status: 'ok', replica: { state: 'ok' } });
    replicaCounter.reset();
    primaryCounter.reset();
    for (let i = 0; ; i++) {
      const back = await run(READ, { t: taxCode });
      // Within the lag bound the replica may still be replaying what it missed: stale, never an error.
      expect(back.errors?.filter((e) => e.extensions?.code !== 'NOT_FOUND')).toBeUndefined();
      if ((back.data?.enterprise as { version: number } | null)?.version === 3) break;
      if (i > 50) throw new Error('the replica did not replay the write made while it was down');
      await sleep(100);
    }
    expect(own(replicaCounter).some((s) => ENTERPRISE_TABLE.test(s))).toBe(true);
    expect(own(primaryCounter)).toEqual([]);
    console.log(`[replica] ${JSON.stringify(reads.status())}`);
  });
});
