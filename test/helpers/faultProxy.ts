import { connect, createServer, type Server, type Socket } from 'node:net';

/** What a {@link FaultProxy} does with connections. */
export type ProxyMode = 'forward' | 'hold' | 'refuse';

/** One client connection and, once forwarded, its upstream. */
interface Link {
  client: Socket;
  upstream: Socket | null;
  /** Bytes received from the client while held, sent upstream on release. */
  pending: Buffer[];
  held: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a server (a subgraph, PostgreSQL), to make it fail on demand
 * without touching it:
 * - `forward`: passes bytes both ways (what held connections sent meanwhile goes on now);
 * - `hold`: what clients send from now on is held, unanswered — on new connections and on open
 *   keep-alive ones alike (a server that hangs);
 * - `refuse`: stops listening and cuts every open connection (a server that is down).
 * The port stays the same across modes.
 */
export class FaultProxy {
  private server: Server | null = null;
  private readonly links = new Set<Link>();
  private mode: ProxyMode = 'forward';
  /** Connections that had bytes held so far (a test waits for its request to be held). */
  heldCount = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    public port: number,
  ) {}

  /** A proxy to `target` (`host:port`, or a URL whose host and port are taken), forwarding. */
  static async start(target: string): Promise<FaultProxy> {
    const url = new URL(target.includes('://') ? target : `tcp://${target}`);
    const proxy = new FaultProxy(url.hostname, Number(url.port), 0);
    await proxy.listen();
    return proxy;
  }

  /** `url` with its host and port replaced by this proxy's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    const link: Link = { client, upstream: null, pending: [], held: false };
    this.links.add(link);
    const drop = () => {
      this.links.delete(link);
      client.destroy();
      link.upstream?.destroy();
    };
    client.on('error', drop);
    client.once('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (this.mode === 'hold' || !link.upstream) {
        link.pending.push(chunk);
        if (this.mode === 'hold' && !link.held) {
          link.held = true;
          this.heldCount += 1;
        }
        if (this.mode === 'forward') this.release(link);
        return;
      }
      link.upstream.write(chunk);
    });
    if (this.mode === 'forward') this.release(link);
  }

  /** Connects the link upstream if it is not yet, and sends what it held. */
  private release(link: Link): void {
    link.held = false;
    if (!link.upstream) {
      const upstream = connect({ host: this.targetHost, port: this.targetPort });
      link.upstream = upstream;
      upstream.on('data', (chunk: Buffer) => link.client.write(chunk));
      upstream.on('error', () => link.client.destroy());
      upstream.once('close', () => link.client.destroy());
    }
    for (const chunk of link.pending.splice(0)) link.upstream.write(chunk);
  }

  async set(mode: ProxyMode): Promise<void> {
    const previous = this.mode;
    this.mode = mode;
    if (mode === 'refuse') {
      const server = this.server;
      this.server = null;
      for (const link of this.links) {
        link.client.destroy();
        link.upstream?.destroy();
      }
      this.links.clear();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      return;
    }
    if (previous === 'refuse') await this.listen();
    if (mode === 'forward') for (const link of this.links) this.release(link);
  }

  async close(): Promise<void> {
    await this.set('refuse');
  }
}
