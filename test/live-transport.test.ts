import { withImplementedSecurityFeatures } from '../gateway/authorization';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ANONYMOUS, type Identity } from '../shared/auth/identity';
import { createLiveBroker, MemoryLiveBroker, type LiveBroker } from '../shared/live';
import { createLogger } from '../shared/observability/logger';
import type { RequestInfo } from '../shared/http';
import type { GatewayContext } from '../gateway/context';
import { createLive, type Live, type LiveLimits } from '../gateway/live';
import { attachLiveWebSocket, type LiveWebSocket } from '../gateway/liveWs';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { CLIENT_NAME_HEADER, createTrustedDocuments, type TrustedDocuments } from '../gateway/trustedDocuments';
import { documentId, type DocumentStore } from '../shared/documents';
import { freePort, OwnRedis, redisServerInstalled, testPrefix, waitFor } from './helpers/cache';

/**
 * The live endpoint's transport, in seconds and without a database: heartbeats at the configured
 * interval, the source's status on open streams (a Redis of the test's own, killed and started
 * again), the per-instance limit, and the WebSocket transport's identity checks and deliveries.
 * Deliveries are resolved by a stand-in for the gateway's Apollo Server that records what it was
 * asked with (test/live.test.ts resolves them through the real graph).
 */
const PATH = '/graphql/stream';
const OFFICER: Identity = { ...ANONYMOUS, subject: 'officer-1', role: 'COMMUNE_OFFICER', communeCode: '00004' };

interface Executed {
  query: string;
  variables: Record<string, unknown>;
  identity: Identity;
  requestId: string;
  purpose: string | null;
}

/** The gateway's execution, stood in for: every dossier exists, with the number asked for. */
function fakeApollo(executed: Executed[]) {
  return {
    executeOperation: async (
      request: { query: string; variables: Record<string, unknown> },
      { contextValue }: { contextValue: GatewayContext },
    ) => {
      executed.push({
        query: request.query,
        variables: request.variables,
        identity: contextValue.identity,
        requestId: contextValue.meta.requestId,
        purpose: contextValue.meta.purpose,
      });
      const alias = /\{\s*(\w+)\s*:/.exec(request.query)?.[1] ?? 'communeDossierChanged';
      return { body: { kind: 'single', singleResult: { data: { [alias]: { number: request.variables.live_number } } } } };
    },
  } as unknown as ApolloServer<GatewayContext>;
}

const authenticate = async (authorization: string | undefined): Promise<Identity> => {
  if (!authorization) return ANONYMOUS;
  if (authorization === 'Bearer officer') return OFFICER;
  throw new GraphQLError('Invalid token', { extensions: { code: 'UNAUTHENTICATED' } });
};

interface Endpoint {
  origin: string;
  live: Live;
  ws: LiveWebSocket;
  executed: Executed[];
  close(): Promise<void>;
}

/** A live endpoint (SSE and WebSocket) on a free port, on the committed supergraph. */
async function startEndpoint(
  broker: LiveBroker,
  options: { limits?: Partial<LiveLimits>; heartbeatMs?: number; trusted?: TrustedDocuments } = {},
): Promise<Endpoint> {
  const executed: Executed[] = [];
  const log = createLogger('live-transport-test', 'silent');
  const live = createLive({
    apollo: () => fakeApollo(executed),
    broker,
    authenticate,
    log,
    limits: { perCaller: 0, perInstance: 0, ...options.limits },
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.trusted ? { trusted: options.trusted } : {}),
  });
  // As the gateway loads it: the authorization features it implements itself (gateway/authorization.ts).
  const gateway = new ApolloGateway({ supergraphSdl: withImplementedSecurityFeatures(readCommittedSupergraph()) });
  gateway.onSchemaLoadOrUpdate((schema) => live.schemaChanged(schema));
  await gateway.load();
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const info = { requestId: `transport-test-${++n}` } as RequestInfo;
      void live.handle(req, res, info, body || null);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ws = attachLiveWebSocket(server, {
    engine: live.engine,
    authenticate,
    log,
    path: PATH,
    heartbeatMs: 1_000,
    maxPayloadBytes: 100_000,
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    live,
    ws,
    executed,
    close: async () => {
      live.close();
      await ws.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.stop();
    },
  };
}

/** A raw SSE stream: every chunk received, and how to stop it. */
function openStream(origin: string, query: string | { id: string }, headers: Record<string, string> = {}) {
  const chunks: string[] = [];
  const controller = new AbortController();
  const response = fetch(`${origin}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(typeof query === 'string' ? { query } : { extensions: { persistedQuery: { version: 1, sha256Hash: query.id } } }),
    signal: controller.signal,
  });
  const done = response
    .then(async (r) => {
      if (!r.body) return;
      const decoder = new TextDecoder();
      const reader = r.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        chunks.push(decoder.decode(value));
      }
    })
    .catch(() => undefined);
  return {
    response,
    text: () => chunks.join(''),
    close: async () => {
      controller.abort();
      await done;
    },
  };
}

const PUBLIC_QUERY = `subscription { evaluationChanged(provinceCode: "01") { unitCode } }`;
const DOSSIER_QUERY = `subscription { communeDossierChanged(communeCode: "00004") { number } }`;

describe('live transport', () => {
  it('sends a heartbeat comment at the configured interval on an idle stream', async () => {
    const endpoint = await startEndpoint(new MemoryLiveBroker(60_000), { heartbeatMs: 200 });
    try {
      const stream = openStream(endpoint.origin, PUBLIC_QUERY);
      expect((await stream.response).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const beats = stream.text().split(':\n\n').length - 1;
      // The first comment at once (graphql-sse flushes with it), then one every 200 ms.
      expect(beats).toBeGreaterThanOrEqual(5);
      expect(beats).toBeLessThanOrEqual(8);
      expect(endpoint.live.count()).toBe(1);
      await stream.close();
      await waitFor(() => endpoint.live.count() === 0, 2_000);
    } finally {
      await endpoint.close();
    }
  }, 30_000);

  it('refuses a stream beyond the per-instance limit with 503 LIVE_INSTANCE_LIMIT (SSE and WebSocket), and takes one again once a stream ends', async () => {
    const endpoint = await startEndpoint(new MemoryLiveBroker(60_000), { limits: { perInstance: 2 } });
    const ws = wsClient(endpoint.origin, {});
    try {
      const streams = [openStream(endpoint.origin, PUBLIC_QUERY), openStream(endpoint.origin, PUBLIC_QUERY)];
      for (const s of streams) expect((await s.response).status).toBe(200);
      await waitFor(() => endpoint.live.count() === 2, 2_000);
      const third = await fetch(`${endpoint.origin}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: PUBLIC_QUERY }),
      });
      expect(third.status).toBe(503);
      expect(third.headers.get('retry-after')).toBe('5');
      expect(((await third.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
        'LIVE_INSTANCE_LIMIT',
      );
      const refused = wsSubscribe(ws.client, PUBLIC_QUERY);
      await waitFor(() => refused.ended() !== null, 5_000);
      expect(JSON.stringify(refused.ended())).toContain('LIVE_INSTANCE_LIMIT');
      await streams[0]!.close();
      await waitFor(() => endpoint.live.count() === 1, 2_000);
      const again = openStream(endpoint.origin, PUBLIC_QUERY);
      expect((await again.response).status).toBe(200);
      await again.close();
      await streams[1]!.close();
    } finally {
      await ws.client.dispose();
      await endpoint.close();
    }
  }, 30_000);

  it('over WebSocket: identity from connectionParams, personal selections refused at subscribe time, deliveries resolved with the subscriber identity, purpose and a request id per subscription', async () => {
    const broker = new MemoryLiveBroker(60_000);
    const endpoint = await startEndpoint(broker);
    const officer = wsClient(
      endpoint.origin,
      { authorization: 'Bearer officer', purpose: 'HS-2026-WS-0001' },
      { 'x-request-id': 'ws-officer-0001' },
    );
    const noPurpose = wsClient(endpoint.origin, { authorization: 'Bearer officer' });
    const anonymous = wsClient(endpoint.origin, {});
    const badToken = wsClient(endpoint.origin, { authorization: 'Bearer forged' });
    try {
      const delivered = wsSubscribe(officer.client, DOSSIER_QUERY);
      const unauthenticated = wsSubscribe(anonymous.client, DOSSIER_QUERY);
      const purposeRequired = wsSubscribe(noPurpose.client, DOSSIER_QUERY);
      const refusedToken = wsSubscribe(badToken.client, PUBLIC_QUERY);
      await waitFor(() => unauthenticated.ended() !== null && purposeRequired.ended() !== null && refusedToken.ended() !== null, 5_000);
      expect(JSON.stringify([unauthenticated.results, unauthenticated.ended()])).toContain('UNAUTHENTICATED');
      expect(JSON.stringify([purposeRequired.results, purposeRequired.ended()])).toContain('PURPOSE_REQUIRED');
      expect(badToken.closed()).toEqual({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED/) });
      await waitFor(() => endpoint.live.count() === 1, 2_000);
      await broker.publish([{ channel: 'dossier:commune:00004', keys: { number: '00004-260101-0001' } }]);
      await waitFor(() => delivered.results.length >= 1, 5_000);
      expect(delivered.results[0]).toEqual({
        data: { communeDossierChanged: { number: '00004-260101-0001' } },
        extensions: { eventId: expect.stringMatching(/^\d+-\d+$/) },
      });
      expect(endpoint.executed).toEqual([
        expect.objectContaining({
          identity: OFFICER,
          purpose: 'HS-2026-WS-0001',
          requestId: 'ws-officer-0001.1:1',
          variables: { live_number: '00004-260101-0001' },
        }),
      ]);
      expect(endpoint.executed[0]!.query).toContain('dossier(number: $live_number)');
      // Nothing of it reached the refused subscribers.
      expect(unauthenticated.results.filter((r) => r.data)).toEqual([]);
      // A resume from an event id: the retained events after it first.
      const eventId = (delivered.results[0]!.extensions as { eventId: string }).eventId;
      await broker.publish([{ channel: 'dossier:commune:00004', keys: { number: '00004-260101-0002' } }]);
      const resumed = wsSubscribe(officer.client, DOSSIER_QUERY, { lastEventId: eventId });
      await waitFor(() => resumed.results.length >= 1, 5_000);
      expect(resumed.results[0]!.data).toEqual({ communeDossierChanged: { number: '00004-260101-0002' } });
      const badResume = wsSubscribe(officer.client, DOSSIER_QUERY, { lastEventId: 'yesterday' });
      await waitFor(() => badResume.ended() !== null, 5_000);
      expect(JSON.stringify(badResume.ended())).toContain('BAD_USER_INPUT');
      // A graceful stop: every subscription's last message is SHUTTING_DOWN.
      endpoint.live.close();
      await waitFor(() => delivered.ended() !== null, 5_000);
      expect(delivered.results.at(-1)!.errors).toEqual([expect.objectContaining({ extensions: { code: 'SHUTTING_DOWN' } })]);
      // Then the sockets close (what the gateway's graceful stop does after ending the streams).
      await endpoint.ws.close();
      await waitFor(() => officer.closed() !== null, 5_000);
      expect(endpoint.ws.connections()).toBe(0);
    } finally {
      for (const c of [officer, noPurpose, anonymous, badToken]) await c.client.dispose();
      await endpoint.close();
    }
  }, 30_000);

  it('with trusted documents enforced, subscriptions too run only a published document, by id, for its client (SSE POST and GET, WebSocket)', async () => {
    const published = new Map([[`dashboard:${documentId(PUBLIC_QUERY)}`, PUBLIC_QUERY]]);
    // The store's persistence is tested with PostgreSQL in trusted-documents.test.ts; here only its lookups matter.
    const store = { get: async (client: string, id: string) => published.get(`${client}:${id}`) ?? null } as DocumentStore;
    const broker = new MemoryLiveBroker(60_000);
    const endpoint = await startEndpoint(broker, { trusted: createTrustedDocuments({ mode: 'enforce', store }) });
    const asClient = { [CLIENT_NAME_HEADER]: 'dashboard' };
    const byId = wsClient(endpoint.origin, { [CLIENT_NAME_HEADER]: 'dashboard' });
    const nameless = wsClient(endpoint.origin, {});
    try {
      const refusal = async (response: Response) => [
        response.status,
        ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
      ];
      const post = (body: unknown, headers: Record<string, string> = asClient) =>
        fetch(`${endpoint.origin}${PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
          body: JSON.stringify(body),
        });
      const persisted = (id: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } });
      // Text, even the published text, is refused; so is an id without a client, or of another client.
      expect(await refusal(await post({ query: PUBLIC_QUERY }))).toEqual([403, 'TRUSTED_DOCUMENT_REQUIRED']);
      expect(await refusal(await post({ query: PUBLIC_QUERY, ...persisted(documentId(PUBLIC_QUERY)) }))).toEqual([
        403,
        'TRUSTED_DOCUMENT_REQUIRED',
      ]);
      expect(await refusal(await post(persisted(documentId(PUBLIC_QUERY)), {}))).toEqual([400, 'CLIENT_NAME_REQUIRED']);
      expect(await refusal(await post(persisted(documentId(PUBLIC_QUERY)), { [CLIENT_NAME_HEADER]: 'other-app' }))).toEqual([
        400,
        'TRUSTED_DOCUMENT_NOT_FOUND',
      ]);
      expect(await refusal(await post(persisted(documentId(DOSSIER_QUERY))))).toEqual([400, 'TRUSTED_DOCUMENT_NOT_FOUND']);
      expect(await refusal(await post(persisted('../../etc/passwd')))).toEqual([400, 'TRUSTED_DOCUMENT_NOT_FOUND']);
      const get = await fetch(`${endpoint.origin}${PATH}?query=${encodeURIComponent(PUBLIC_QUERY)}`, {
        headers: { accept: 'text/event-stream', ...asClient },
      });
      expect(await refusal(get)).toEqual([403, 'TRUSTED_DOCUMENT_REQUIRED']);
      expect(endpoint.live.count()).toBe(0);
      // The published document by id: over POST, GET (what EventSource sends) and WebSocket.
      const stream = openStream(endpoint.origin, { id: documentId(PUBLIC_QUERY) }, asClient);
      expect((await stream.response).status).toBe(200);
      const extensions = encodeURIComponent(JSON.stringify(persisted(documentId(PUBLIC_QUERY)).extensions));
      const overGet = new AbortController();
      const viaGet = await fetch(`${endpoint.origin}${PATH}?extensions=${extensions}`, {
        headers: { accept: 'text/event-stream', ...asClient },
        signal: overGet.signal,
      });
      expect(viaGet.status).toBe(200);
      const overWs = wsSubscribe(byId.client, '', persisted(documentId(PUBLIC_QUERY)).extensions);
      const wsText = wsSubscribe(byId.client, PUBLIC_QUERY);
      const wsNameless = wsSubscribe(nameless.client, '', persisted(documentId(PUBLIC_QUERY)).extensions);
      await waitFor(() => wsText.ended() !== null && wsNameless.ended() !== null, 5_000);
      expect(JSON.stringify(wsText.ended())).toContain('TRUSTED_DOCUMENT_REQUIRED');
      expect(JSON.stringify(wsNameless.ended())).toContain('CLIENT_NAME_REQUIRED');
      await waitFor(() => endpoint.live.count() === 3, 2_000);
      await broker.publish([
        { channel: 'evaluation:01', keys: { unitScope: 'COMMUNE', unitCode: '00004', provinceCode: '01', month: '2026-01' } },
      ]);
      await waitFor(() => overWs.results.some((r) => r.data) && stream.text().includes('event: next'), 5_000);
      // Resolved (by the stand-in) with the published document's selection.
      expect(overWs.results[0]!.data).toHaveProperty('evaluationChanged');
      expect(endpoint.executed.map((e) => e.query).every((q) => q.includes('unitCode'))).toBe(true);
      expect(endpoint.executed.length).toBeGreaterThanOrEqual(1);
      overGet.abort();
      await stream.close();
    } finally {
      for (const c of [byId, nameless]) await c.client.dispose();
      await endpoint.close();
    }
  }, 30_000);

  (redisServerInstalled() ? it : it.skip)(
    'tells open streams when the event source (Redis) goes away (LIVE_SOURCE_UNAVAILABLE) and when it is back (SOURCE_RESTORED)',
    async () => {
      const redis = new OwnRedis(await freePort());
      await redis.start();
      const broker = createLiveBroker({ redisUrl: redis.url, prefix: testPrefix(), retentionSeconds: 60 });
      // A Redis left running would keep jest from exiting: stopped whatever fails.
      const endpoint = await startEndpoint(broker).catch(async (error: unknown) => {
        await broker.close();
        await redis.stop();
        throw error;
      });
      const ws = wsClient(endpoint.origin, {});
      try {
        // Connected once a channel can be listened to (it reads the stream's last id).
        const connected = async () => (await broker.listen('probe', () => undefined))();
        await waitFor(
          () =>
            connected().then(
              () => true,
              () => false,
            ),
          5_000,
        );
        const stream = openStream(endpoint.origin, PUBLIC_QUERY);
        expect((await stream.response).status).toBe(200);
        const overWs = wsSubscribe(ws.client, PUBLIC_QUERY);
        await waitFor(() => endpoint.live.count() === 2, 2_000);
        // The reader reads (an event delivered to both): the source is up before it goes.
        const event = { unitScope: 'COMMUNE', unitCode: '00004', provinceCode: '01', month: '2026-01' };
        await broker.publish([{ channel: 'evaluation:01', keys: event }]);
        await waitFor(() => overWs.results.some((r) => r.data) && stream.text().includes('event: next'), 10_000);
        const seen = { ws: overWs.results.length, sse: stream.text().length };
        const sse = () => stream.text().slice(seen.sse);
        const statuses = () => overWs.results.slice(seen.ws).map((r) => r.extensions);
        await redis.stop();
        await waitFor(() => sse().includes('LIVE_SOURCE_UNAVAILABLE'), 10_000);
        await waitFor(() => JSON.stringify(statuses()).includes('LIVE_SOURCE_UNAVAILABLE'), 5_000);
        expect(sse()).not.toContain('SOURCE_RESTORED');
        await redis.start();
        await waitFor(() => sse().includes('SOURCE_RESTORED'), 15_000);
        await waitFor(() => JSON.stringify(statuses()).includes('SOURCE_RESTORED'), 5_000);
        expect(statuses()).toEqual([{ live: { status: 'LIVE_SOURCE_UNAVAILABLE' } }, { live: { status: 'SOURCE_RESTORED' } }]);
        // Still open, and still delivering.
        await broker.publish([{ channel: 'evaluation:01', keys: event }]);
        await waitFor(() => overWs.results.slice(seen.ws + 2).some((r) => r.data), 5_000);
        await stream.close();
      } finally {
        await ws.client.dispose();
        await endpoint.close();
        await broker.close();
        await redis.stop();
      }
    },
    60_000,
  );
});

type WsResult = { data?: Record<string, unknown> | null; errors?: unknown[]; extensions?: Record<string, unknown> };

/** A graphql-ws client with these connection parameters (and headers on the upgrade request). */
function wsClient(origin: string, connectionParams: Record<string, string>, headers: Record<string, string> = {}) {
  let closed: { code: number; reason: string } | null = null;
  const client: WsClient = createWsClient({
    url: `${origin.replace('http', 'ws')}${PATH}`,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string | string[]) {
        super(url, protocols, { headers });
      }
    },
    on: { closed: (event) => void (closed = { code: (event as { code: number }).code, reason: (event as { reason: string }).reason }) },
  });
  return { client, closed: () => closed };
}

function wsSubscribe(client: WsClient, query: string, extensions?: Record<string, unknown>) {
  const results: WsResult[] = [];
  let ended: unknown = null;
  client.subscribe<Record<string, unknown>, Record<string, unknown>>(
    { query, ...(extensions ? { extensions } : {}) },
    {
      next: (r) => void results.push(r as WsResult),
      error: (e) => void (ended = e instanceof Error ? { message: e.message } : e),
      complete: () => void (ended ??= 'complete'),
    },
  );
  return { results, ended: () => ended };
}
