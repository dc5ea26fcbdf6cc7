import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

export interface HttpOptions<C extends BaseContext> {
  /** Builds the per-request context (per-request loaders live here); `body` is the parsed request body. */
  context: (req: IncomingMessage, body: unknown) => Promise<C>;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes?: number;
  /** `/health` answers 200 while this resolves true. */
  health?: () => Promise<boolean>;
}

const GRAPHQL_PATH = '/graphql';

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error('Request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/**
 * Serves an Apollo Server over plain `node:http`: `/graphql` (GET and POST) and `/health`.
 * Request errors (bad JSON, oversized body) get a GraphQL-shaped JSON error with a stable code.
 */
export function createHttpHandler<C extends BaseContext>(server: ApolloServer<C>, options: HttpOptions<C>) {
  const maxBody = options.maxBodyBytes ?? 1_000_000;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      const ok = options.health ? await options.health().catch(() => false) : true;
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
      return;
    }
    if (url.pathname !== GRAPHQL_PATH) {
      sendJson(res, 404, { errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
      return;
    }
    try {
      let body: unknown;
      if (req.method === 'POST') {
        const text = await readBody(req, maxBody);
        const type = req.headers['content-type'] ?? '';
        if (type.includes('json')) {
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
            return;
          }
        } else {
          body = text;
        }
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
        context: () => options.context(req, body),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 413) {
        sendJson(res, 413, {
          errors: [{ message: `Request body larger than ${maxBody} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
        });
      } else if (!res.headersSent) {
        sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      } else {
        res.destroy();
      }
    }
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
