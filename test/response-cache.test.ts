import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import { createAuthenticator } from '../gateway/auth';
import { contextFactory } from '../gateway/context';
import { createResponseCache, keyValueCache } from '../gateway/responseCache';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { createAuditLog } from '../shared/audit';
import { CacheMetrics, createCaching, type Caching } from '../shared/cache';
import { createHttpHandler, listen } from '../shared/http';
import { writeKeyFiles } from '../shared/auth/keys';
import { createLogger } from '../shared/observability/logger';
import { loadSubgraphs } from '../subgraphs';
import { openTestDatabase, type TestDatabase } from './helpers/hub';
import { OPERATIONS } from '../hub/operations';
import { describeWithRedis, RUN_REDIS_URL } from './helpers/cache';
import { sharedResponseCacheScenario } from './scenarios/responseCache';
import { signToken } from './helpers/tokens';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

const A = '00004';
const B = '00008';

describe('gateway response cache (in-process LRU), answered before parsing', () => {
  let database: TestDatabase;
  let caching: Caching;
  let server: Server;
  let url: string;
  let dir: string;
  let issuer: JWK;
  const token = (claims: Record<string, unknown>, sub: string) => signToken(issuer, claims, { sub });
  const post = async (
    query: string,
    variables: Record<string, unknown> | undefined,
    headers: Record<string, string>,
    extensions?: unknown,
  ) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables, ...(extensions ? { extensions } : {}) }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as { data?: Record<string, unknown>; errors?: { extensions?: Record<string, unknown> }[] },
    };
  };
  let officerA: Record<string, string>;
  let officerA2: Record<string, string>;
  let officerB: Record<string, string>;

  beforeAll(async () => {
    database = await openTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-rc-'));
    const files = await writeKeyFiles(dir);
    issuer = JSON.parse(readFileSync(files.issuerPrivate, 'utf8')) as JWK;
    const authenticate = createAuthenticator({
      issuer: 'lien-thong-dev',
      audience: 'lien-thong',
      keys: createLocalJWKSet(JSON.parse(readFileSync(files.issuerJwks, 'utf8')) as JSONWebKeySet),
      algorithms: ['ES256'],
    });
    const log = createLogger('test', 'silent');
    caching = createCaching({ prefix: `rc-${process.pid}:`, layer: 'response', metrics: new CacheMetrics() });
    const auditLog = createAuditLog(database.db);
    const responseCache = createResponseCache({ caching, authenticate, auditLog, log });
    const apollo = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs, db: database.db, auditLog },
      log,
      responseCache,
      persistedQueries: keyValueCache(caching, 'apq'),
    });
    await apollo.start();
    ({ server, url } = await listen(
      createHttpHandler(apollo, { context: contextFactory(authenticate), preflight: responseCache.preflight }),
      0,
      '127.0.0.1',
    ));
    const purpose = { 'x-purpose': 'HS-2026-RC-1' };
    officerA = {
      authorization: `Bearer ${await token({ role: 'COMMUNE_OFFICER', commune: A, org: 'UBND A' }, 'officer-a-1')}`,
      ...purpose,
    };
    officerA2 = {
      authorization: `Bearer ${await token({ role: 'COMMUNE_OFFICER', commune: A, org: 'UBND A' }, 'officer-a-2')}`,
      ...purpose,
    };
    officerB = {
      authorization: `Bearer ${await token({ role: 'COMMUNE_OFFICER', commune: B, org: 'UBND B' }, 'officer-b-1')}`,
      ...purpose,
    };
  });
  afterAll(async () => {
    server?.close();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('public data: cached once, then served to every caller before any SQL, with Cache-Control public', async () => {
    const first = await post(OPERATIONS.Units, undefined, {});
    expect(first.headers.get('x-cache')).toBeNull();
    expect(first.headers.get('cache-control')).toBe('max-age=3600, public');
    database.counter.reset();
    const second = await post(OPERATIONS.Units, undefined, officerB);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('cache-control')).toMatch(/^max-age=\d+, public$/);
    expect(second.body).toEqual(first.body);
    expect(database.counter.count).toBe(0);
  });

  test('personal data: per scope, each hit audited with its own caller, request id and purpose', async () => {
    const miss = await post(OPERATIONS.CommuneResidents, { code: A }, officerA);
    expect(miss.body.errors).toBeUndefined();
    // Kept by the gateway (which audits each hit), never by a browser or proxy (gateway/door.ts).
    expect(miss.headers.get('cache-control')).toBe('no-store');
    const hit = await post(OPERATIONS.CommuneResidents, { code: A }, { ...officerA2, 'x-request-id': 'rc-hit-000001' });
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.headers.get('cache-control')).toBe('no-store');
    expect(hit.body).toEqual(miss.body);
    const entries = await database.db.query(`SELECT actor, service, subjects, fields, purpose FROM audit.entry WHERE request_id = $1`, [
      'rc-hit-000001',
    ]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'officer-a-2', service: 'gateway', purpose: 'HS-2026-RC-1' });
    expect(entries[0].fields).toContain('Resident.fullName');
    const residents = (miss.body.data!.commune as { residents: { edges: { node: { citizenId: string } }[] } }).residents.edges.map(
      (e) => e.node.citizenId,
    );
    expect(entries[0].subjects).toEqual(expect.arrayContaining(residents));
  });

  test('two scopes never receive each other’s cached data, in both directions', async () => {
    const bFirst = await post(OPERATIONS.CommuneResidents, { code: A }, officerB);
    expect(bFirst.headers.get('x-cache')).toBeNull();
    const seenByB = (bFirst.body.data!.commune as { residents: { totalCount: number } }).residents.totalCount;
    const seenByA = (await post(OPERATIONS.CommuneResidents, { code: A }, officerA)).body.data!.commune as {
      residents: { totalCount: number };
    };
    expect(seenByB).toBeLessThan(seenByA.residents.totalCount);
    // B's own cached view, then A's again: each gets its own.
    const bAgain = await post(OPERATIONS.CommuneResidents, { code: A }, officerB);
    expect(bAgain.headers.get('x-cache')).toBe('HIT');
    expect((bAgain.body.data!.commune as { residents: { totalCount: number } }).residents.totalCount).toBe(seenByB);
    const aAgain = await post(OPERATIONS.CommuneResidents, { code: A }, officerA);
    expect((aAgain.body.data!.commune as { residents: { totalCount: number } }).residents.totalCount).toBe(seenByA.residents.totalCount);
  });

  test('a hit without a purpose is not served from the cache: refused, and the refusal audited', async () => {
    const { 'x-purpose': _purpose, ...noPurpose } = officerA;
    const result = await post(OPERATIONS.CommuneResidents, { code: A }, noPurpose);
    expect(result.headers.get('x-cache')).toBeNull();
    expect(result.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
  });

  test('an anonymous caller never gets a cached personal response', async () => {
    const result = await post(OPERATIONS.CommuneResidents, { code: A }, {});
    expect(result.headers.get('x-cache')).toBeNull();
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('an invalidation stops every cached response at once', async () => {
    await post(OPERATIONS.Legacy, undefined, {});
    expect((await post(OPERATIONS.Legacy, undefined, {})).headers.get('x-cache')).toBe('HIT');
    await caching.bus.invalidate(['Commune']);
    expect((await post(OPERATIONS.Legacy, undefined, {})).headers.get('x-cache')).toBeNull();
  });

  test('automatic persisted queries: a registered hash is served; a hash that does not match its query is refused', async () => {
    const { createHash } = await import('node:crypto');
    const query = '{ provinces(search: "ha noi") { code } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const ext = { persistedQuery: { version: 1, sha256Hash } };
    const unknown = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: ext }),
    });
    expect(((await unknown.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    const registered = await post(query, undefined, {}, ext);
    expect(registered.body.data).toEqual({ provinces: [{ code: '01' }] });
    const byHash = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: ext }),
    });
    expect(((await byHash.json()) as { data: unknown }).data).toEqual({ provinces: [{ code: '01' }] });
    const mismatch = await post('{ provinces { code } }', undefined, {}, ext);
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
  });

  test('the most restrictive hint wins; a field without a cacheable hint makes the whole response uncacheable', async () => {
    const mixed = await post('{ provinces { code } enterprises(filter: { provinceCode: "01" }, first: 1) { totalCount } }', undefined, {});
    expect(mixed.headers.get('cache-control')).toBe('max-age=300, public');
    const citizen = { authorization: `Bearer ${await token({ role: 'CITIZEN' }, '001099000001')}` };
    const query = '{ provinces { code } myDataAccesses(first: 1) { totalCount } }';
    const first = await post(query, undefined, citizen);
    expect(first.body.errors).toBeUndefined();
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect((await post(query, undefined, citizen)).headers.get('x-cache')).toBeNull();
  });

  test('counters tell hits from misses', () => {
    expect(caching.metrics.get('response', 'hits')).toBeGreaterThan(0);
    expect(caching.metrics.get('response', 'misses')).toBeGreaterThan(0);
  });
});

describeWithRedis('gateway response cache on Redis, shared by two gateway instances', () =>
  sharedResponseCacheScenario(() => RUN_REDIS_URL!),
);
