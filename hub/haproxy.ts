import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from './processes';

/**
 * A local HAProxy in front of gateway processes, for test/load-balancer.test.ts and the bench's
 * scale part (bench/scale.ts): the same configuration file docker-compose.yml ships.
 */

/** Debian's HAProxy (`HAPROXY_BIN` overrides it); `.ci/run` installs it when missing. */
export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

/** The load balancer's configuration that docker-compose.yml ships; the test and the bench run this very file. */
export const HAPROXY_CONFIG = join(REPO_ROOT, 'deploy', 'haproxy.cfg');

/** One server's state as the stats page reports it (`UP`, `DOWN`, `NOLB`, `MAINT`…, with transitions as `UP 1/2`). */
export type ServerStates = Record<string, { status: string; requests: number }>;

export interface RunningHaproxy {
  /** The GraphQL endpoint through the load balancer. */
  url: string;
  pid: number;
  /** The backend's servers by name, from the stats page's CSV. */
  servers(): Promise<ServerStates>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs deploy/haproxy.cfg in the foreground on free loopback ports, its `gateways` backend on
 * `gateways` (the addresses of gateway-1, gateway-2 …), and resolves once its stats page answers.
 */
export async function startHaproxy(gateways: readonly string[]): Promise<RunningHaproxy> {
  const [lb, stats] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    LB_BIND: `127.0.0.1:${lb}`,
    LB_STATS_BIND: `127.0.0.1:${stats}`,
    // Within an unprivileged process's file-descriptor limit.
    LB_MAXCONN: '1000',
    ...Object.fromEntries(gateways.map((address, i) => [`GATEWAY_${i + 1}`, address])),
  };
  const child: ChildProcess = spawn(HAPROXY_BIN, ['-db', '-f', HAPROXY_CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  const servers = async (): Promise<ServerStates> => {
    const csv = await (await fetch(`http://127.0.0.1:${stats}/stats;csv`, { signal: AbortSignal.timeout(2_000) })).text();
    const [header, ...rows] = csv.split('\n').filter(Boolean);
    const columns = header!.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    const states: ServerStates = {};
    for (const row of rows.map((r) => r.split(','))) {
      if (row[at('pxname')] !== 'gateways' || ['FRONTEND', 'BACKEND'].includes(row[at('svname')]!)) continue;
      states[row[at('svname')]!] = { status: row[at('status')]!, requests: Number(row[at('stot')]) };
    }
    return states;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with code ${child.exitCode}:\n${output}`);
    try {
      await servers();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`haproxy's stats page did not answer within 10 s: ${String(error)}\n${output}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { url: `http://127.0.0.1:${lb}/graphql`, pid: child.pid!, servers, output: () => output, stop };
}
