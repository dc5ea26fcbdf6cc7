import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { shutdown } from '../http/gracefulShutdown';
import { createLogger } from '../observability/logger';
import { createReadiness } from '../observability/readiness';

/** A client that keeps its connections alive, as a load balancer does. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
afterAll(() => agent.destroy());

/** GET `path` (on the kept-alive connection when there is one): status and Connection header, or the socket error's code. */
function get(port: number, path: string): Promise<{ status: number; connection: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

describe('graceful shutdown with a drain (a load balancer in front)', () => {
  test('for drainMs /ready answers 503 while requests are still served, each closing its connection; then the listener closes', async () => {
    const readiness = createReadiness({});
    readiness.started();
    const server = http.createServer((req, res) => {
      if (req.url === '/ready') {
        void readiness.check().then((report) => res.writeHead(report.ready ? 200 : 503).end());
        return;
      }
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect(await get(port, '/ready')).toEqual({ status: 200, connection: 'keep-alive' });
    const started = Date.now();
    const stopped = shutdown({
      http: server,
      apollo: { stop: async () => undefined },
      log: createLogger('shutdown-test', 'silent'),
      drain: readiness.drain,
      drainMs: 400,
    });
    expect(await get(port, '/ready')).toEqual({ status: 503, connection: 'close' });
    expect(await get(port, '/graphql')).toEqual({ status: 200, connection: 'close' });
    await stopped;
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(await get(port, '/graphql')).toEqual({ error: 'ECONNREFUSED' });
  });
});
