import type { ApolloServer } from '@apollo/server';
import { newPersonalReads, type GatewayContext } from '../../gateway/context';
import { createGatewayServer } from '../../gateway/server';
import { readCommittedSupergraph } from '../../gateway/supergraph';
import { createAuditLog } from '../../shared/audit';
import type { RedisTarget } from '../../shared/cache';
import type { EntityCaching } from '../../shared/cache/entityCache';
import type { StatementCounter } from '../../shared/db';
import type { Identity } from '../../shared/auth/identity';
import { createLogger } from '../../shared/observability/logger';
import { loadSubgraphs } from '../../subgraphs';
import { testCaching, testPrefix, waitFor } from '../helpers/cache';
import { DENSE_COMMUNE } from '../helpers/dataset';
import { openWritableTestHub, type GraphQLResult, type TestHub } from '../helpers/hub';
import { AS, meta } from '../helpers/identities';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

/**
 * The entity cache through the gateway, with two gateways sharing one Redis: written once, run on
 * one Redis server (test/entity-cache.test.ts) and on a Redis Cluster (test/redis-cluster.test.ts).
 */

export const A = DENSE_COMMUNE; // Phường Ba Đình, Hà Nội
export const B = '00008'; // Phường Ngọc Hà, Hà Nội

/** Statements that read a subgraph's tables (the audit log's appends are not reads of entities). */
export const SUBGRAPH_TABLE = /(^|[\s"(,])(administrative_units|population|land|enterprise)"?\.\w/;
export const entityReads = (counter: StatementCounter) => counter.statements.filter((s) => SUBGRAPH_TABLE.test(s)).length;

/** Runs operations on a gateway as `identity` (with a stated purpose), like TestHub.run. */
export function runner(gateway: ApolloServer<GatewayContext>) {
  return async (query: string, variables?: Record<string, unknown>, identity: Identity = AS.central): Promise<GraphQLResult> => {
    const contextValue: GatewayContext = { identity, meta: meta(), personal: newPersonalReads() };
    const response = await gateway.executeOperation({ query, ...(variables ? { variables } : {}) }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    return response.body.singleResult as GraphQLResult;
  };
}

/** A second gateway over the same database (another process, as far as caches go), reading through `cache`. */
export async function secondGateway(hub: TestHub, cache: EntityCaching): Promise<ApolloServer<GatewayContext>> {
  const gateway = createGatewayServer({
    supergraphSdl: readCommittedSupergraph(),
    transport: { kind: 'embedded', subgraphs, db: hub.db, auditLog: createAuditLog(hub.db), cache },
    log: createLogger('entity-cache-test', 'silent'),
  });
  await gateway.start();
  return gateway;
}

export interface Fixture {
  /** Residents living (permanently and currently) in A, in B. */
  a1: string;
  b1: string;
  aParcel: string;
  bParcel: string;
}

export async function fixture(hub: TestHub): Promise<Fixture> {
  const one = async (sql: string, params: unknown[]) => ((await hub.db.query(sql, params)) as Record<string, string>[])[0]!.id!;
  const resident = (c: string) =>
    one(
      `SELECT citizen_id AS id FROM population.resident WHERE permanent_commune_code = $1 AND current_commune_code = $1 ORDER BY citizen_id LIMIT 1`,
      [c],
    );
  const parcel = (c: string) => one(`SELECT id::text AS id FROM land.land_parcel WHERE commune_code = $1 ORDER BY id LIMIT 1`, [c]);
  return { a1: await resident(A), b1: await resident(B), aParcel: await parcel(A), bParcel: await parcel(B) };
}

export const RESIDENT = `query ($id: CitizenId!) { resident(citizenId: $id) { citizenId fullName household { id } landParcels { id } } }`;

/** Two gateways whose caches share the Redis `redis` (read when the suite starts) and one prefix. */
export function twoGatewaysScenarios(redis: () => RedisTarget): void {
  let hub: TestHub;
  let other: ApolloServer<GatewayContext>;
  let second: EntityCaching;
  let data: Fixture;
  beforeAll(async () => {
    const prefix = testPrefix();
    // A database of this scenario's own: it renames a resident, and two suites run it.
    hub = await openWritableTestHub({ cache: testCaching({ redis: redis(), prefix }), keepStatements: true });
    second = testCaching({ redis: redis(), prefix });
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
}
