import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerStats } from './serverStats';
import { buildHub, GATEWAY_NODE_FLAGS, ROOTS } from '../tools/build';

const ROOT = join(__dirname, '..');
/** tsx as a loader of this very process (not its CLI, which would put a process between us and the IPC channel). */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;
const READY = /ready at (http:\/\/[^\s"]+)/;

/** The build the gateways and subgraphs run from once {@link useBuild} made it; until then the TypeScript through tsx. */
let build: string | null = null;
/**
 * What runs from the build: what the image runs — the gateway (here `bench/gatewayProcess.ts`, the
 * gateway plus the bench's counters) and the subgraphs — and the bare node:http server they are
 * compared with. Hive Gateway (an ESM package) stays on tsx.
 */
const RUNS_BUILT = /^(bench\/(gatewayProcess|bareServer)|subgraphs\/[^/]+\/index)\.ts$/;

/**
 * Builds the hub (tools/build.ts, with the bench's gateway entry) into `.data/bench-build` and runs
 * the gateways and subgraphs started afterwards from it on plain Node, as the image does: tsx holds
 * the source maps of every package (tens of MB of RSS) and compiles at start. Returns the module count.
 */
export async function useBuild(): Promise<number> {
  const out = join(ROOT, '.data', 'bench-build');
  const { modules } = await buildHub(ROOT, out, [...ROOTS, 'bench']);
  build = out;
  return modules;
}
/** What a subgraph process (subgraphs/<name>/index.ts) logs once it listens. */
export const SUBGRAPH_READY = /"url":"(http:\/\/[^"]+)","msg":"subgraph ready"/;
const KEEP_OUTPUT = 64 * 1024;

/** A server the bench started as a child process (the gateway, or the bare baseline). */
export interface ChildServer {
  /** Its GraphQL endpoint, on 127.0.0.1. */
  url: string;
  process: ChildProcess;
  /** The last 64 kB it wrote (stdout and stderr), for error reports. */
  output(): string;
  /** SIGTERM (graceful stop), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/**
 * Runs `entry` (a .ts file of this repository) on Node with tsx's loader, or its build (see
 * {@link useBuild}), with an IPC channel and the
 * environment given; resolves once it prints "ready at http://…" (or matches `ready`, whose first
 * group is the URL: a subgraph logs `"url":"…","msg":"subgraph ready"`). The printed host is replaced by
 * 127.0.0.1 (the servers bind there; "localhost" may resolve to ::1 first).
 */
export function startServer(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 180_000,
  readyLine = READY,
  /** Flags for Node itself (`--cpu-prof`, which NODE_OPTIONS does not take). */
  nodeArgs: readonly string[] = [],
): Promise<ChildServer> {
  const code = build && RUNS_BUILT.test(entry) ? [join(build, entry.replace(/\.ts$/, '.js'))] : ['--import', TSX_LOADER, join(ROOT, entry)];
  // A gateway runs with the image's flags for Node.
  if (entry === 'bench/gatewayProcess.ts') code.unshift(...GATEWAY_NODE_FLAGS);
  const child = spawn(process.execPath, [...nodeArgs, ...code], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const record = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEEP_OUTPUT);
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${entry} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${signal ?? `code ${code}`}) before it was ready:\n${output}`));
    };
    child.once('exit', onExit);
    child.stderr!.on('data', record);
    child.stdout!.on('data', (chunk: Buffer) => {
      record(chunk);
      const match = readyLine.exec(output);
      if (ready || !match?.[1]) return;
      ready = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      const url = match[1].replace('//localhost:', '//127.0.0.1:');
      resolve({ url, process: child, output: () => output, stop });
    });
  });
}

/** CPU time and statement count of a server started from bench/gatewayProcess.ts or bench/bareServer.ts, asked over IPC. */
export function askStats(server: ChildServer, timeoutMs = 5_000): Promise<ServerStats> {
  const child = server.process;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`${server.url}: no answer to 'stats' within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      if (typeof message !== 'object' || message === null || !('cpuMicros' in message)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as ServerStats);
    };
    child.on('message', onMessage);
    child.send('stats');
  });
}

/** Bytes in whole megabytes (MiB), as the bench prints memory. */
export const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

/** Sends `message` to a server the bench started over IPC and waits for its answer carrying `key`. */
export function ask(server: ChildServer, message: object, key: string, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (answer: unknown) => {
      if (typeof answer !== 'object' || answer === null || !(key in answer)) return;
      clearTimeout(timer);
      server.process.off('message', onMessage);
      resolve(answer);
    };
    const timer = setTimeout(() => {
      server.process.off('message', onMessage);
      reject(new Error(`${server.url}: no '${key}' answer within ${timeoutMs} ms`));
    }, timeoutMs);
    server.process.on('message', onMessage);
    server.process.send(message);
  });
}

/** How long the gateway's statement count must stay still before a measurement starts or ends. */
const SETTLED_MS = 500;

/** Resolves once the gateway has sent no SQL for {@link SETTLED_MS}: in-flight requests are done. */
export async function settle(gateway: ChildServer): Promise<void> {
  const deadline = Date.now() + 15_000;
  const statements = async () => (await askStats(gateway)).statements;
  let last = await statements();
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await statements();
    if (now !== last) {
      last = now;
      stillSince = Date.now();
    } else if (Date.now() - stillSince >= SETTLED_MS) return;
  }
}
