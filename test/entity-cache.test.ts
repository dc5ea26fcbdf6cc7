import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { createAuditLog } from '../shared/audit';
import type { StatementCounter } from '../shared/db';
import { disabledEntityCaching, healthCheck, type EntityCaching } from '../shared/cache/entityCache';
import { createReadiness } from '../shared/observability/readiness';
import { createHttpHandler, listen } from '../shared/http';
import type { Identity } from '../shared/auth/identity';
import { createLogger } from '../shared/observability/logger';
import { subgraphs } from '../subgraphs';
import {
  coldCache,
  describeWithRedis,
  dropTestKeys,
  freePort,
  OwnRedis,
  redisServerInstalled,
  RUN_REDIS_URL,
  testCaching,
  testPrefix,
  waitFor,
} from './helpers/cache';
import { DENSE_COMMUNE } from './helpers/dataset';
import { openTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { AS, meta } from './helpers/identities';
import { OPERATIONS } from '../hub/operations';

const A = DENSE_COMMUNE; // Phường Ba Đình, Hà Nội
const B = '00008'; // Phường Ngọc Hà, Hà Nội

/** Statements that read a subgraph's tables (the audit log's appends are not reads of entities). */
const SUBGRAPH_TABLE = /(^|[\s"(,])(administrative_units|population|land|enterprise)"?\.\w/;
const entityReads = (counter: StatementCounter) => counter.statements.filter((s) => SUBGRAPH_TABLE.test(s)).length;

/** Runs operations on a gateway as `identity` (with a stated purpose), like TestHub.run. */
function runner(gateway: ApolloServer<GatewayContext>) {
  return async (query: string, variables?: Record<string, unknown>, identity: Identity = AS.central): Promise<GraphQLResult> => {
    const contextValue: GatewayContext = { identity, meta: meta(), personal: newPersonalReads() };
    const response = await gateway.executeOperation({ query, ...(variables ? { variables } : {}) }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    return response.body.singleResult as GraphQLResult;
  };
}

/** A result without its request ids (each request has its own), to compare two answers. */
const normalised = (result: GraphQLResult) =>
  JSON.parse(JSON.stringify(result), (key, value: unknown) => (key === 'requestId' ? undefined : value)) as GraphQLResult;

/** A second gateway over the same database (another process, as far as caches go), reading through `cache`. */
async function secondGateway(hub: TestHub, cache: EntityCaching): Promise<ApolloServer<GatewayContext>> {
  const gateway = createGatewayServer({
    supergraphSdl: readCommittedSupergraph(),
    transport: { kind: 'embedded', subgraphs, db: hub.db, auditLog: createAuditLog(hub.db), cache },
    log: createLogger('entity-cache-test', 'silent'),
  });
  await gateway.start();
  return gateway;
}

interface Fixture {
  /** Residents living (permanently and currently) in A, in B. */
  a1: string;
  b1: string;
  aParcel: string;
  bParcel: string;
}

async function fixture(hub: TestHub): Promise<Fixture> {
  const one = async (sql: string, params: unknown[]) => ((await hub.db.query(sql, params)) as Record<string, string>[])[0]!.id!;
  const resident = (c: string) =>
    one(
      `SELECT citizen_id AS id FROM population.resident WHERE permanent_commune_code = $1 AND current_commune_code = $1 ORDER BY citizen_id LIMIT 1`,
      [c],
    );
  const parcel = (c: string) => one(`SELECT id::text AS id FROM land.land_parcel WHERE commune_code = $1 ORDER BY id LIMIT 1`, [c]);
  return { a1: await resident(A), b1: await resident(B), aParcel: await parcel(A), bParcel: await parcel(B) };
}

const RESIDENT = `query ($id: CitizenId!) { resident(citizenId: $id) { citizenId fullName household { id } landParcels { id } } }`;
const PARCEL = `query ($id: ID!) { landParcel(id: $id) { id area holders { __typename } } }`;
const COMMUNE_PAGE = `query ($code: ID!) { commune(code: $code) { name residents(first: 20) { totalCount edges { node { citizenId fullName } } } households(first: 5) { totalCount } landParcels(first: 5) { totalCount } } }`;

const stores: [string, () => EntityCaching][] = [['in-process LRU', () => testCaching()]];
if (RUN_REDIS_URL) stores.push(['Redis', () => testCaching({ redis: RUN_REDIS_URL })]);

// Entries expire by themselves, but the versions hash of each prefix would stay.
afterAll(() => dropTestKeys());

describe.each(stores)('entity cache through the gateway, on the %s', (_label, open) => {
  let hub: TestHub;
  let data: Fixture;
  /** The same graph without any cache: what every caller must get. */
  let uncached: ReturnType<typeof runner>;
  let uncachedGateway: ApolloServer<GatewayContext>;
  beforeAll(async () => {
    hub = await openTestHub({ cache: open(), keepStatements: true });
    await hub.cache.bus.ready();
    await waitFor(() => hub.cache.health() === 'ok');
    data = await fixture(hub);
    uncachedGateway = await secondGateway(hub, disabledEntityCaching());
    uncached = runner(uncachedGateway);
  });
  afterAll(async () => {
    await uncachedGateway?.stop();
    await hub?.close();
    await hub?.cache.close();
  });

  test('a repeated query is served from the cache: no SQL statement the second time', async () => {
    const timings: number[] = [];
    for (let i = 0; i < 2; i++) {
      hub.counter.reset();
      const started = Date.now();
      const result = await hub.run(OPERATIONS.Legacy);
      timings.push(Date.now() - started);
      expect(result.data).toEqual({ legacyUnit: { name: 'Tỉnh Hà Giang', successors: [{ code: '08', name: 'Tuyên Quang' }] } });
      if (i === 1) expect(hub.counter.count).toBe(0);
    }
    // Personal data: the entity reads are all cached; only the audit log's append remains.
    const before = await hub.run(OPERATIONS.CommuneResidents, { code: A });
    hub.counter.reset();
    const started = Date.now();
    const after = await hub.run(OPERATIONS.CommuneResidents, { code: A });
    timings.push(Date.now() - started);
    expect(after).toEqual(before);
    expect(after.errors).toBeUndefined();
    expect(entityReads(hub.counter)).toBe(0);
    expect(hub.counter.count).toBeGreaterThan(0);
    console.log(`[entity cache, ${_label}] Legacy cold ${timings[0]} ms, warm ${timings[1]} ms; CommuneResidents warm ${timings[2]} ms`);
  });

  test('the audit log records personal data read from the cache, each time', async () => {
    await hub.run(RESIDENT, { id: data.a1 });
    const requestId = `ec-${process.pid}-${Date.now()}`;
    hub.counter.reset();
    const result = await hub.run(RESIDENT, { id: data.a1 }, { requestId });
    expect(result.errors).toBeUndefined();
    expect(entityReads(hub.counter)).toBe(0);
    const entries: { subjects: string[]; fields: string[] }[] = await hub.db.query(
      `SELECT subjects, fields FROM audit.entry WHERE request_id = $1 AND outcome = 'ALLOWED'`,
      [requestId],
    );
    expect(entries.flatMap((e) => e.subjects)).toContain(data.a1);
    expect(entries.flatMap((e) => e.fields)).toContain('Resident.fullName');
  });

  test('unknown keys are cached as negatives: asked again, no statement', async () => {
    const unknown = [
      [`{ commune(code: "99998") { name } }`, {}],
      [`{ legacyUnit(code: "99", level: PROVINCE) { name } }`, {}],
      [PARCEL, { id: '999999999' }],
      [RESIDENT, { id: '001099999999' }],
    ] as const;
    for (const [query, variables] of unknown) {
      const first = await hub.run(query, variables);
      expect(first.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      hub.counter.reset();
      const again = await hub.run(query, variables);
      expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(entityReads(hub.counter)).toBe(0);
    }
  });

  test('two scopes never share a cached value, in both directions', async () => {
    const officerA = AS.communeOfficer(A);
    const officerB = AS.communeOfficer(B);
    const cases: [string, Record<string, unknown>][] = [
      [RESIDENT, { id: data.a1 }],
      [RESIDENT, { id: data.b1 }],
      [PARCEL, { id: data.aParcel }],
      [PARCEL, { id: data.bParcel }],
      [COMMUNE_PAGE, { code: A }],
      [COMMUNE_PAGE, { code: B }],
    ];
    const callers: Identity[][] = [
      [officerA, officerB, AS.central, AS.citizen(data.a1), AS.anonymous],
      [officerB, officerA, AS.citizen(data.b1), AS.citizen(data.a1), AS.central],
    ];
    for (const order of callers) {
      await coldCache(hub.cache);
      // Each caller in turn, each query twice (the second from the cache): always what the
      // uncached graph answers that caller.
      for (const identity of order) {
        for (const [query, variables] of cases) {
          const truth = normalised(await uncached(query, variables, identity));
          expect(normalised(await hub.run(query, variables, { identity }))).toEqual(truth);
          expect(normalised(await hub.run(query, variables, { identity }))).toEqual(truth);
        }
      }
    }
    // And what the truth is: each officer sees their own resident and parcel, never the other's.
    const name = (r: GraphQLResult) => (r.data?.resident as { fullName?: string } | null)?.fullName ?? null;
    expect(name(await hub.run(RESIDENT, { id: data.a1 }, { identity: officerA }))).toEqual(expect.any(String));
    expect(name(await hub.run(RESIDENT, { id: data.a1 }, { identity: officerB }))).toBeNull();
    expect(name(await hub.run(RESIDENT, { id: data.b1 }, { identity: officerB }))).toEqual(expect.any(String));
    expect(name(await hub.run(RESIDENT, { id: data.b1 }, { identity: officerA }))).toBeNull();
  });

  test('an invalidation of a type makes its entries unreachable at once; data changes show', async () => {
    const read = async () => (await hub.run(RESIDENT, { id: data.a1 })).data?.resident as { fullName: string };
    const original = (await read()).fullName;
    try {
      await hub.db.query(`UPDATE population.resident SET full_name = full_name || ' Thử' WHERE citizen_id = $1`, [data.a1]);
      expect((await read()).fullName).toBe(original);
      await hub.cache.bus.invalidate(['Commune']);
      expect((await read()).fullName).toBe(original);
      await hub.cache.bus.invalidate(['Resident']);
      expect((await read()).fullName).toBe(`${original} Thử`);
    } finally {
      await hub.db.query(`UPDATE population.resident SET full_name = $2 WHERE citizen_id = $1`, [data.a1, original]);
      await hub.cache.bus.invalidate(['Resident']);
    }
    expect((await read()).fullName).toBe(original);
  });
});

describeWithRedis('entity cache shared by two gateways on one Redis', () => {
  let hub: TestHub;
  let other: ApolloServer<GatewayContext>;
  let second: EntityCaching;
  let data: Fixture;
  beforeAll(async () => {
    const prefix = testPrefix();
    hub = await openTestHub({ cache: testCaching({ redis: RUN_REDIS_URL!, prefix }), keepStatements: true });
    second = testCaching({ redis: RUN_REDIS_URL!, prefix });
    // Both caches reach Redis and hold its versions; on a loaded machine this can take a while.
    await waitFor(() => hub.cache.health() === 'ok' && second.health() === 'ok', 30_000);
    other = await secondGateway(hub, second);
    data = await fixture(hub);
  });
  afterAll(async () => {
    await other?.stop();
    await hub?.close();
    await Promise.all([hub?.cache.close(), second?.close()]);
  });

  test('an invalidation through the bus stops both from serving the old entry at once (not after a TTL)', async () => {
    const onOther = runner(other);
    const names = async () =>
      Promise.all([hub.run(RESIDENT, { id: data.a1 }), onOther(RESIDENT, { id: data.a1 })]).then((rs) =>
        rs.map((r) => (r.data?.resident as { fullName: string }).fullName),
      );
    await hub.run(RESIDENT, { id: data.a1 });
    // The second gateway is served what the first cached.
    hub.counter.reset();
    await onOther(RESIDENT, { id: data.a1 });
    expect(entityReads(hub.counter)).toBe(0);
    const [original] = await names();
    try {
      await hub.db.query(`UPDATE population.resident SET full_name = full_name || ' Thử' WHERE citizen_id = $1`, [data.a1]);
      expect(await names()).toEqual([original, original]);
      const before = second.bus.version(['Resident']);
      const since = process.hrtime.bigint();
      const invalidation = hub.cache.bus.invalidate(['Resident']);
      const seenMs = await waitFor(() => second.bus.version(['Resident']) !== before, 1_000, { intervalMs: 0, since });
      await invalidation;
      expect(await names()).toEqual([`${original} Thử`, `${original} Thử`]);
      console.log(`[entity cache] the other gateway stopped serving the old entry ${seenMs} ms after invalidate()`);
    } finally {
      await hub.db.query(`UPDATE population.resident SET full_name = $2 WHERE citizen_id = $1`, [data.a1, original]);
      await hub.cache.bus.invalidate(['Resident']);
    }
    await waitFor(() => second.bus.version(['Resident']) === hub.cache.bus.version(['Resident']), 1_000);
    expect(await names()).toEqual([original, original]);
  });

  test('re-importing the administrative units invalidates them on every instance', async () => {
    const before = second.bus.version(['Province', 'Commune', 'LegacyUnit']);
    const units = subgraphs.find((s) => s.name === 'administrative-units')!;
    await units.seedReference!(hub.db, hub.cache.bus);
    await waitFor(() => second.bus.version(['Province', 'Commune', 'LegacyUnit']) !== before, 1_000);
    // A version string is `<generation>.<Province>.<Commune>.<LegacyUnit>`: each went up by one.
    const counts = (v: string) => v.split('.').slice(1).map(Number);
    const after = counts(second.bus.version(['Province', 'Commune', 'LegacyUnit']));
    expect(after.map((n, i) => n - counts(before)[i]!)).toEqual([1, 1, 1]);
  });
});

(RUN_REDIS_URL && redisServerInstalled() ? describe : describe.skip)('entity cache when Redis stops mid-run and returns', () => {
  let server: OwnRedis;
  let hub: TestHub;
  let http: Server;
  let healthUrl: string;
  beforeAll(async () => {
    server = new OwnRedis(await freePort());
    await server.start();
    hub = await openTestHub({ cache: testCaching({ redis: server.url }), keepStatements: true });
    await waitFor(() => hub.cache.health() === 'ok');
    const readiness = createReadiness({ database: () => hub.db.query('SELECT 1'), caching: hub.cache });
    const handler = createHttpHandler(hub.gateway, {
      context: async () => {
        throw new Error('only /health is used here');
      },
      health: healthCheck(hub.cache, async () => (await hub.db.query('SELECT 1')).length === 1),
      ready: readiness.check,
    });
    readiness.started();
    const served = await listen(handler, 0, '127.0.0.1');
    http = served.server;
    healthUrl = served.url.replace('/graphql', '/health');
  });
  afterAll(async () => {
    http?.closeAllConnections();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await hub?.close();
    await hub?.cache.close();
    await server?.stop();
  });

  const health = async () => {
    const response = await fetch(healthUrl);
    return { status: response.status, body: (await response.json()) as { status: string; cache: Record<string, number> } };
  };
  const ready = async () => {
    const response = await fetch(healthUrl.replace('/health', '/ready'));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test('right answers from the database and health "degraded" while it is away; back to cached by itself', async () => {
    const timings: Record<string, number> = {};
    const timed = async (label: string, run: () => Promise<GraphQLResult>) => {
      const started = process.hrtime.bigint();
      const result = await run();
      timings[label] = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      return result;
    };
    const query = () => hub.run(OPERATIONS.CommuneResidents, { code: A });
    const expected = await timed('coldMs', query);
    expect(expected.errors).toBeUndefined();
    hub.counter.reset();
    expect(await timed('warmMs', query)).toEqual(expected);
    expect(entityReads(hub.counter)).toBe(0);
    expect(await health()).toMatchObject({
      status: 200,
      body: { status: 'ok', cache: expect.objectContaining({ 'entity.hits': expect.any(Number) }) },
    });

    await server.stop();
    timings.degradedAfterMs = await waitFor(async () => (await health()).body.status === 'degraded', 5_000);
    // Down for a while: every answer is right, read from the database.
    for (let i = 0; i < 5; i++) {
      hub.counter.reset();
      expect(await timed(`whileDown${i}Ms`, query)).toEqual(expected);
      expect(entityReads(hub.counter)).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const down = await health();
    expect(down).toMatchObject({ status: 200, body: { status: 'degraded' } });
    expect(down.body.cache['entity.errors']).toBeGreaterThan(0);
    // Redis away is no reason to take the service out of rotation: still ready, degraded.
    expect(await ready()).toEqual({
      status: 200,
      body: { ready: true, status: 'degraded', schema: 'loaded', database: 'ok', cache: 'degraded' },
    });

    const t = Date.now();
    await server.start();
    timings.redisRestartMs = Date.now() - t;
    timings.recoveredAfterMs = await waitFor(async () => (await health()).body.status === 'ok', 10_000);
    expect(await ready()).toMatchObject({ status: 200, body: { ready: true, status: 'ok', cache: 'ok' } });
    await query();
    hub.counter.reset();
    expect(await timed('warmAgainMs', query)).toEqual(expected);
    expect(entityReads(hub.counter)).toBe(0);
    console.log(`[entity cache] Redis stopped mid-run, gateway: ${JSON.stringify(timings)}`);
  });
});
