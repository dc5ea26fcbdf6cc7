import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { GatewayContext } from '../gateway/context';
import { disabledEntityCaching, healthCheck, type EntityCaching } from '../shared/cache/entityCache';
import { createReadiness } from '../shared/observability/readiness';
import { createHttpHandler, listen } from '../shared/http';
import {
  coldCache,
  describeWithRedis,
  dropTestKeys,
  freePort,
  OwnRedis,
  redisServerInstalled,
  RUN_REDIS_URL,
  testCaching,
  waitFor,
} from './helpers/cache';
import { openTestHub, openWritableTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { AS } from './helpers/identities';
import type { Identity } from '../shared/auth/identity';
import {
  A,
  B,
  entityReads,
  fixture,
  RESIDENT,
  runner,
  secondGateway,
  twoGatewaysScenarios,
  type Fixture,
} from './scenarios/entityCacheGateway';
import { OPERATIONS } from '../hub/operations';

/** A result without its request ids (each request has its own), to compare two answers. */
const normalised = (result: GraphQLResult) =>
  JSON.parse(JSON.stringify(result), (key, value: unknown) => (key === 'requestId' ? undefined : value)) as GraphQLResult;

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
    // A database of this suite's own: it renames a resident (and suites run side by side).
    hub = await openWritableTestHub({ cache: open(), keepStatements: true });
    await hub.cache.bus.ready();
    await waitFor(() => hub.cache.health() === 'ok', 30_000);
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

describeWithRedis('entity cache shared by two gateways on one Redis', () => twoGatewaysScenarios(() => RUN_REDIS_URL!));

(RUN_REDIS_URL && redisServerInstalled() ? describe : describe.skip)('entity cache when Redis stops mid-run and returns', () => {
  let server: OwnRedis;
  let hub: TestHub;
  let http: Server;
  let healthUrl: string;
  beforeAll(async () => {
    server = new OwnRedis(await freePort());
    await server.start();
    hub = await openTestHub({ cache: testCaching({ redis: server.url }), keepStatements: true });
    // As in the two-gateway scenario: with two suites running side by side on two cores, reaching
    // Redis and loading its versions took over 10 s once (a fresh-clone run).
    await waitFor(() => hub.cache.health() === 'ok', 30_000);
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
