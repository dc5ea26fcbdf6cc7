import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { JWK } from 'jose';
import { Client } from 'pg';
import { mintDevToken } from '../gateway/tokens';
import { loadConfig } from '../shared/config';
import { writeKeyFiles } from '../shared/auth/keys';
import { OPERATIONS } from '../test/helpers/operations';
import { lookupsBetween, readCacheCounters } from './cacheCounters';
import { ensureDatabase, prepareDataset, type Dataset } from './dataset';
import { runLoad, type LoadOptions } from './load';
import { askStats, startServer, type ChildServer } from './processes';
import { MODE_LABEL, renderMarkdown, versusOff, type Mode, type Report, type Row, type Target } from './report';
import type { ServerStats } from './serverStats';
import { runLargeDataset, runLoadTests, runScenarios, type ScenarioContext } from './scenarios';
import { scenarioChart } from './chart';
import { statementCounting, type StatementCounting } from './statements';

const HELP = `npm run bench -- [--residents N] [--duration S] [--warmup S] [--connections C] [--seed S]
                    [--load-duration S] [--load-connections C] [--skip cache,scenarios,load] [--large N]

Seeds (or reuses) a PostgreSQL data set of N residents (default 100000), then drives the gateway
(embedded mode, production settings) with autocannon in three modes — caching off, cold, warm —
and a bare node:http server answering the same bytes; then uncached scenarios (resident and
legacy-code lookups, page sizes, a mixed workload of every persona) on one process, on separate
processes and on a subgraph directly; then the load test (100 connections for 60 s, mixed workload,
on the embedded PGlite default and on PostgreSQL); prints the tables and writes them to
bench-results/<timestamp>.json, .md and .svg (a chart of the scenarios). --skip leaves parts out; --large N measures the lookups
again on a second database of N residents (<DATABASE_URL>_large, seeded once: 1,000,000 takes
about a minute and a half). Environment: DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/lienthong_bench, created if missing), REDIS_URL (default
redis://127.0.0.1:6379). See bench/README.md.`;

const ROOT = join(__dirname, '..');
const PURPOSE = 'BENCH-2026-0001';
const TARGETS = { warmOverOff: 10, warmOfBare: 25 };
/** How long the gateway's statement count must stay still before a measurement starts or ends. */
const SETTLED_MS = 500;

interface Args {
  residents: number;
  seed: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  loadSeconds: number;
  loadConnections: number;
  skip: Set<'cache' | 'scenarios' | 'load'>;
  large: number | null;
}

function parseCommandLine(argv: string[]): Args | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      residents: { type: 'string' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'load-duration': { type: 'string' },
      'load-connections': { type: 'string' },
      skip: { type: 'string' },
      large: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;
  const int = (name: keyof typeof values, fallback: number, min: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${String(raw)}"`);
    return n;
  };
  return {
    residents: int('residents', 100_000, 1),
    seed: int('seed', 1, 0),
    durationSeconds: int('duration', 10, 1),
    warmupSeconds: int('warmup', 2, 0),
    connections: int('connections', 10, 1),
    loadSeconds: int('load-duration', 60, 1),
    loadConnections: int('load-connections', 100, 1),
    large: values.large === undefined ? null : int('large', 1_000_000, 1),
    skip: new Set(
      (values.skip ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p) => {
          if (p !== 'cache' && p !== 'scenarios' && p !== 'load') throw new Error(`--skip takes cache, scenarios, load; got "${p}"`);
          return p;
        }),
    ),
  };
}

const began = Date.now();
const progress = (message: string) => console.log(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${message}`);

/** One operation to measure, and the variables each mode sends it with. */
interface Scenario {
  name: keyof typeof OPERATIONS;
  /** Off and warm: this request, repeated. */
  repeated: { body: string; variables: string };
  /** Cold: each body once, in this order (none of them sent before in the gateway's life). */
  cold: { warmup: string[]; measured: string[]; variables: string };
}

const requestBody = (name: keyof typeof OPERATIONS, variables: Record<string, string>) =>
  JSON.stringify({ query: OPERATIONS[name], variables });

function scenarios(dataset: Dataset): Scenario[] {
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

/** Resolves once the gateway has sent no SQL for {@link SETTLED_MS}: in-flight requests are done. */
async function settle(gateway: ChildServer): Promise<void> {
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

/** CPU the server used between two readings, as a percentage of one core over `seconds`. */
const cpuPercent = (before: ServerStats, after: ServerStats, seconds: number) => (after.cpuMicros - before.cpuMicros) / 1e4 / seconds;

async function postOnce(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, contentType: response.headers.get('content-type') ?? 'application/json', text: await response.text() };
}

/** Stops everything started, also on Ctrl-C. */
const running = new Set<ChildServer>();
const cleanups: (() => void | Promise<void>)[] = [];
async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
  running.clear();
  for (const cleanup of cleanups.splice(0)) await cleanup();
}

/** Unlinks the keys matching `pattern` (SCAN, never KEYS: the Redis may be shared). */
async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: pattern, count: 1_000 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.unlink(...keys);
  }
}
async function start(entry: string, env: Record<string, string>): Promise<ChildServer> {
  const server = await startServer(entry, env);
  running.add(server);
  return server;
}
async function stop(server: ChildServer): Promise<void> {
  await server.stop();
  running.delete(server);
}

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2));
  if (!args) {
    console.log(HELP);
    return;
  }
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/lienthong_bench';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const runId = Date.now().toString(36);
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const redacted = (url: string) => url.replace(/\/\/[^@/]*@/, '//…@');

  // Preconditions first, so a missing server fails in a second, not after the seeding.
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2_000 });
  redis.on('error', () => undefined);
  let redisVersion: string;
  try {
    await redis.connect();
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at ${redacted(redisUrl)} is not reachable (${(error as Error).message}); set REDIS_URL`, { cause: error });
  }
  // The gateways' cache keys of this run go once they are stopped (they would only expire later).
  const cachePrefix = `ltbench:${runId}:`;
  cleanups.push(async () => {
    await deleteKeys(redis, `${cachePrefix}*`).catch(() => undefined);
    redis.disconnect();
  });
  const { created } = await ensureDatabase(databaseUrl).catch((error: Error) => {
    throw new Error(`PostgreSQL at ${redacted(databaseUrl)}: ${error.message}; set DATABASE_URL`, { cause: error });
  });
  progress(`database ${redacted(databaseUrl)}${created ? ' (created)' : ''}, Redis ${redacted(redisUrl)}`);

  progress(`data set: migrating, then checking for ${args.residents.toLocaleString('en-US')} residents`);
  let lastTenth = -1;
  const dataset = await prepareDataset(databaseUrl, {
    residents: args.residents,
    seed: args.seed,
    onProgress: (done, total) => {
      const tenth = Math.floor((10 * done) / total);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      progress(`seeding: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} residents`);
    },
  });
  const dense = dataset.communes[0]!;
  progress(
    `${dataset.residents.toLocaleString('en-US')} residents ${dataset.reused ? '(reused)' : `(seeded in ${dataset.seedSeconds.toFixed(1)} s)`}; ` +
      `densest commune ${dense.code} (${dense.residents} residents), ${dataset.communes.length} communes with residents`,
  );
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  const pgVersion = (await pg.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  await pg.end();

  const counting: StatementCounting = await statementCounting(databaseUrl);
  progress(`SQL statements counted with ${counting.method}`);

  // Production keys, as a deployment gets them (shared/auth/keys.ts), and a central officer's token.
  const keyDir = mkdtempSync(join(tmpdir(), 'lien-thong-bench-keys-'));
  cleanups.push(() => rmSync(keyDir, { recursive: true, force: true }));
  const files = await writeKeyFiles(keyDir);
  const authConfig = loadConfig({});
  const token = await mintDevToken(
    JSON.parse(readFileSync(files.issuerPrivate, 'utf8')) as JWK,
    authConfig,
    { role: 'CENTRAL', sub: 'bench-central-1', org: 'Bộ Công an' },
    '2h',
  );
  const headers = { authorization: `Bearer ${token}`, 'x-purpose': PURPOSE };
  const gatewayEnv = (mode: Exclude<Mode, 'bare'>): Record<string, string> => ({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    RATE_LIMIT_POINTS: '0',
    CACHE_ENABLED: mode === 'off' ? 'false' : 'true',
    // A key space of its own per run and mode: every mode starts on an empty cache.
    CACHE_PREFIX: `${cachePrefix}${mode}:`,
    AUTH_ISSUER: authConfig.AUTH_ISSUER,
    AUTH_AUDIENCE: authConfig.AUTH_AUDIENCE,
    AUTH_JWKS_FILE: files.issuerJwks,
    AUTH_JWKS_URL: '',
    INTERNAL_PRIVATE_KEY_FILE: files.internalPrivate,
    INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
    // Embedded mode: no subgraph URLs, whatever the calling shell exports.
    ADMINISTRATIVE_UNITS_URL: '',
    POPULATION_URL: '',
    LAND_URL: '',
    ENTERPRISE_URL: '',
  });

  const plan = scenarios(dataset);
  const rows: Row[] = [];
  const captured = new Map<string, { body: string; contentType: string }>();
  let countersSeen = false;
  const load = (url: string, options: Omit<LoadOptions, 'url' | 'connections' | 'headers'>) =>
    runLoad({ url, connections: args.connections, headers, ...options });

  for (const mode of args.skip.has('cache') ? [] : (['off', 'cold', 'warm'] as const)) {
    progress(`gateway, ${MODE_LABEL[mode]} (CACHE_ENABLED=${mode === 'off' ? 'false' : 'true'}): starting`);
    const gateway = await start('bench/gatewayProcess.ts', gatewayEnv(mode));
    try {
      if (mode === 'off') {
        // Requests that do not answer would measure nothing: check once, where it warms no cache.
        for (const s of plan) {
          const answer = await postOnce(gateway.url, s.repeated.body, headers);
          if (answer.status !== 200 || !answer.text.startsWith('{"data"') || answer.text.includes('"errors":[')) {
            throw new Error(`${s.name} does not answer (${answer.status}): ${answer.text.slice(0, 500)}`);
          }
        }
      }
      for (const s of plan) {
        const cold = mode === 'cold';
        if (args.warmupSeconds > 0 && (!cold || s.cold.warmup.length > 0)) {
          progress(`${s.name}, ${MODE_LABEL[mode]}: ${args.warmupSeconds} s warm-up`);
          const queue = [...s.cold.warmup];
          await load(
            gateway.url,
            cold
              ? { durationSeconds: args.warmupSeconds, maxRequests: queue.length, body: () => queue.shift() ?? s.cold.warmup[0]! }
              : { durationSeconds: args.warmupSeconds, body: s.repeated.body },
          );
        }
        await settle(gateway);
        const cacheBefore = await readCacheCounters(gateway.url);
        const sqlBefore = await counting.read(gateway);
        const statsBefore = await askStats(gateway);
        progress(
          `${s.name}, ${MODE_LABEL[mode]}: measuring ${args.durationSeconds} s` +
            (cold ? ` at most, one pass over up to ${s.cold.measured.length} distinct requests` : ''),
        );
        const queue = [...s.cold.measured];
        const result = await load(
          gateway.url,
          cold
            ? { durationSeconds: args.durationSeconds, maxRequests: queue.length, body: () => queue.shift() ?? s.cold.measured[0]! }
            : { durationSeconds: args.durationSeconds, body: s.repeated.body },
        );
        await settle(gateway);
        const sqlAfter = await counting.read(gateway);
        const statsAfter = await askStats(gateway);
        const cacheAfter = await readCacheCounters(gateway.url);
        countersSeen ||= cacheAfter !== null;
        const row: Row = {
          scenario: s.name,
          mode,
          variables: cold ? s.cold.variables : s.repeated.variables,
          load: result,
          sqlPerRequest: result.sent > 0 ? (sqlAfter - sqlBefore) / result.sent : null,
          cache: lookupsBetween(cacheBefore, cacheAfter),
          serverCpuPercent: cpuPercent(statsBefore, statsAfter, result.seconds),
        };
        rows.push(row);
        progress(
          `${s.name}, ${MODE_LABEL[mode]}: ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.latencyMs.p50} ms, ` +
            `p99 ${result.latencyMs.p99} ms, ${row.sqlPerRequest?.toFixed(2) ?? '?'} SQL/req` +
            (result.errors + result.non2xx + result.mismatches > 0
              ? ` — ${result.errors} errors, ${result.non2xx} non-2xx, ${result.mismatches} GraphQL errors`
              : ''),
        );
        if (mode === 'warm') {
          const answer = await postOnce(gateway.url, s.repeated.body, headers);
          captured.set(s.name, { body: answer.text, contentType: answer.contentType });
        }
      }
    } catch (error) {
      console.error(`gateway output (last lines):\n${gateway.output().split('\n').slice(-30).join('\n')}`);
      throw error;
    } finally {
      await stop(gateway);
    }
  }

  // The ceiling: the same bytes from a server that does nothing else.
  const bodyDir = mkdtempSync(join(tmpdir(), 'lien-thong-bench-bodies-'));
  cleanups.push(() => rmSync(bodyDir, { recursive: true, force: true }));
  for (const s of args.skip.has('cache') ? [] : plan) {
    const capture = captured.get(s.name)!;
    const bodyFile = join(bodyDir, `${s.name}.json`);
    writeFileSync(bodyFile, capture.body);
    progress(`${s.name}, bare node:http (${Buffer.byteLength(capture.body).toLocaleString('en-US')} bytes): starting`);
    const bare = await start('bench/bareServer.ts', { BENCH_BODY_FILE: bodyFile, BENCH_CONTENT_TYPE: capture.contentType });
    try {
      if (args.warmupSeconds > 0) await load(bare.url, { durationSeconds: args.warmupSeconds, body: s.repeated.body });
      progress(`${s.name}, bare node:http: measuring ${args.durationSeconds} s`);
      const statsBefore = await askStats(bare);
      const result = await load(bare.url, { durationSeconds: args.durationSeconds, body: s.repeated.body });
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
      await stop(bare);
    }
  }
  await counting.close();

  const context: ScenarioContext = {
    databaseUrl,
    dataset,
    keyFiles: files,
    authConfig,
    gatewayEnv: gatewayEnv('off'),
    start: async (entry, env, ready) => {
      const server = await startServer(entry, env, 180_000, ready);
      running.add(server);
      return server;
    },
    stop,
    progress,
    connections: args.connections,
    durationSeconds: args.durationSeconds,
    warmupSeconds: args.warmupSeconds,
    loadConnections: args.loadConnections,
    loadSeconds: args.loadSeconds,
    purpose: PURPOSE,
  };
  const scenarioRows = args.skip.has('scenarios') ? [] : await runScenarios(context);
  if (args.large !== null && !args.skip.has('scenarios')) {
    const largeUrl = databaseUrl.replace(/\/([^/?]+)(\?|$)/, '/$1_large$2');
    await ensureDatabase(largeUrl);
    progress(`larger data set: ${args.large.toLocaleString('en-US')} residents in ${redacted(largeUrl)}`);
    let lastTenthLarge = -1;
    const large = await prepareDataset(largeUrl, {
      residents: args.large,
      seed: args.seed,
      onProgress: (done, total) => {
        const tenth = Math.floor((10 * done) / total);
        if (tenth === lastTenthLarge) return;
        lastTenthLarge = tenth;
        progress(`seeding: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} residents`);
      },
    });
    progress(
      `${large.residents.toLocaleString('en-US')} residents ${large.reused ? '(reused)' : `(seeded in ${large.seedSeconds.toFixed(1)} s)`}`,
    );
    const label = `one process, ${large.residents.toLocaleString('en-US')} residents`;
    scenarioRows.push(
      ...(await runLargeDataset(
        { ...context, databaseUrl: largeUrl, dataset: large, gatewayEnv: { ...gatewayEnv('off'), DATABASE_URL: largeUrl } },
        label,
      )),
    );
  }
  const loadTests = args.skip.has('load')
    ? []
    : await runLoadTests({ ...context, redisEnv: { REDIS_URL: redisUrl, CACHE_PREFIX: `${cachePrefix}load:` } });

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
  const targets = [
    target('CommuneResidents warm / caching off', communeWarm ? versusOff(rows, communeWarm) : null, '×', TARGETS.warmOverOff),
    ...plan.map((s) => target(`${s.name} warm throughput as a share of bare node:http`, warmOfBare(s.name), '%', TARGETS.warmOfBare)),
  ];
  const notes: string[] = [];
  if (!countersSeen && rows.length > 0) {
    notes.push(
      'the gateway reports no cache counters in /health (`cache`): caching is not available in this build, so "cold" and "warm" ran the same code as "caching off"',
    );
  }
  const cpu = cpus();
  const report: Report = {
    startedAt: startedAt.toISOString(),
    totalSeconds: (Date.now() - began) / 1000,
    environment: {
      CPU: `${cpu[0]?.model.trim() ?? '?'} × ${cpu.length}`,
      RAM: `${Math.round(totalmem() / 2 ** 30)} GB`,
      Node: process.version,
      PostgreSQL: pgVersion,
      Redis: redisVersion,
      // Other work on the machine moves the numbers: the 1-minute load average when the run began.
      'load average at start': loadAtStart.toFixed(2),
    },
    settings: {
      residents: args.residents,
      connections: args.connections,
      durationSeconds: args.durationSeconds,
      warmupSeconds: args.warmupSeconds,
      pipelining: 1,
    },
    dataset: { residents: dataset.residents, reused: dataset.reused, seedSeconds: dataset.seedSeconds, denseCommune: dense },
    statementCounting: counting.method,
    cacheCounters: countersSeen
      ? "hits / (hits + misses) per cache layer, from the gateway's /health counters, over the measured window"
      : 'n/a (no `cache` counters in /health)',
    rows,
    targets,
    notes,
    scenarios: scenarioRows,
    loadTests,
    loadSettings: { connections: args.loadConnections, durationSeconds: args.loadSeconds },
  };
  const markdown = renderMarkdown(report);
  const resultsDir = join(ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const chart = report.scenarios.length > 0 ? `${stamp}.svg` : null;
  if (chart) writeFileSync(join(resultsDir, chart), await scenarioChart(report.scenarios));
  const picture = chart ? `\n![Uncached scenarios, requests per second by setup](${chart})\n` : '';
  writeFileSync(join(resultsDir, `${stamp}.md`), `# Liên Thông bench, ${report.startedAt}\n\n${markdown}\n${picture}`);
  console.log(`\n${markdown}\n`);
  progress(`written to bench-results/${stamp}.json and .md${chart ? ' (with the chart .svg)' : ''}`);
}

process.once('SIGINT', () => {
  void stopAll().finally(() => process.exit(130));
});

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
