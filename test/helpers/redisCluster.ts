import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisNode } from '../../shared/cache';
import { freePort, waitFor } from './cache';

/** One redis-server of a test cluster. */
export interface ClusterNodeProcess extends RedisNode {
  child: ChildProcess;
  dir: string;
}

/**
 * Whether `redis-server` and `redis-cli` are installed (the cluster suite starts its own servers).
 * Without them the suite is skipped with a notice, except in CI (`CI=true`), where it must run.
 */
export function redisClusterBinariesInstalled(): boolean {
  const found = ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!found && process.env.CI === 'true')
    throw new Error('CI=true but redis-server/redis-cli are not installed: the Redis Cluster suite needs them');
  if (!found) console.warn('\n[tests] redis-server or redis-cli is not installed: the Redis Cluster suite is skipped.\n');
  return found;
}

/** A node's answer to one command, on a connection of its own (not the cluster client under test). */
async function ask(node: RedisNode, ...args: string[]): Promise<string> {
  const redis = new Redis({
    host: node.host,
    port: node.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return String(await redis.call(args[0]!, ...args.slice(1)));
  } finally {
    redis.disconnect();
  }
}

/**
 * A Redis Cluster of the test's own on loopback: `masters` masters with one replica each, every
 * server on free ports (its client port and its cluster-bus port, both chosen at run time), no
 * persistence, data in a temporary directory, `cluster-node-timeout` 1 s so a failover takes ~2 s.
 * {@link stop} kills every server by PID and removes the directories; call it in afterAll even when
 * {@link start} failed.
 */
export class OwnRedisCluster {
  readonly nodes: ClusterNodeProcess[] = [];
  constructor(private readonly masters = 3) {}

  /** The cluster's nodes as REDIS_CLUSTER_NODES names them (the client discovers the rest: two suffice). */
  get seeds(): RedisNode[] {
    return this.nodes.slice(0, 2).map(({ host, port }) => ({ host, port }));
  }

  async start(): Promise<void> {
    // Should the test process end without its afterAll (a crash), no server outlives it.
    process.once('exit', () => {
      for (const n of this.nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    });
    for (let i = 0; i < this.masters * 2; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      const dir = mkdtempSync(join(tmpdir(), `lt-redis-cluster-${port}-`));
      // prettier-ignore
      const child = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPort),
        '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '1000', '--dir', dir,
        '--save', '', '--appendonly', 'no',
      ], { stdio: 'ignore' });
      this.nodes.push({ host: '127.0.0.1', port, child, dir });
    }
    for (const node of this.nodes) {
      await waitFor(async () => {
        if (node.child.exitCode !== null) throw new Error(`redis-server exited with code ${node.child.exitCode} on port ${node.port}`);
        return (await ask(node, 'PING').catch(() => '')) === 'PONG';
      }, 10_000);
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...this.nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await this.waitUntilOk(this.nodes);
    // A replica can take over only once it replicates its master (ROLE: slave … connected).
    await waitFor(
      async () => {
        const roles = await Promise.all(this.nodes.map((n) => ask(n, 'ROLE').catch(() => '')));
        return roles.filter((r) => r.startsWith('slave,') && r.includes(',connected,')).length === this.masters;
      },
      20_000,
      { intervalMs: 50 },
    );
  }

  /** Waits until every node in `nodes` reports `cluster_state:ok`; resolves with the milliseconds it took. */
  waitUntilOk(nodes: readonly RedisNode[] = this.alive(), timeoutMs = 20_000): Promise<number> {
    return waitFor(
      async () => {
        for (const node of nodes) if (!(await ask(node, 'CLUSTER', 'INFO').catch(() => '')).includes('cluster_state:ok')) return false;
        return true;
      },
      timeoutMs,
      { intervalMs: 50 },
    );
  }

  /** The servers still running. */
  alive(): ClusterNodeProcess[] {
    return this.nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
  }

  /** The node serving `slot` as master now, asked of a live node. */
  async masterOf(slot: number): Promise<ClusterNodeProcess> {
    const [from] = this.alive();
    const redis = new Redis({ host: from!.host, port: from!.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]]][];
      const range = ranges.find(([start, end]) => slot >= start && slot <= end);
      const node = this.nodes.find((n) => n.port === range?.[2][1]);
      if (!node) throw new Error(`no master serves slot ${slot}`);
      return node;
    } finally {
      redis.disconnect();
    }
  }

  /** The hash slot of `key` (CLUSTER KEYSLOT), asked of a live node. */
  async slotOf(key: string): Promise<number> {
    return Number(await ask(this.alive()[0]!, 'CLUSTER', 'KEYSLOT', key));
  }

  /** Kills a server with SIGKILL by its PID (a crash: no goodbye to the cluster). */
  async kill(node: ClusterNodeProcess): Promise<void> {
    if (node.child.exitCode !== null || node.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      node.child.once('exit', () => resolve());
      process.kill(node.child.pid!, 'SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n)));
    for (const n of this.nodes) rmSync(n.dir, { recursive: true, force: true });
  }
}
