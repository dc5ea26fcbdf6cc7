import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { requestScope, type RequestScope } from '../observability/requestScope';
import {
  checkCharset,
  checkContentEncoding,
  checkJsonMediaType,
  checkJsonTextDepth,
  checkSearchParams,
  decodeUtf8,
  HttpError,
  parseJsonBody,
  parseMediaType,
  REQUEST_BOUNDS,
} from './bounds';
import { createStaticSite, type StaticSite } from './staticFiles';
import { traceFrom, traceparent, TRACEPARENT_HEADER } from '../observability/trace';

/** What a rate limit decides for one request. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * What the HTTP layer knows of a request before GraphQL sees it: its id (see
 * {@link acceptRequestId}; also sent back as `x-request-id`) and trace context (the client's
 * `traceparent` continued, or a new trace; sent back as `traceparent`).
 */
export interface RequestInfo extends RequestScope {
  /** The raw body of a POST, as received (the response cache keys on it). */
  rawBody?: string;
}

/** A complete response decided before GraphQL runs (a response-cache hit). */
export interface EarlyResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** The body of `/health`: `unavailable` when the database is down, else `ok` or `degraded`, with details. */
export interface HealthReport {
  status: 'ok' | 'degraded' | 'unavailable';
  [detail: string]: unknown;
}

/** The body of `/ready`: 200 when `ready` (Redis away still leaves a service ready, `degraded`), else 503. */
export interface ReadyReport {
  ready: boolean;
  status: 'ok' | 'degraded' | 'unready';
  [detail: string]: unknown;
}

/** What `/metrics` answers (Prometheus text exposition). */
export interface MetricsPage {
  contentType: string;
  body: string;
}

/** One response of the HTTP layer, once it is sent: for the request counters of /metrics. */
export interface ResponseRecord {
  /** `/graphql`, `/health`, `/ready`, `/metrics`, or `other` (static files, 404s). */
  route: string;
  status: number;
  seconds: number;
  requestId: string;
  traceId: string;
}

/**
 * A route of its own beside `/graphql` (the gateway's live stream, its open data): rate-limited like
 * `/graphql`, its POST body read within `maxBodyBytes`; it answers by itself.
 */
export interface Route {
  /** The path (`/graphql/stream`), or a prefix of paths when it ends with `/`. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, info: RequestInfo, body: string | null): Promise<void>;
}

export interface HttpOptions<C extends BaseContext> {
  /**
   * Builds the per-request context (per-request loaders live here); `body` is the parsed request
   * body, `info` what this layer settled (the request id, also left in `req.headers['x-request-id']`).
   */
  context: (req: IncomingMessage, body: unknown, info: RequestInfo) => Promise<C>;
  /** Largest accepted request body, in bytes (413 above it). */
  maxBodyBytes?: number;
  /**
   * What `/health` (liveness) answers: always 200 while the process can answer at all, so an
   * orchestrator never restarts a service for an outage of what it depends on (it recovers by
   * itself); the body says `ok`, `degraded` (Redis away) or `unavailable` (database down). A report
   * is sent as the body; a boolean as `{ status: "ok" | "unavailable" }`.
   */
  health?: () => Promise<boolean | HealthReport>;
  /**
   * What `/ready` (readiness) answers: 200 when the report is `ready`, else 503 (take it out of the
   * load balancer). Without it, `/ready` is the same as being able to answer: 200.
   */
  ready?: () => Promise<ReadyReport>;
  /** The Prometheus page of `/metrics`; without it, `/metrics` is a 404. */
  metrics?: () => Promise<MetricsPage>;
  /** Called once per response sent (for request counters); must not throw. */
  onResponse?: (record: ResponseRecord) => void;
  /**
   * Consulted for every `/graphql` request before its body is read; a refusal is answered 429
   * with Retry-After. Should not reject: if it does, the request is let through (fail open).
   */
  rateLimit?: (req: IncomingMessage) => Promise<RateLimitDecision>;
  /**
   * Consulted with the raw body of a POST before anything parses it; a response it returns is sent
   * as is (the gateway's response cache answers hits here, before GraphQL parsing and planning).
   * Should not reject: if it does, the request goes on as usual.
   */
  preflight?: (req: IncomingMessage, info: RequestInfo) => Promise<EarlyResponse | null>;
  /**
   * Folders of static files served from memory under a path prefix each (see
   * `shared/http/staticFiles.ts`: content types, a same-origin-only Content-Security-Policy, ETags, no
   * traversal). Read when the handler is created; not rate-limited (nothing reaches a database).
   */
  static?: StaticSite[];
  /** Routes served beside `/graphql` (see {@link Route}). */
  routes?: Route[];
  /**
   * Where a browser opening `/graphql` or `/` (a GET that accepts text/html and asks no query) is
   * sent (302): the hub's own explorer when it is enabled. Without it, a small page of this
   * process's own (404) says what the endpoint is; nothing is loaded from elsewhere.
   */
  browserHome?: string;
  /** Told of every unexpected error (answered 500 without details); must not throw. */
  onError?: (error: unknown, requestId: string) => void;
  /** `Vary` of every `/graphql` response (the headers its content depends on); Apollo's `Accept` only without it. */
  vary?: string;
}

const GRAPHQL_PATH = '/graphql';
const REQUEST_ID_HEADER = 'x-request-id';
/**
 * Ids we pass on to logs, audit records and clients as they are: UUIDs, ULIDs, hex trace ids;
 * nothing to inject with (gateway/context.ts's requestIdFrom applies this same function).
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** An incoming `x-request-id` if it is safe to reuse (8–64 of `A-Z a-z 0-9 . _ -`), else undefined. */
export function acceptRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value) ? value : undefined;
}

/** The id of the HTTP request being served by {@link createHttpHandler}; undefined outside one. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

/** Reads a body of at most `limit` bytes (413 above it) and decodes it as strict UTF-8 (400 otherwise). */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering but keep the socket: the 413 must still reach the client. Node discards
        // the rest of the body once the response is sent.
        req.off('data', onData);
        chunks.length = 0;
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      try {
        resolve(decodeUtf8(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string, requestId: string): void {
  // A refusal says nothing about the credential or the data: never worth keeping.
  res.setHeader('cache-control', 'no-store');
  sendJson(res, status, { errors: [{ message, extensions: { code, requestId } }] });
}

/** True when `accept` names `type` itself (not through a wildcard) with a non-zero quality. */
function acceptsExplicitly(accept: string | undefined, type: string): boolean {
  return (accept ?? '').split(',').some((entry) => {
    const media = parseMediaType(entry.trim());
    return media?.type === type && media.params.q !== '0' && !/^0(\.0*)?$/.test(media.params.q ?? '1');
  });
}

/**
 * GraphQL over HTTP §6.4.1: a client that accepts only the legacy `application/json` (and was
 * answered in it) gets 200 for every well-formed request, its GraphQL errors in the body — a
 * document that does not parse or validate, variables that do not coerce, a limit refused. Refusals
 * of the HTTP request itself (Apollo's BAD_REQUEST: no query, CSRF, bad `variables` JSON) keep their
 * 4xx, and so do 401, 403, 405, 413, 415 and 429. Clients of `application/graphql-response+json`,
 * or of any type through a wildcard, keep the 4xx statuses.
 */
function legacyJsonStatus(status: number, accept: string | undefined, contentType: string | undefined, body: string): number {
  if (status !== 400 || !contentType?.startsWith('application/json')) return status;
  if (!acceptsExplicitly(accept, 'application/json') || acceptsExplicitly(accept, 'application/graphql-response+json')) return status;
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    const errors = parsed.errors ?? [];
    if (errors.length === 0 || errors.some((e) => e.extensions?.code === 'BAD_REQUEST')) return status;
  } catch {
    return status;
  }
  return 200;
}

/** True for a browser opening a page: a GET that accepts HTML and asks no GraphQL query. */
function isBrowserVisit(req: IncomingMessage, url: URL): boolean {
  return req.method === 'GET' && !url.searchParams.has('query') && /\btext\/html\b/i.test(req.headers.accept ?? '');
}

/** The page of an endpoint without an explorer: this process's own bytes, nothing fetched from elsewhere. */
const ENDPOINT_PAGE = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Liên Thông — GraphQL</title></head>
<body><h1>Liên Thông</h1><p>This is a GraphQL endpoint: send <code>POST /graphql</code> with
<code>Content-Type: application/json</code> and a body <code>{"query": "…"}</code>.</p></body></html>
`;

function sendBrowserDoor(res: ServerResponse, home: string | undefined): void {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('vary', 'Accept');
  if (home) {
    res.statusCode = 302;
    res.setHeader('location', home);
    res.end();
    return;
  }
  res.statusCode = 404;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-security-policy', "default-src 'none'");
  res.setHeader('x-content-type-options', 'nosniff');
  res.end(ENDPOINT_PAGE);
}

/**
 * Serves an Apollo Server over plain `node:http`: `/graphql` (GET and POST), `/health`, `/ready`,
 * `/metrics` and the static sites of `options.static`.
 * Every response carries an `x-request-id` (the client's if safe, else a new UUID) and a
 * `traceparent` (the client's trace continued, or a new one), available to the request's code
 * through {@link currentRequestId} and `shared/observability/requestScope.ts`. Refusals of this layer (rate limit, body
 * size, bad JSON) get a GraphQL-shaped JSON error with a stable code and the request id.
 */
export function createHttpHandler<C extends BaseContext>(server: ApolloServer<C>, options: HttpOptions<C>) {
  const maxBody = options.maxBodyBytes ?? 1_000_000;
  const sites = (options.static ?? []).map(createStaticSite);

  /** False (and the 429 sent) when the rate limit refuses the request. */
  const admitted = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<boolean> => {
    if (!options.rateLimit) return true;
    const decision = await options.rateLimit(req).catch((): RateLimitDecision => ({ allowed: true }));
    if (decision.allowed) return true;
    res.setHeader('retry-after', String(decision.retryAfterSeconds));
    sendError(res, 429, 'RATE_LIMITED', `Too many requests: retry in ${decision.retryAfterSeconds} s`, requestId);
    return false;
  };

  const serveRoute = async (route: Route, req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> => {
    if (!(await admitted(req, res, info.requestId))) return;
    let body: string | null = null;
    if (req.method === 'POST') {
      checkCharset(parseMediaType(req.headers['content-type']));
      if (Number(req.headers['content-length']) > maxBody)
        throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body larger than ${maxBody} bytes`);
      body = await readBody(req, maxBody);
      // The route parses it itself: nothing deeper than a GraphQL body may reach its JSON.parse.
      checkJsonTextDepth(body, REQUEST_BOUNDS.body.maxDepth);
    }
    await route.handle(req, res, info, body);
  };

  const serveGraphQL = async (req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> => {
    const { requestId } = info;
    if (!(await admitted(req, res, requestId))) return;
    let body: unknown;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST') {
      // The media type and charset are known before a byte of the body is read (bounds.ts).
      checkJsonMediaType(req.headers['content-type']);
      checkContentEncoding(req.headers['content-encoding']);
      const declared = Number(req.headers['content-length']);
      if (declared > maxBody) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body larger than ${maxBody} bytes`);
      const text = await readBody(req, maxBody);
      info.rawBody = text;
      if (options.preflight) {
        const early = await options.preflight(req, info).catch(() => null);
        if (early) {
          for (const [key, value] of Object.entries(early.headers)) res.setHeader(key, value);
          res.setHeader(REQUEST_ID_HEADER, requestId);
          if (options.vary) res.setHeader('vary', options.vary);
          res.statusCode = early.status;
          res.end(early.body);
          return;
        }
      }
      body = parseJsonBody(text);
    } else {
      checkSearchParams(url.searchParams);
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    headers.set(REQUEST_ID_HEADER, requestId);
    headers.set(TRACEPARENT_HEADER, traceparent(info.trace));
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: () => options.context(req, body, info),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (options.vary) res.setHeader('vary', options.vary);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.statusCode = legacyJsonStatus(res.statusCode, req.headers.accept, response.headers.get('content-type'), response.body.string);
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      const result = options.health ? await options.health().catch(() => false) : true;
      const report: HealthReport = typeof result === 'boolean' ? { status: result ? 'ok' : 'unavailable' } : result;
      sendJson(res, 200, report);
      return;
    }
    if (url.pathname === '/ready') {
      const report: ReadyReport = options.ready
        ? await options.ready().catch((): ReadyReport => ({ ready: false, status: 'unready' }))
        : { ready: true, status: 'ok' };
      sendJson(res, report.ready ? 200 : 503, report);
      return;
    }
    if (url.pathname === '/metrics' && options.metrics) {
      const page = await options.metrics();
      res.statusCode = 200;
      res.setHeader('content-type', page.contentType);
      res.end(page.body);
      return;
    }
    if ((url.pathname === GRAPHQL_PATH || url.pathname === '/') && isBrowserVisit(req, url)) {
      sendBrowserDoor(res, options.browserHome);
      return;
    }
    for (const site of sites) if (await site(req, res, url)) return;
    const route = options.routes?.find((r) => (r.path.endsWith('/') ? url.pathname.startsWith(r.path) : url.pathname === r.path));
    if (url.pathname !== GRAPHQL_PATH && !route) {
      sendError(res, 404, 'NOT_FOUND', 'Not found', info.requestId);
      return;
    }
    if (!route && req.method !== 'GET' && req.method !== 'POST') {
      // Answered here rather than by Apollo, whose message names the server software.
      res.setHeader('allow', 'GET, POST');
      sendError(res, 405, 'METHOD_NOT_ALLOWED', `Method ${String(req.method).slice(0, 20)} not allowed: use GET or POST`, info.requestId);
      return;
    }
    try {
      if (route) await serveRoute(route, req, res, info);
      else await serveGraphQL(req, res, info);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof HttpError) {
        // The client may still be sending the rest of an oversized body: do not wait for it.
        if (error.status === 413) res.setHeader('connection', 'close');
        sendError(res, error.status, error.code, error.message, info.requestId);
      } else {
        options.onError?.(error, info.requestId);
        sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error', info.requestId);
      }
    }
  };

  const routes = new Set([GRAPHQL_PATH, '/health', '/ready', '/metrics', ...(options.routes ?? []).map((r) => r.path)]);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const info: RequestInfo = {
      requestId: acceptRequestId(req.headers[REQUEST_ID_HEADER]) ?? randomUUID(),
      trace: traceFrom(req.headers[TRACEPARENT_HEADER]),
    };
    // Whoever reads the headers from here on (context, logs) sees the ids the client gets back.
    req.headers[REQUEST_ID_HEADER] = info.requestId;
    res.setHeader(REQUEST_ID_HEADER, info.requestId);
    res.setHeader(TRACEPARENT_HEADER, traceparent(info.trace));
    if (options.onResponse) {
      const started = process.hrtime.bigint();
      const onResponse = options.onResponse;
      res.once('finish', () => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        onResponse({
          route: routes.has(path) ? path : 'other',
          status: res.statusCode,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
          requestId: info.requestId,
          traceId: info.trace.traceId,
        });
      });
    }
    await requestScope.run(info, () => handle(req, res, info));
  };
}

/** Starts listening; resolves with the server and its URL. */
export async function listen(handler: http.RequestListener, port: number, host: string): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = ['0.0.0.0', '::', '127.0.0.1'].includes(host) ? 'localhost' : host;
  return { server, url: `http://${shownHost}:${address.port}${GRAPHQL_PATH}` };
}
