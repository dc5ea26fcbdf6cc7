import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATIONS } from '../hub/operations';
import { lookupsBetween, readCacheCounters } from './cacheCounters';
import type { Dataset } from './dataset';
import type { Lifecycle, Progress } from './lifecycle';
import { runLoad, type LoadOptions, type LoadResult } from './load';
import type { BenchOptions } from './options';
import { askStats, settle, type ChildServer } from './processes';
import { MODE_LABEL, versusOff, type Mode, type Row, type Target } from './report';
import type { ServerStats } from './serverStats';
import type { GatewayEnv } from './setup';
import type { StatementCounting } from './statements';

/**
 * The bench's first part: the two heavy reference operations and a public one, through the
 * embedded gateway with caching off, cold and warm, then from a bare node:http server answering
 * the same bytes (the ceiling), and the targets these rows are held to.
 */

const TARGETS = { warmOverOff: 10, warmOfBare: 25 };

/** One operation to measure, and the variables each mode sends it with. */
export interface Scenario {
  name: keyof typeof OPERATIONS;
  /** Off and warm: this request, repeated. */
  repeated: { body: string; variables: string };
  /** Cold: each body once, in this order (none of them sent before in the gateway's life). */
  cold: { warmup: string[]; measured: string[]; variables: string };
}

/** What the cache modes are measured with. */
export interface CacheBench {
  options: BenchOptions;
  plan: Scenario[];
  /** A central officer's token and the purpose, sent with every request. */
  headers: Record<string, string>;
  gatewayEnv: GatewayEnv;
  counting: StatementCounting;
  lifecycle: Lifecycle;
  progress: Progress;
}

/** A warm gateway's answer to a scenario's repeated request, for the bare server to send back. */
export interface CapturedAnswer {
  body: string;
  contentType: string;
}

/** The rows of the cache modes, and what the bare server needs from them. */
export interface CacheModesResult {
  rows: Row[];
  /** Warm answers by scenario name (none when the cache part is skipped). */
  captured: Map<string, CapturedAnswer>;
  /** Whether the gateway reported cache counters in /health at least once. */
  countersSeen: boolean;
}

const requestBody = (name: keyof typeof OPERATIONS, variables: Record<string, string>) =>
  JSON.stringify({ query: OPERATIONS[name], variables });

/** The cache modes' scenarios on this data set: CommuneResidents, ProvinceLand and Units. */
export function cacheScenarios(dataset: Dataset): Scenario[] {
  const communes = dataset.communes.map((c) => c.code);
  const dense = dataset.communes[0];
  if (!dense) throw new Error('The data set has no residents');
  // Cold warm-up takes the sparsest communes (at most a quarter), the measurement the densest first:
  // no commune is ever requested twice.
  const tail = communes.splice(communes.length - Math.floor(communes.length / 4)).reverse();
  const provinces = ['01', ...dataset.provinces.filter((p) => p !== '01')];
  return [
    {
      name: 'CommuneResidents',
      repeated: {
        body: requestBody('CommuneResidents', { code: dense.code }),
        variables: `code ${dense.code} (${dense.residents} residents)`,
      },
      cold: {
        warmup: tail.map((code) => requestBody('CommuneResidents', { code })),
        measured: communes.map((code) => requestBody('CommuneResidents', { code })),
        variables: `a different commune per request, densest first (${communes.length} available; warm-up on the ${tail.length} sparsest)`,
      },
    },
    {
      name: 'ProvinceLand',
      repeated: { body: requestBody('ProvinceLand', { province: '01' }), variables: 'province 01' },
      cold: {
        warmup: [],
        measured: provinces.map((province) => requestBody('ProvinceLand', { province })),
        variables: `each of the ${provinces.length} provinces once, 01 first (no warm-up of its own)`,
      },
    },
    {
      // Public data: a warm hit needs no audit entry, so this row shows the cache's own cost.
      name: 'Units',
      repeated: { body: requestBody('Units', {}), variables: 'none (public data)' },
      cold: { warmup: [], measured: [requestBody('Units', {})], variables: 'the one request, first in the gateway’s life' },
    },
  ];
}

/** CPU the server used between two readings, as a percentage of one core over `seconds`. */
const cpuPercent = (before: ServerStats, after: ServerStats, seconds: number) => (after.cpuMicros - before.cpuMicros) / 1e4 / seconds;

async function postOnce(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, contentType: response.headers.get('content-type') ?? 'application/json', text: await response.text() };
}

/** autocannon on `url` with the bench's connections and headers. */
const load = (bench: CacheBench, url: string, options: Omit<LoadOptions, 'url' | 'connections' | 'headers'>): Promise<LoadResult> =>
  runLoad({ url, connections: bench.options.connections, headers: bench.headers, ...options });

/** Throws, with the answer, when a scenario's request gets no data: it would measure nothing. */
async function checkAnswers(bench: CacheBench, gateway: ChildServer): Promise<void> {
  for (const s of bench.plan) {
    const answer = await postOnce(gateway.url, s.repeated.body, bench.headers);
    if (answer.status !== 200 || !answer.text.startsWith('{"data"') || answer.text.includes('"errors":[')) {
      throw new Error(`${s.name} does not answer (${answer.status}): ${answer.text.slice(0, 500)}`);
    }
  }
}

/**
 * One row: warm-up (cold mode: on requests of its own, if any), then the measurement between two
 * settled readings of the SQL statement count, the server's CPU and the cache counters.
 */
async function measureScenario(
  bench: CacheBench,
  gateway: ChildServer,
  mode: Exclude<Mode, 'bare'>,
  s: Scenario,
): Promise<{ row: Row; countersSeen: boolean }> {
  const { options, counting, progress } = bench;
  const cold = mode === 'cold';
  if (options.warmupSeconds > 0 && (!cold || s.cold.warmup.length > 0)) {
    progress(`${s.name}, ${MODE_LABEL[mode]}: ${options.warmupSeconds} s warm-up`);
    const queue = [...s.cold.warmup];
    await load(
      bench,
      gateway.url,
      cold
        ? { durationSeconds: options.warmupSeconds, maxRequests: queue.length, body: () => queue.shift() ?? s.cold.warmup[0]! }
        : { durationSeconds: options.warmupSeconds, body: s.repeated.body },
    );
  }
  await settle(gateway);
  const cacheBefore = await readCacheCounters(gateway.url);
  const sqlBefore = await counting.read(gateway);
  const statsBefore = await askStats(gateway);
  progress(
    `${s.name}, ${MODE_LABEL[mode]}: measuring ${options.durationSeconds} s` +
      (cold ? ` at most, one pass over up to ${s.cold.measured.length} distinct requests` : ''),
  );
  const queue = [...s.cold.measured];
  const result = await load(
    bench,
    gateway.url,
    cold
      ? { durationSeconds: options.durationSeconds, maxRequests: queue.length, body: () => queue.shift() ?? s.cold.measured[0]! }
      : { durationSeconds: options.durationSeconds, body: s.repeated.body },
  );
  await settle(gateway);
  const sqlAfter = await counting.read(gateway);
  const statsAfter = await askStats(gateway);
  const cacheAfter = await readCacheCounters(gateway.url);
  const row: Row = {
    scenario: s.name,
    mode,
    variables: cold ? s.cold.variables : s.repeated.variables,
    load: result,
    sqlPerRequest: result.sent > 0 ? (sqlAfter - sqlBefore) / result.sent : null,
    cache: lookupsBetween(cacheBefore, cacheAfter),
    serverCpuPercent: cpuPercent(statsBefore, statsAfter, result.seconds),
  };
  progress(
    `${s.name}, ${MODE_LABEL[mode]}: ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.latencyMs.p50} ms, ` +
      `p99 ${result.latencyMs.p99} ms, ${row.sqlPerRequest?.toFixed(2) ?? '?'} SQL/req` +
      (result.errors + result.non2xx + result.mismatches > 0
        ? ` — ${result.errors} errors, ${result.non2xx} non-2xx, ${result.mismatches} GraphQL errors`
        : ''),
  );
  return { row, countersSeen: cacheAfter !== null };
}

/**
 * Every scenario in one mode, on a fresh gateway process (caching off first checks that each
 * request answers); the warm mode also captures each answer for the bare server. On failure the
 * gateway's last lines of output are printed.
 */
async function measureMode(bench: CacheBench, mode: Exclude<Mode, 'bare'>, into: CacheModesResult): Promise<void> {
  bench.progress(`gateway, ${MODE_LABEL[mode]} (CACHE_ENABLED=${mode === 'off' ? 'false' : 'true'}): starting`);
  const gateway = await bench.lifecycle.start('bench/gatewayProcess.ts', bench.gatewayEnv(mode));
  try {
    // Requests that do not answer would measure nothing: check once, where it warms no cache.
    if (mode === 'off') await checkAnswers(bench, gateway);
    for (const s of bench.plan) {
      const { row, countersSeen } = await measureScenario(bench, gateway, mode, s);
      into.countersSeen ||= countersSeen;
      into.rows.push(row);
      if (mode === 'warm') {
        const answer = await postOnce(gateway.url, s.repeated.body, bench.headers);
        into.captured.set(s.name, { body: answer.text, contentType: answer.contentType });
      }
    }
  } catch (error) {
    console.error(`gateway output (last lines):\n${gateway.output().split('\n').slice(-30).join('\n')}`);
    throw error;
  } finally {
    await bench.lifecycle.stop(gateway);
  }
}

/** The gateway with caching off, cold, then warm (nothing with `--skip cache`). */
export async function measureCacheModes(bench: CacheBench): Promise<CacheModesResult> {
  const result: CacheModesResult = { rows: [], captured: new Map(), countersSeen: false };
  for (const mode of bench.options.skip.has('cache') ? [] : (['off', 'cold', 'warm'] as const)) {
    await measureMode(bench, mode, result);
  }
  return result;
}

/**
 * The ceiling: each scenario's warm answer sent back by a bare node:http server (its own process)
 * that does nothing else, measured the same way. Returns its rows (none with `--skip cache`).
 */
export async function measureBareServer(bench: CacheBench, captured: Map<string, CapturedAnswer>): Promise<Row[]> {
  const { options, lifecycle, progress } = bench;
  const rows: Row[] = [];
  const bodyDir = mkdtempSync(join(tmpdir(), 'lien-thong-bench-bodies-'));
  lifecycle.onStop(() => rmSync(bodyDir, { recursive: true, force: true }));
  for (const s of options.skip.has('cache') ? [] : bench.plan) {
    const capture = captured.get(s.name)!;
    const bodyFile = join(bodyDir, `${s.name}.json`);
    writeFileSync(bodyFile, capture.body);
    progress(`${s.name}, bare node:http (${Buffer.byteLength(capture.body).toLocaleString('en-US')} bytes): starting`);
    const bare = await lifecycle.start('bench/bareServer.ts', { BENCH_BODY_FILE: bodyFile, BENCH_CONTENT_TYPE: capture.contentType });
    try {
      if (options.warmupSeconds > 0) await load(bench, bare.url, { durationSeconds: options.warmupSeconds, body: s.repeated.body });
      progress(`${s.name}, bare node:http: measuring ${options.durationSeconds} s`);
      const statsBefore = await askStats(bare);
      const result = await load(bench, bare.url, { durationSeconds: options.durationSeconds, body: s.repeated.body });
      const statsAfter = await askStats(bare);
      rows.push({
        scenario: s.name,
        mode: 'bare',
        variables: s.repeated.variables,
        load: result,
        sqlPerRequest: null,
        cache: null,
        serverCpuPercent: cpuPercent(statsBefore, statsAfter, result.seconds),
      });
      progress(`${s.name}, bare node:http: ${result.requestsPerSecond.toFixed(1)} req/s`);
    } finally {
      await lifecycle.stop(bare);
    }
  }
  return rows;
}

/** The cache modes' targets: warm ÷ caching off for CommuneResidents, and each warm row as a share of the bare server. */
export function cacheTargets(rows: Row[], plan: Scenario[]): Target[] {
  const rowOf = (scenario: string, mode: Mode) => rows.find((r) => r.scenario === scenario && r.mode === mode);
  const target = (label: string, value: number | null, unit: '×' | '%', threshold: number): Target => ({
    label,
    value,
    unit,
    threshold,
    pass: value === null ? null : value >= threshold,
  });
  const warmOfBare = (scenario: string) => {
    const warm = rowOf(scenario, 'warm');
    const bare = rowOf(scenario, 'bare');
    return warm && bare && bare.load.requestsPerSecond > 0 ? (100 * warm.load.requestsPerSecond) / bare.load.requestsPerSecond : null;
  };
  const communeWarm = rowOf('CommuneResidents', 'warm');
  return [
    target('CommuneResidents warm / caching off', communeWarm ? versusOff(rows, communeWarm) : null, '×', TARGETS.warmOverOff),
    ...plan.map((s) => target(`${s.name} warm throughput as a share of bare node:http`, warmOfBare(s.name), '%', TARGETS.warmOfBare)),
  ];
}
