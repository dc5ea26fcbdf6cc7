import type { Server } from 'node:http';
import { contextFactory } from '../../gateway/context';
import { createResponseCache } from '../../gateway/responseCache';
import { createGatewayServer } from '../../gateway/server';
import { readCommittedSupergraph } from '../../gateway/supergraph';
import { createAuditLog } from '../../shared/audit';
import { createCaching, type Caching, type RedisTarget } from '../../shared/cache';
import type { EntityCaching } from '../../shared/cache/entityCache';
import { createHttpHandler, listen } from '../../shared/http';
import { ANONYMOUS } from '../../shared/auth/identity';
import { createLogger } from '../../shared/observability/logger';
import { loadSubgraphs } from '../../subgraphs';
import { dropTestKeys, testCaching, testPrefix, usePrefix, waitFor } from '../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../helpers/hub';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

/**
 * Gateways over HTTP sharing one Redis (one server or a cluster) as separate processes would: each
 * its own connections, entity cache and response cache on one invalidation bus (as
 * gateway/caches.ts builds them), all under one key prefix.
 */
export interface SharedGateways {
  urls: string[];
  entity: EntityCaching[];
  response: Caching[];
  close(): Promise<void>;
}

export async function openSharedGateways(database: TestDatabase, redis: RedisTarget, prefix: string, count = 2): Promise<SharedGateways> {
  const log = createLogger('test', 'silent');
  const authenticate = async () => ANONYMOUS;
  const servers: Server[] = [];
  const gateways: SharedGateways = {
    urls: [],
    entity: [],
    response: [],
    close: async () => {
      for (const s of servers) s.close();
      for (const c of gateways.response) await c.close();
      for (const c of gateways.entity) await c.close();
    },
  };
  usePrefix(redis, prefix);
  for (let i = 0; i < count; i++) {
    const entity = testCaching({ redis, prefix });
    const caching = createCaching({ redis, prefix, layer: 'response', metrics: entity.metrics, bus: entity.bus });
    gateways.entity.push(entity);
    gateways.response.push(caching);
    await waitFor(() => entity.health() === 'ok' && caching.health() === 'ok', 30_000);
    const responseCache = createResponseCache({ caching, authenticate, auditLog: null, log });
    const apollo = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs, db: database.db, auditLog: createAuditLog(database.db), cache: entity },
      log,
      responseCache,
    });
    await apollo.start();
    const started = await listen(
      createHttpHandler(apollo, { context: contextFactory(authenticate), preflight: responseCache.preflight }),
      0,
      '127.0.0.1',
    );
    servers.push(started.server);
    gateways.urls.push(started.url);
  }
  return gateways;
}

/** POSTs `query` anonymously: the status, the X-Cache header and the body. */
export async function post(url: string, query: string): Promise<{ status: number; cache: string | null; body: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, cache: response.headers.get('x-cache'), body: await response.text() };
}

/** Two gateway instances whose response caches share the Redis `redis` (read when the suite starts). */
export function sharedResponseCacheScenario(redis: () => RedisTarget): void {
  let database: TestDatabase;
  let gateways: SharedGateways;
  const prefix = testPrefix();

  beforeAll(async () => {
    database = await openTestDatabase();
    gateways = await openSharedGateways(database, redis(), prefix);
  });
  afterAll(async () => {
    await gateways?.close();
    await dropTestKeys();
    await database?.close();
  });

  test('an entry written by one instance is served by the other; an invalidation stops both at once', async () => {
    const { urls, response: cachings } = gateways;
    const query = '{ provinces(search: "hue") { code name } }';
    expect((await post(urls[0]!, query)).cache).toBeNull();
    const fromOther = await post(urls[1]!, query);
    expect(fromOther.cache).toBe('HIT');
    // As the CLI (`npm run cli -- cache invalidate --tags Province`) would, from a third process.
    const cli = createCaching({ redis: redis(), prefix, layer: 'entity' });
    await cli.bus.ready();
    const before = cachings.map((c) => c.bus.epoch());
    await cli.bus.invalidate(['Province']);
    await cli.close();
    await waitFor(() => cachings.every((c, i) => c.bus.epoch() !== before[i]), 5_000);
    expect((await post(urls[0]!, query)).cache).toBeNull();
    expect((await post(urls[1]!, query)).cache).toBe('HIT');
  });
}
