import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, getOperationAST, parse, validate, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { OperationArgs } from 'graphql-sse';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Identity } from '../shared/auth/identity';
import { parseEventId } from '../shared/live';
import type { Logger } from '../shared/observability/logger';
import type { Authenticate } from './auth';
import { purposeFrom, requestIdFrom } from './context';
import { callerOf, LiveCode, type LiveContext, type LiveEngine } from './live';
import { CLIENT_NAME_HEADER, isRefusal } from './trustedDocuments';

/**
 * The live subscriptions over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on the
 * same path as the SSE route: an upgrade request there is this transport. Everything but the
 * framing is the SSE route's own (live.ts's engine): the same subscriptions, refusals at subscribe
 * time, limits, resolution of each event with the subscriber's identity and purpose, audit, and
 * final messages on reload and shutdown.
 *
 * The caller is known once, at `connection_init`: its payload's `authorization` (`Bearer <token>`)
 * and `purpose` (as X-Purpose), or else the upgrade request's headers of the same names. A bad
 * token closes the socket with 4401, a bad purpose with 4400, the reason starting with the code.
 * To resume, a subscribe message's `extensions.lastEventId` is what Last-Event-ID is to SSE. With
 * trusted documents enforced, the client names itself in `connectionParams` (or the upgrade's
 * header) `apollographql-client-name`, and each subscribe message sends `query: ""` with
 * `extensions.persistedQuery.sha256Hash` of a published document.
 */

export interface LiveWebSocketOptions {
  engine: LiveEngine;
  authenticate: Authenticate;
  log: Logger;
  /** The path upgrades are accepted on (the SSE route's). */
  path: string;
  /** Milliseconds between WebSocket pings (graphql-ws's keep-alive). */
  heartbeatMs: number;
  /** Largest message accepted from a client, in bytes. */
  maxPayloadBytes: number;
}

/** The WebSocket side of the live endpoint. */
export interface LiveWebSocket {
  /** Stops taking connections and closes those open (after their streams' final messages). */
  close(): Promise<void>;
  /** Connections open now. */
  connections(): number;
}

/** What a connection knows of its caller once `connection_init` is accepted. */
interface Caller {
  identity: Identity;
  purpose: string | null;
  requestId: string;
  caller: string;
  /** The client application it names (trusted documents), from `connectionParams` or the upgrade's header. */
  client: string | undefined;
  /** Subscriptions of this connection: their slots in the limits. */
  releases: Map<string, () => void>;
  count: number;
}

/** What graphql-ws's `ctx.extra` gains here (besides its socket and upgrade request). */
// A type alias: graphql-ws requires an index signature of it.
type CallerExtra = { caller?: Caller };

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const refuse = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];
/** A close reason is at most 123 bytes. */
const reason = (code: string, message: string) => Buffer.from(`${code}: ${message}`).subarray(0, 123).toString();

export function attachLiveWebSocket(server: Server, options: LiveWebSocketOptions): LiveWebSocket {
  const { engine, log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  let closed = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== options.path || closed || engine.closing()) {
      const status = path !== options.path ? '404 Not Found' : '503 Service Unavailable';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer<Record<string, unknown> | undefined, CallerExtra>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const { request, socket } = ctx.extra;
        try {
          const identity = await options.authenticate(text(params.authorization) ?? header(request.headers.authorization));
          const purpose = purposeFrom(text(params.purpose) ?? text(params['x-purpose']) ?? request.headers['x-purpose']);
          const requestId = requestIdFrom(request.headers['x-request-id']);
          ctx.extra.caller = {
            identity,
            purpose,
            requestId,
            caller: callerOf(identity, request.socket.remoteAddress),
            client: text(params[CLIENT_NAME_HEADER]) ?? header(request.headers[CLIENT_NAME_HEADER]),
            releases: new Map(),
            count: 0,
          };
          return true;
        } catch (error) {
          const e = error instanceof GraphQLError ? error : null;
          const code = String(e?.extensions.code ?? 'UNAUTHENTICATED');
          socket.close(code === 'UNAUTHENTICATED' ? 4401 : 4400, reason(code, e?.message ?? 'Invalid connection parameters'));
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const caller = ctx.extra.caller;
        const schema = engine.schema();
        if (!caller) return refuse('Not connected', 'UNAUTHENTICATED');
        if (engine.closing()) return refuse('The server is shutting down: reconnect', LiveCode.SHUTTING_DOWN);
        if (!schema) return refuse('The schema is not loaded yet', 'NOT_READY');
        const resume = payload.extensions?.lastEventId;
        const lastEventId = parseEventId(text(resume));
        if (resume !== undefined && resume !== null && !lastEventId) {
          return refuse('extensions.lastEventId must be an event id as sent (<ms>-<seq>)', 'BAD_USER_INPUT');
        }
        // With trusted documents enforced, `query` is "" and the document named by id (graphql-ws requires a string).
        const query = await engine.documentText(caller.client, payload.query, payload.extensions);
        if (isRefusal(query)) return refuse(query.message, query.code);
        let document: DocumentNode;
        try {
          document = parse(query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('Unparsable query')];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return refuse('Unable to identify the operation', 'BAD_USER_INPUT');
        // Limits count subscriptions, as open streams on the SSE route.
        if (operation.operation === 'subscription') {
          const admitted = engine.admit(caller.caller);
          if ('code' in admitted) return refuse(admitted.message, admitted.code);
          caller.releases.set(id, admitted.release);
        }
        const contextValue: LiveContext = {
          identity: caller.identity,
          meta: { requestId: `${caller.requestId}.${++caller.count}`, purpose: caller.purpose },
          lastEventId,
        };
        const args: OperationArgs<LiveContext> = {
          schema,
          document,
          contextValue,
          variableValues: payload.variables ?? null,
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
        };
        return args as ExecutionArgs;
      },
      subscribe: (args) => engine.subscribe(args as OperationArgs<LiveContext>),
      execute: (args) => engine.execute(args as OperationArgs<LiveContext>),
      // Results are already formatted (their errors plain objects, as the subgraphs answered): sent as they are.
      onNext: (_ctx, _id, _payload, _args, result) => result,
      onComplete: (ctx, id) => {
        ctx.extra.caller?.releases.get(id)?.();
        ctx.extra.caller?.releases.delete(id);
      },
      onClose: (ctx) => {
        for (const release of ctx.extra.caller?.releases.values() ?? []) release();
      },
    },
    wss,
    options.heartbeatMs,
  );

  return {
    close: async () => {
      closed = true;
      server.off('upgrade', onUpgrade);
      // The streams' final messages (SHUTTING_DOWN) are sent by now or on their way: let them go first.
      await new Promise((resolve) => setTimeout(resolve, 100).unref());
      // Closes every socket (1001, going away) and the server.
      try {
        await disposable.dispose();
      } catch (error) {
        log.warn({ err: error }, 'live WebSocket close');
      }
    },
    connections: () => wss.clients.size,
  };
}
