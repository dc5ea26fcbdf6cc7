import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { releaseRequestParser } from '../http/eventStream';

/** One open event stream as the server sees it. */
interface Stream {
  req: IncomingMessage;
  res: ServerResponse;
  released: boolean;
  closed: Promise<unknown>;
}

/**
 * A server answering every request as an event stream: the body read whole, the head sent, then the
 * parser released (as gateway/live.ts does), unless the request asks to keep it (`?keep`).
 */
async function streamServer() {
  const streams: Stream[] = [];
  const waiting: ((s: Stream) => void)[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      const released = req.url?.includes('keep') ? false : releaseRequestParser(req, res);
      const stream = { req, res, released, closed: once(res, 'close') };
      streams.push(stream);
      waiting.shift()?.(stream);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    next: () => new Promise<Stream>((resolve) => waiting.push(resolve)),
    connections: () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n))),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A raw client: the request written by hand, what comes back collected. */
async function rawClient(port: number, request: string) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  const ended = once(socket, 'close');
  socket.write(request);
  return { socket, received: () => received, ended };
}

const POST = (path = '/stream') => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}`;

async function until(condition: () => boolean | Promise<boolean>) {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('releasing the request parser of an event stream (shared/http/eventStream.ts)', () => {
  let server: Awaited<ReturnType<typeof streamServer>>;
  let clients: Socket[];
  /** A plain server whose handler does not read the body: a request still arriving. */
  let partial: http.Server;
  beforeEach(async () => {
    server = await streamServer();
    clients = [];
    partial = http.createServer();
    partial.listen(0, '127.0.0.1');
    await once(partial, 'listening');
  });
  afterEach(async () => {
    for (const c of clients) c.destroy();
    await server.close();
    partial.closeAllConnections();
    partial.close();
  });

  const open = async (request = POST()) => {
    const stream = server.next();
    const client = await rawClient(server.port, request);
    clients.push(client.socket);
    return { client, stream: await stream };
  };

  it('frees the parser, and events still reach the client', async () => {
    const { client, stream } = await open();
    expect(stream.released).toBe(true);
    expect((stream.req.socket as Socket & { parser?: unknown }).parser).toBeNull();
    stream.res.write('data: one\n\n');
    stream.res.write('data: two\n\n');
    await until(() => client.received().includes('data: two'));
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*data: one\n\n[\s\S]*data: two\n\n/);
  });

  it('keeps the parser of a stream that was not released (the control)', async () => {
    const { stream } = await open(POST('/stream?keep'));
    expect(stream.released).toBe(false);
    expect((stream.req.socket as Socket & { parser?: unknown }).parser).not.toBeNull();
  });

  it('a client that goes away closes the response', async () => {
    const { client, stream } = await open();
    client.socket.destroy();
    await stream.closed;
    await until(async () => (await server.connections()) === 0);
  });

  it('a client that half-closes its side closes the connection', async () => {
    const { client, stream } = await open();
    client.socket.end();
    await stream.closed;
    await client.ended;
  });

  it('the server ending the stream closes the connection after the last event', async () => {
    const { client, stream } = await open();
    stream.res.end('data: last\n\n');
    await client.ended;
    expect(client.received()).toContain('data: last\n\n');
    expect(client.received()).toMatch(/0\r\n\r\n$/);
    await until(async () => (await server.connections()) === 0);
  });

  it('the server ending the stream closes its connection even when the client keeps its own side open', async () => {
    const stream = server.next();
    const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    clients.push(socket);
    await once(socket, 'connect');
    socket.resume();
    socket.write(POST());
    const { res } = await stream;
    res.end('data: last\n\n');
    // Not ended by the client: a server waiting for the client's end would count it for ever.
    await until(async () => (await server.connections()) === 0);
    expect(socket.destroyed).toBe(false);
  });

  it('a second request on the connection (which no endless stream could answer) closes it', async () => {
    const { client, stream } = await open();
    client.socket.write('GET /other HTTP/1.1\r\nHost: x\r\n\r\n');
    await stream.closed;
    await client.ended;
    expect(client.received()).not.toContain('/other');
  });

  it('changes nothing when the request is not read whole', async () => {
    const arrived = new Promise<{ req: IncomingMessage; res: ServerResponse }>((resolve) =>
      partial.once('request', (req, res) => resolve({ req, res })),
    );
    const client = connect((partial.address() as AddressInfo).port, '127.0.0.1');
    clients.push(client);
    client.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"partial');
    const { req, res } = await arrived;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    expect(releaseRequestParser(req, res)).toBe(false);
    expect((req.socket as Socket & { parser?: unknown }).parser).not.toBeNull();
  });
});
