import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { createClient, type ExecutionResult } from 'graphql-sse';
import { createLive, LiveCode, type Live } from '../gateway/live';
import type { GatewayContext } from '../gateway/context';
import { ANONYMOUS } from '../shared/auth/identity';
import { MemoryLiveBroker, type DeliveredEvent } from '../shared/live';
import { createLogger } from '../shared/observability/logger';
import { traceFrom } from '../shared/observability/trace';

/**
 * Resuming from a Last-Event-ID older than the events kept (LIVE_RETENTION_SECONDS): the stream
 * says so first (LIVE_RESUME_TOO_OLD), then resumes from the oldest event kept. The live endpoint
 * alone (gateway/live.ts) on a small schema with a `@live` field, the in-process broker keeping
 * 3 s of events, and a stand-in for the gateway's execution that answers each event's keys.
 */
const RETENTION_MS = 3_000;
const SDL = `
  type Query { thing(id: ID!): Thing }
  type Thing { id: ID! }
  type Subscription { thingChanged(id: ID): Thing @live(channel: "thing:{id}", query: "thing") }
`;

type Result = ExecutionResult<Record<string, unknown>, Record<string, unknown>>;

describe('live: resuming from a Last-Event-ID older than the retention', () => {
  let broker: MemoryLiveBroker;
  let live: Live;
  let server: Server;
  let url: string;
  const clients: { dispose(): void }[] = [];

  beforeAll(async () => {
    broker = new MemoryLiveBroker(RETENTION_MS);
    // Each event resolved as the gateway would: `thing(id:)` with the event's key.
    const apollo = {
      executeOperation: async (request: { variables?: Record<string, unknown> }) => ({
        body: { kind: 'single', singleResult: { data: { thingChanged: { id: request.variables?.live_id } } } },
      }),
    } as unknown as ApolloServer<GatewayContext>;
    live = createLive({
      apollo: () => apollo,
      broker,
      authenticate: async () => ANONYMOUS,
      log: createLogger('live-resume', 'silent'),
      limits: { perCaller: 0, perInstance: 0 },
    });
    live.schemaChanged({
      apiSchema: buildSchema(SDL.replace(/ @live\([^)]*\)/, '')),
      coreSupergraphSdl: `directive @live(channel: String!, query: String!) on FIELD_DEFINITION\n${SDL}`,
    });
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => void live.handle(req, res, { requestId: 'resume-test', trace: traceFrom(undefined) }, body || null));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql/stream`;
  });

  afterAll(async () => {
    for (const c of clients) c.dispose();
    live.close();
    await broker.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Subscribes with `last-event-id`; collects every message (status messages and deliveries). */
  const subscribe = (lastEventId: string) => {
    const results: Result[] = [];
    const client = createClient({ url, headers: { 'last-event-id': lastEventId }, retryAttempts: 0 });
    const dispose = client.subscribe<Record<string, unknown>, Record<string, unknown>>(
      { query: 'subscription { thingChanged(id: "1") { id } }' },
      { next: (r) => void results.push(r), error: () => undefined, complete: () => undefined },
    );
    clients.push({ dispose: () => (dispose(), client.dispose()) });
    return results;
  };
  const until = async (check: () => boolean) => {
    for (let waited = 0; !check(); waited += 20) {
      if (waited > 5_000) throw new Error('not within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  /** Publishes one event of thing 1 and resolves with its id. */
  const publish = async (): Promise<string> => {
    let id = '';
    const stop = await broker.listen('thing:1', (e: DeliveredEvent) => void (id = e.id));
    await broker.publish([{ channel: 'thing:1', keys: { id: '1' } }]);
    stop();
    return id;
  };

  it('warns first (LIVE_RESUME_TOO_OLD) then resumes from the oldest event kept; a recent Last-Event-ID resumes without a warning', async () => {
    const first = await publish();
    // The first event leaves the retention; the second is kept.
    await new Promise((resolve) => setTimeout(resolve, RETENTION_MS + 200));
    const kept = await publish();

    const old = subscribe(first);
    const recent = subscribe(`${Number(kept.split('-')[0]) - 1}-0`);
    await until(() => old.length >= 2 && recent.length >= 1);
    expect(old[0]).toEqual({
      extensions: {
        live: {
          status: LiveCode.RESUME_TOO_OLD,
          message: expect.stringContaining('some may be lost'),
          lastEventId: first,
          retentionSeconds: RETENTION_MS / 1000,
        },
      },
    });
    expect(LiveCode.RESUME_TOO_OLD).toBe('LIVE_RESUME_TOO_OLD');
    // The first event is gone: the stream resumes with the oldest kept.
    expect(old[1]).toEqual({ data: { thingChanged: { id: '1' } }, extensions: { eventId: kept } });
    expect(recent).toEqual([{ data: { thingChanged: { id: '1' } }, extensions: { eventId: kept } }]);

    // Both streams then go on live, the warning said once.
    const next = await publish();
    await until(() => old.length >= 3 && recent.length >= 2);
    expect(old.slice(2)).toEqual([{ data: { thingChanged: { id: '1' } }, extensions: { eventId: next } }]);
    expect(recent.slice(1)).toEqual([{ data: { thingChanged: { id: '1' } }, extensions: { eventId: next } }]);
    expect(old.filter((r) => r.extensions?.live)).toHaveLength(1);
    expect(recent.filter((r) => r.extensions?.live)).toHaveLength(0);
  }, 20_000);
});
