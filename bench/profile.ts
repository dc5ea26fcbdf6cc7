import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createLifecycle, progressPrinter } from './lifecycle';
import { ask, askStats, useBuild } from './processes';
import { COMMUNE_RANKING, PROVINCE_RANKING, SCORECARD } from './services';
import { gatewayEnvironment, prepareAuth } from './setup';

/**
 * A CPU profile of the gateway serving one operation uncached, one request at a time, and where its
 * time goes: `tsx bench/profile.ts [--database URL] [--read communes|provinces|scorecard]
 * [--province 79] [--commune 26734] [--requests 2000] [--warmup 300] [--out DIR]`, or
 * `--summarise FILE` for a profile made before.
 *
 * The gateway runs as the bench runs it (bench/gatewayProcess.ts, embedded on PostgreSQL,
 * production settings, caching off) with Node's `--cpu-prof`; after the warm-up, `--requests`
 * requests are sent back to back by one reader and their latency printed (p50, p99). The profile is
 * written when the gateway stops (DIR/*.cpuprofile, readable in Chrome's DevTools), and summarised:
 * self time by function and by package, garbage collection's share.
 */

const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/lienthong_bench_services_10m' },
    read: { type: 'string', default: 'communes' },
    province: { type: 'string', default: '79' },
    commune: { type: 'string' },
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    out: { type: 'string', default: join(__dirname, '..', 'bench-results', 'profiles') },
    top: { type: 'string', default: '30' },
    /** Only the latency and CPU per request, without the profiler (whose sampling costs a little). */
    'no-profile': { type: 'boolean', default: false },
    /** Summarise this profile instead of making one. */
    summarise: { type: 'string' },
  },
});

const PERIOD = { kind: 'YEAR', year: 2025, index: 1 };
const READS: Record<string, () => { query: string; variables: Record<string, unknown> }> = {
  communes: () => ({ query: COMMUNE_RANKING, variables: { province: values.province, period: PERIOD } }),
  provinces: () => ({ query: PROVINCE_RANKING, variables: { period: PERIOD } }),
  scorecard: () => ({ query: SCORECARD, variables: { code: values.commune ?? '26734', period: PERIOD } }),
};

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a script belongs: a package of node_modules, Node itself, or this repository's folder. */
function packageOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const root = join(__dirname, '..');
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(root) ? `ours: ${relative(root, path).split('/')[0]}` : path;
}

/** The name of a frame: function, package, file and line. */
function frameName(frame: ProfileNode['callFrame']): string {
  const where = frame.url ? `${packageOf(frame.url)} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

/** Self time by package and by function, inclusive time by function, in % of busy time; GC's share. */
function summarise(profile: Profile, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const frame = byId.get(id)!.callFrame;
    const name = frameName(frame);
    self.set(name, (self.get(name) ?? 0) + micros);
    const pkg = frame.url ? packageOf(frame.url) : frame.functionName;
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = frameName(byId.get(at)!.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
    }
  });
  const idle = self.get('(idle)') ?? 0;
  const busy = total - idle;
  const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)}%`;
  const lines = [
    `${profile.samples.length} samples over ${(total / 1e6).toFixed(2)} s: busy ${(busy / 1e6).toFixed(2)} s (percentages below are of busy time)`,
    `garbage collector: ${pct(self.get('(garbage collector)') ?? 0)}`,
    '',
    'self time by package:',
  ];
  const sorted = (map: Map<string, number>) => [...map].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]);
  for (const [name, micros] of sorted(packages).slice(0, 20)) lines.push(`  ${pct(micros)}  ${name}`);
  lines.push('', `self time by function (top ${top}):`);
  for (const [name, micros] of sorted(self).slice(0, top)) lines.push(`  ${pct(micros)}  ${name}`);
  lines.push('', `inclusive time by function (top ${2 * top}):`);
  for (const [name, micros] of sorted(inclusive).slice(0, 2 * top)) lines.push(`  ${pct(micros)}  ${name}`);
  return lines;
}

async function main(): Promise<void> {
  if (values.summarise) {
    for (const line of summarise(JSON.parse(readFileSync(values.summarise, 'utf8')) as Profile, Number(values.top))) console.log(line);
    return;
  }
  const progress = progressPrinter(Date.now());
  const lifecycle = createLifecycle();
  const read = READS[values.read!];
  if (!read) throw new Error(`--read takes ${Object.keys(READS).join(', ')}`);
  const out = join(values.out!, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(out, { recursive: true });
  try {
    progress(`built the hub (${await useBuild()} modules): the gateway runs it on plain Node, as the image does`);
    const auth = await prepareAuth(lifecycle);
    const env = gatewayEnvironment(
      { databaseUrl: values.database!, redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379', cachePrefix: 'ltprofile:' },
      auth,
    )('off');
    const gateway = await lifecycle.start('bench/gatewayProcess.ts', env);
    const { query, variables } = read();
    const body = JSON.stringify({ query, variables });
    const send = async () => {
      const started = performance.now();
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth.headers },
        body,
      });
      const text = await response.text();
      if (!text.startsWith('{"data"') || text.includes('"errors":[')) throw new Error(`unexpected answer: ${text.slice(0, 300)}`);
      return { ms: performance.now() - started, bytes: text.length };
    };
    const first = await send();
    progress(`${values.read}: answers ${first.bytes} bytes; warming up (${values.warmup} requests)`);
    for (let i = 0; i < Number(values.warmup); i++) await send();
    const file = join(out, `${values.read}.cpuprofile`);
    const profiling = !values['no-profile'];
    if (profiling) await ask(gateway, { profile: 'start' }, 'profiling');
    const cpu = await askStats(gateway);
    const latencies: number[] = [];
    for (let i = 0; i < Number(values.requests); i++) latencies.push((await send()).ms);
    const cpuAfter = await askStats(gateway);
    if (profiling) await ask(gateway, { profile: 'stop', file }, 'profiled');
    const cpuMs = (cpuAfter.cpuMicros - cpu.cpuMicros) / 1000 / latencies.length;
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
    progress(
      `${latencies.length} requests, one reader: p50 ${at(50).toFixed(1)} ms, p90 ${at(90).toFixed(1)} ms, p99 ${at(99).toFixed(1)} ms, max ${at(100).toFixed(1)} ms; gateway CPU ${cpuMs.toFixed(2)} ms per request`,
    );
    await lifecycle.stop(gateway);
  } finally {
    await lifecycle.stopAll();
  }
  if (values['no-profile']) return;
  const file = join(out, `${values.read}.cpuprofile`);
  console.log(`\nprofile: ${file}\n`);
  for (const line of summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(values.top))) console.log(line);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
