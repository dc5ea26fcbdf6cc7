import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { createHttpHandler, listen } from '../shared/http';
import { Registry } from 'prom-client';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { CLIENT_NAME_HEADER, createTrustedDocuments, type TrustedDocumentsMode } from '../gateway/trustedDocuments';
import { createAuditLog } from '../shared/audit';
import { createDocumentStore, documentId, ManifestError, readManifest, redisDocumentCache, type DocumentStore } from '../shared/documents';
import { createLogger } from '../shared/observability/logger';
import { loadConfig } from '../shared/config';
import { subgraphs } from '../subgraphs';
import { openTestDatabase, type TestDatabase } from './helpers/hub';
import { testPrefix } from './helpers/cache';
import { AS, meta } from './helpers/identities';

const PROVINCES = 'query Provinces { provinces { code } }';
const COMMUNE = 'query Commune($code: ID!) { commune(code: $code) { name } }';
const redisUrl = process.env.LT_TEST_REDIS_URL;

describe('manifests', () => {
  test('a valid manifest is read client by client, ids checked against their text', () => {
    const manifest = readManifest({ 'commune-app': { [documentId(PROVINCES)]: PROVINCES, [`sha256:${documentId(COMMUNE)}`]: COMMUNE } });
    expect([...manifest.get('commune-app')!.keys()].sort()).toEqual([documentId(PROVINCES), documentId(COMMUNE)].sort());
  });

  test.each([
    ['not an object', [], /JSON object/],
    ['a wrong id', { app: { ['0'.repeat(64)]: PROVINCES } }, /not the sha256 of its document/],
    ['a bad client name', { 'bad name!': { [documentId(PROVINCES)]: PROVINCES } }, /client name/],
    [
      'two operations',
      { app: { [documentId(`${PROVINCES} query B { provinces { name } }`)]: `${PROVINCES} query B { provinces { name } }` } },
      /2 operations/,
    ],
    ['an anonymous operation', { app: { [documentId('{ provinces { code } }')]: '{ provinces { code } }' } }, /no name/],
    ['a syntax error', { app: { [documentId('query X {')]: 'query X {' } }, /does not parse/],
    ['a document that is not text', { app: { [documentId(PROVINCES)]: 42 } }, /not a string/],
    ['documents that are not an object', { app: [PROVINCES] }, /object of id → document/],
  ])('%s is refused, naming the problem', (_label, json, message) => {
    expect(() => readManifest(json)).toThrow(ManifestError);
    expect(() => readManifest(json)).toThrow(message);
  });
});

describe('the mode', () => {
  test('production runs published documents only unless told otherwise; development runs any text', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).TRUSTED_DOCUMENTS).toBe('enforce');
    expect(loadConfig({ NODE_ENV: 'production', TRUSTED_DOCUMENTS: 'off' }).TRUSTED_DOCUMENTS).toBe('off');
    expect(loadConfig({}).TRUSTED_DOCUMENTS).toBe('off');
    expect(loadConfig({ TRUSTED_DOCUMENTS: 'enforce' }).TRUSTED_DOCUMENTS).toBe('enforce');
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: 'yes' })).toThrow(/TRUSTED_DOCUMENTS/);
  });
});

describe('trusted documents through the gateway', () => {
  let database: TestDatabase;
  let store: DocumentStore;
  let cache: ReturnType<typeof redisDocumentCache> | undefined;
  const client = `commune-app-${randomUUID().slice(0, 8)}`;
  const other = `province-app-${randomUUID().slice(0, 8)}`;
  const servers: ApolloServer<GatewayContext>[] = [];
  const listening: Server[] = [];
  const registry = new Registry();

  beforeAll(async () => {
    database = await openTestDatabase();
    cache = redisUrl ? redisDocumentCache(redisUrl) : undefined;
    await cache?.ready();
    store = createDocumentStore(database.db, cache, testPrefix());
    expect(await store.publish(client, readManifest({ [client]: { [documentId(PROVINCES)]: PROVINCES } }).get(client)!)).toEqual({
      published: 1,
      unchanged: 0,
    });
    await store.publish(other, new Map([[documentId(COMMUNE), COMMUNE]]));
  });
  afterAll(async () => {
    for (const h of listening) await new Promise((resolve) => h.close(resolve));
    for (const s of servers) await s.stop();
    cache?.close();
    await database?.close();
  });

  interface Served {
    url: string;
  }

  async function gateway(mode: TrustedDocumentsMode): Promise<Served> {
    const server = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs, db: database.db, auditLog: createAuditLog(database.db), cache: database.cache },
      log: createLogger('trusted-documents-test', 'silent'),
      trustedDocuments: createTrustedDocuments({ mode, store, ...(mode === 'enforce' ? { registry } : {}) }),
    });
    await server.start();
    servers.push(server);
    const handler = createHttpHandler(server, {
      context: async (_req, _body, info): Promise<GatewayContext> => ({
        identity: AS.anonymous,
        meta: meta(null, info?.requestId),
        personal: newPersonalReads(),
      }),
    });
    const { server: http, url } = await listen(handler, 0, '127.0.0.1');
    listening.push(http);
    return { url };
  }

  /** A POST to the gateway over HTTP, as a client sends it (the plugin concerns HTTP requests only). */
  async function send(
    target: Served,
    body: { query?: string; variables?: Record<string, unknown>; hash?: string },
    clientName?: string,
  ): Promise<{ status: number; code: unknown; message: string | undefined; data: Record<string, unknown> | null | undefined }> {
    const extensions = body.hash ? { persistedQuery: { version: 1, sha256Hash: body.hash } } : undefined;
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(clientName !== undefined ? { [CLIENT_NAME_HEADER]: clientName } : {}) },
      body: JSON.stringify({
        ...(body.query !== undefined ? { query: body.query } : {}),
        ...(body.variables ? { variables: body.variables } : {}),
        ...(extensions ? { extensions } : {}),
      }),
    });
    const result = (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { message: string; extensions?: { code?: unknown } }[];
    };
    return { status: response.status, code: result.errors?.[0]?.extensions?.code, message: result.errors?.[0]?.message, data: result.data };
  }

  describe('enforced (production)', () => {
    let server: Served;
    beforeAll(async () => {
      server = await gateway('enforce');
    });

    test('a published document runs by id for its client', async () => {
      const result = await send(server, { hash: documentId(PROVINCES) }, client);
      expect(result.code).toBeUndefined();
      expect((result.data?.provinces as unknown[]).length).toBe(34);
      const withVariables = await send(server, { hash: documentId(COMMUNE), variables: { code: '00004' } }, other);
      expect(withVariables.data).toEqual({ commune: { name: 'Ba Đình' } });
    });

    test.each([
      ['arbitrary text', { query: PROVINCES }, 'client', 403, 'TRUSTED_DOCUMENT_REQUIRED'],
      ['text of a published document', { query: PROVINCES, hash: documentId(PROVINCES) }, 'client', 403, 'TRUSTED_DOCUMENT_REQUIRED'],
      [
        'an APQ registration',
        { query: '{ provinces { name } }', hash: documentId('{ provinces { name } }') },
        'client',
        403,
        'TRUSTED_DOCUMENT_REQUIRED',
      ],
      ['introspection', { query: '{ __schema { types { name } } }' }, 'client', 403, 'TRUSTED_DOCUMENT_REQUIRED'],
      ['no client name', { hash: documentId(PROVINCES) }, undefined, 400, 'CLIENT_NAME_REQUIRED'],
      ['a malformed client name', { hash: documentId(PROVINCES) }, 'a b', 400, 'CLIENT_NAME_REQUIRED'],
      ['another client’s document', { hash: documentId(COMMUNE) }, 'client', 400, 'TRUSTED_DOCUMENT_NOT_FOUND'],
      ['an unknown id', { hash: 'f'.repeat(64) }, 'client', 400, 'TRUSTED_DOCUMENT_NOT_FOUND'],
      ['a malformed id', { hash: 'not-a-hash' }, 'client', 400, 'TRUSTED_DOCUMENT_NOT_FOUND'],
      ['neither text nor id (Apollo’s own refusal)', {}, 'client', 400, 'BAD_REQUEST'],
    ] as const)('%s is refused (%s → %i %s)', async (_label, body, who, status, code) => {
      const result = await send(server, body, who === 'client' ? client : who);
      expect([result.status, result.code]).toEqual([status, code]);
      expect(result.data ?? null).toBeNull();
      expect(result.message).toMatch(/published|client|POST body/);
    });

    test('a revoked document is refused from the next request (its cached copy dropped)', async () => {
      const revocable = 'query Revocable { provinces { name } }';
      await store.publish(client, new Map([[documentId(revocable), revocable]]));
      expect((await send(server, { hash: documentId(revocable) }, client)).code).toBeUndefined();
      // Read twice: the second read comes from Redis when the run has one.
      expect((await send(server, { hash: documentId(revocable) }, client)).code).toBeUndefined();
      expect(await store.revoke(client, [documentId(revocable)])).toBe(1);
      expect((await send(server, { hash: documentId(revocable) }, client)).code).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
      expect((await store.list(client)).find((d) => d.id === documentId(revocable))).toMatchObject({
        operationName: 'Revocable',
        revokedAt: expect.any(String),
      });
      // Publishing it again does not bring it back: a revocation is for good.
      expect(await store.publish(client, new Map([[documentId(revocable), revocable]]))).toEqual({ published: 0, unchanged: 1 });
      expect((await send(server, { hash: documentId(revocable) }, client)).code).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    });

    test('a document published after an unknown-id refusal runs at once (the negative cache entry dropped)', async () => {
      const late = 'query Late { provinces { code name } }';
      expect((await send(server, { hash: documentId(late) }, client)).code).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
      await store.publish(client, new Map([[documentId(late), late]]));
      expect((await send(server, { hash: documentId(late) }, client)).code).toBeUndefined();
    });

    test('metrics per client and document', async () => {
      const before = await registry.getSingleMetric('lienthong_trusted_documents_total')!.get();
      const count = (values: typeof before.values, labels: Record<string, string>) =>
        values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
      // prom-client hands out its live entries: read the numbers before the requests.
      const executed = count(before.values, { client, document: documentId(PROVINCES), outcome: 'executed' });
      const text = count(before.values, { outcome: 'text' });
      await send(server, { hash: documentId(PROVINCES) }, client);
      await send(server, { query: PROVINCES }, client);
      const after = (await registry.getSingleMetric('lienthong_trusted_documents_total')!.get()).values;
      expect(count(after, { client, document: documentId(PROVINCES), outcome: 'executed' })).toBe(executed + 1);
      expect(count(after, { outcome: 'text' })).toBe(text + 1);
    });
  });

  describe('off (development)', () => {
    let server: Served;
    beforeAll(async () => {
      server = await gateway('off');
    });

    test('any text runs, with or without a client name, and automatic persisted queries register as before', async () => {
      expect((await send(server, { query: PROVINCES })).code).toBeUndefined();
      expect((await send(server, { query: '{ provinces { name } }' }, 'anything')).code).toBeUndefined();
      const text = `{ provinces { code name } } # ${randomUUID()}`;
      expect((await send(server, { hash: documentId(text) })).code).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect((await send(server, { query: text, hash: documentId(text) })).code).toBeUndefined();
      expect((await send(server, { hash: documentId(text) })).code).toBeUndefined();
    });
  });
});
