import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { measureImport, type ServicesImport } from './servicesImport';
import { runLoad, type LoadResult } from './load';
import type { Lifecycle, Progress } from './lifecycle';
import type { ChildServer } from './processes';
import { prepareServicesDataset, type ServicesDataset } from './servicesData';
import type { GatewayEnv } from './setup';
import { statementCounting } from './statements';

/**
 * The public-services part (issue 12): the evaluation's reads — the national ranking of the 34
 * provinces, a province's communes ranked, one commune's scorecard — through the gateway at each
 * data-set size, with their SQL statements per request; then sustained event ingest (status
 * changes through the gateway's mutations) with the freshness of the affected unit's score.
 */

/** The reads' target (issue 12): p99 at 10 million dossiers. */
export const READ_P99_TARGET_MS = 20;
/** An accepted event is reflected in every affected score within this (p99). */
export const FRESHNESS_P99_TARGET_MS = 2_000;

/** The period every read evaluates: the year the data sets span (their dossiers are of July–December 2025). */
const PERIOD = { kind: 'YEAR', year: 2025, index: 1 };

const RANKING_FIELDS = 'rank evaluation { unitCode score onTimeRate dossiersReceived dossiersFinished }';
export const PROVINCE_RANKING = `query ProvinceRanking($period: PeriodInput!) { provinceRanking(period: $period) { ${RANKING_FIELDS} } }`;
export const COMMUNE_RANKING = `query CommuneRanking($province: ProvinceCode!, $period: PeriodInput!) {
  communeRanking(provinceCode: $province, period: $period) { ${RANKING_FIELDS} }
}`;
/** One commune's indicators, with its name from administrative-units: the federated scorecard. */
export const SCORECARD = `query Scorecard($code: ID!, $period: PeriodInput!) {
  commune(code: $code) { code name evaluation(period: $period) {
    score onTimeRate averageResolutionHours dossiersReceived dossiersFinished
    groups { group points maxPoints }
    indicators { code numerator denominator rate threshold points maxPoints }
  } }
}`;
/** What the freshness probe reads after each event: the commune's evaluation of the current month. */
const FRESHNESS_READ = `query Fresh($code: ID!, $period: PeriodInput!) { commune(code: $code) { evaluation(period: $period) { dossiersFinished } } }`;
const CHANGE_STATUS = `mutation Change($input: ChangeDossierStatusInput!) { changeDossierStatus(input: $input) { dossier { number status version } replayed } }`;
const RETURN_RESULT = `mutation Return($input: ReturnResultInput!) { returnResult(input: $input) { dossier { number status version } replayed } }`;

/** One read measured at one data-set size. */
export interface ServicesReadRow {
  scenario: string;
  dossiers: number;
  variables: string;
  /** At the bench's concurrency: throughput (its latencies include the queue of the other connections). */
  load: LoadResult;
  /** One reader, one request at a time: the latency a client sees, which the ≤ 20 ms target is about. */
  single: LoadResult;
  sqlPerRequest: number | null;
}

/** The sustained ingest. */
export interface ServicesIngest {
  dossiers: number;
  connections: number;
  seconds: number;
  /** Events accepted (an answer with data and no errors) and refused or failed. */
  accepted: number;
  failed: number;
  eventsPerSecond: number;
  /** Latency of one mutation through the gateway. */
  eventLatencyMs: { p50: number; p99: number };
  /** Freshness samples: accepted → first read through the gateway showing it. */
  freshness: { samples: number; p50: number; p99: number; max: number; reads: number };
  /** Whether the gateway ran with its caches (response cache included) on. */
  cacheEnabled: boolean;
  firstError: string | null;
}

/** What the part measured: the data sets, the reads, the ingest. */
export interface ServicesReport {
  datasets: Omit<ServicesDataset, 'url'>[];
  reads: ServicesReadRow[];
  ingest: ServicesIngest | null;
  /** The NDJSON import's throughput (bench/servicesImport.ts). */
  import: ServicesImport | null;
  notes: string[];
}

/** What the entry point hands over. */
export interface ServicesContext {
  databaseUrl: string;
  sizes: number[];
  seed: number;
  headers: Record<string, string>;
  gatewayEnv: GatewayEnv;
  lifecycle: Lifecycle;
  progress: Progress;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

/** Rows of the import's generated file. */
const IMPORT_ROWS = 100_000;

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** POSTs one operation; the parsed answer and its latency. */
async function post(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ ms: number; data: Record<string, unknown> | null; error: string | null }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body(query, variables),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  try {
    const json = JSON.parse(text) as {
      data?: Record<string, unknown> | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    const error = json.errors?.[0];
    return { ms, data: json.data ?? null, error: error ? `${error.extensions?.code ?? '?'}: ${error.message}` : null };
  } catch {
    return { ms, data: null, error: `${response.status}: ${text.slice(0, 200)}` };
  }
}

/** Checks that an operation answers (data, no errors) before it is measured. */
async function checkAnswer(url: string, headers: Record<string, string>, query: string, variables: Record<string, unknown>) {
  const answer = await post(url, headers, query, variables);
  if (answer.error || !answer.data) throw new Error(`${query.split('(')[0]} does not answer: ${answer.error ?? 'no data'}`);
}

/** The three reads on one data set: uncached, so every request reads the counters. */
async function measureReads(ctx: ServicesContext, dataset: ServicesDataset): Promise<ServicesReadRow[]> {
  const env = { ...ctx.gatewayEnv('off'), DATABASE_URL: dataset.url };
  const gateway = await ctx.lifecycle.start('bench/gatewayProcess.ts', env);
  const counting = await statementCounting(dataset.url);
  const rows: ServicesReadRow[] = [];
  try {
    const { largestProvince: large, smallestProvince: small } = dataset;
    const reads: [string, string, Record<string, unknown>, string][] = [
      ['National ranking (34 provinces)', PROVINCE_RANKING, { period: PERIOD }, 'year 2025'],
      [
        `Communes of a province ranked (${large.communes})`,
        COMMUNE_RANKING,
        { province: large.code, period: PERIOD },
        `province ${large.code}, ${large.communes} communes, year 2025`,
      ],
      [
        `Communes of a province ranked (${small.communes})`,
        COMMUNE_RANKING,
        { province: small.code, period: PERIOD },
        `province ${small.code}, ${small.communes} communes, year 2025`,
      ],
      ['Commune scorecard', SCORECARD, { code: dataset.commune, period: PERIOD }, `commune ${dataset.commune}, year 2025`],
    ];
    for (const [scenario, query, variables, described] of reads) {
      await checkAnswer(gateway.url, ctx.headers, query, variables);
      const options = { url: gateway.url, connections: ctx.connections, headers: ctx.headers, body: body(query, variables) };
      if (ctx.warmupSeconds > 0) await runLoad({ ...options, durationSeconds: ctx.warmupSeconds });
      ctx.progress(`${scenario}, ${dataset.dossiers.toLocaleString('en-US')} dossiers: measuring ${ctx.durationSeconds} s`);
      const before = await counting.read(gateway);
      const load = await runLoad({ ...options, durationSeconds: ctx.durationSeconds });
      const after = await counting.read(gateway);
      const sqlPerRequest = Number.isFinite(after - before) && load.sent > 0 ? (after - before) / load.sent : null;
      const single = await runLoad({ ...options, connections: 1, durationSeconds: ctx.durationSeconds });
      rows.push({ scenario, dossiers: dataset.dossiers, variables: described, load, single, sqlPerRequest });
      ctx.progress(
        `${scenario}: ${load.requestsPerSecond.toFixed(1)} req/s at ${ctx.connections} connections (p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms); one reader p50 ${single.latencyMs.p50} ms, p99 ${single.latencyMs.p99} ms; ${sqlPerRequest?.toFixed(2) ?? '—'} SQL/req`,
      );
    }
  } finally {
    await counting.close();
    await ctx.lifecycle.stop(gateway);
  }
  return rows;
}

/** The current month in Vietnam, as a MONTH period. */
function currentMonth(): { kind: 'MONTH'; year: number; index: number } {
  const vn = new Date(Date.now() + 7 * 3_600_000);
  return { kind: 'MONTH', year: vn.getUTCFullYear(), index: vn.getUTCMonth() + 1 };
}

/**
 * Dossiers in progress to move: the workers' from departments (each worker its own slice), the
 * probe's from communes (one commune per probe event, so the probe's unit sees no other write and a
 * read can tell exactly when its event shows).
 */
async function ingestPools(url: string, workers: number): Promise<{ worker: string[][]; probe: { number: string; commune: string }[] }> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    const departments = (
      await pg.query<{ number: string }>(
        `SELECT number FROM public_services.dossier WHERE unit_type = 'DEPARTMENT' AND status = 'IN_PROGRESS' ORDER BY number LIMIT 200000`,
      )
    ).rows.map((r) => r.number);
    const probe = (
      await pg.query<{ number: string; commune: string }>(
        `SELECT DISTINCT ON (unit_code) number, unit_code AS commune FROM public_services.dossier
         WHERE unit_type = 'COMMUNE' AND status = 'IN_PROGRESS' ORDER BY unit_code, number LIMIT 2000`,
      )
    ).rows;
    const worker = Array.from({ length: workers }, (_, w) => departments.filter((_, i) => i % workers === w));
    return { worker, probe };
  } finally {
    await pg.end();
  }
}

/**
 * Sustained ingest: `connections` workers each send, back to back, the events of their dossiers
 * (IN_PROGRESS → DONE by changeDossierStatus, then returnResult), each with an idempotency key, as
 * a CENTRAL officer with a purpose, for the duration. Beside them one probe moves a dossier of a
 * commune no worker touches, and from the moment the gateway accepts it reads that commune's
 * evaluation through the gateway until the new decision shows: the freshness of the score.
 */
async function measureIngest(ctx: ServicesContext, dataset: ServicesDataset): Promise<ServicesIngest> {
  const env: Record<string, string> = { ...ctx.gatewayEnv('warm'), DATABASE_URL: dataset.url };
  const gateway: ChildServer = await ctx.lifecycle.start('bench/gatewayProcess.ts', env);
  const connections = ctx.connections;
  const pools = await ingestPools(dataset.url, connections);
  const available = pools.worker.reduce((n, p) => n + p.length, 0);
  ctx.progress(
    `ingest: ${connections} connections for ${ctx.durationSeconds} s on ${dataset.dossiers.toLocaleString('en-US')} dossiers ` +
      `(${available.toLocaleString('en-US')} department dossiers in progress to move, ${pools.probe.length} communes for the probe)`,
  );
  let accepted = 0;
  let failed = 0;
  let firstError: string | null = null;
  const latencies: number[] = [];
  const freshness: number[] = [];
  let reads = 0;
  const deadline = Date.now() + ctx.durationSeconds * 1000;
  const event = async (query: string, input: Record<string, unknown>) => {
    const answer = await post(gateway.url, ctx.headers, query, { input: { idempotencyKey: randomUUID(), ...input } });
    if (answer.error || !answer.data) {
      failed += 1;
      firstError ??= answer.error ?? 'no data';
      return false;
    }
    accepted += 1;
    latencies.push(answer.ms);
    return true;
  };
  const worker = async (pool: string[]) => {
    for (const number of pool) {
      if (Date.now() >= deadline) return;
      if (await event(CHANGE_STATUS, { number, status: 'DONE', electronicResult: true })) {
        if (Date.now() >= deadline) return;
        await event(RETURN_RESULT, { number, electronicResult: true });
      }
    }
  };
  const probe = async () => {
    const period = currentMonth();
    const finished = async (commune: string) => {
      reads += 1;
      const answer = await post(gateway.url, ctx.headers, FRESHNESS_READ, { code: commune, period });
      const evaluation = (answer.data?.commune as { evaluation?: { dossiersFinished: number } } | undefined)?.evaluation;
      if (answer.error || !evaluation) throw new Error(`the freshness read failed: ${answer.error ?? 'no data'}`);
      return evaluation.dossiersFinished;
    };
    for (const { number, commune } of pools.probe) {
      if (Date.now() >= deadline) return;
      const before = await finished(commune);
      const answer = await post(gateway.url, ctx.headers, CHANGE_STATUS, {
        input: { idempotencyKey: randomUUID(), number, status: 'DONE' },
      });
      const acceptedAt = performance.now();
      if (answer.error || !answer.data) {
        firstError ??= `probe: ${answer.error ?? 'no data'}`;
        continue;
      }
      while ((await finished(commune)) < before + 1) {
        if (performance.now() - acceptedAt > 30_000) throw new Error(`the decision of ${number} did not show in 30 s`);
      }
      freshness.push(performance.now() - acceptedAt);
      // A sample every ~100 ms: the probe must not become a load of its own.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const started = Date.now();
  try {
    await Promise.all([...pools.worker.map(worker), probe()]);
  } finally {
    await ctx.lifecycle.stop(gateway);
  }
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  freshness.sort((a, b) => a - b);
  return {
    dossiers: dataset.dossiers,
    connections,
    seconds,
    accepted,
    failed,
    eventsPerSecond: accepted / seconds,
    eventLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    freshness: {
      samples: freshness.length,
      p50: percentile(freshness, 50),
      p99: percentile(freshness, 99),
      max: freshness.at(-1) ?? Number.NaN,
      reads,
    },
    cacheEnabled: env.CACHE_ENABLED === 'true',
    firstError,
  };
}

/** The part: each size's data set prepared (or reused) and its reads measured, then the ingest on the largest. */
export async function runServices(ctx: ServicesContext): Promise<ServicesReport> {
  const datasets: ServicesDataset[] = [];
  const reads: ServicesReadRow[] = [];
  for (const size of ctx.sizes) {
    const dataset = await prepareServicesDataset(ctx.databaseUrl, size, ctx.seed, ctx.progress);
    datasets.push(dataset);
    reads.push(...(await measureReads(ctx, dataset)));
  }
  const largest = datasets.at(-1);
  const ingest = largest ? await measureIngest(ctx, largest) : null;
  if (ingest) {
    ctx.progress(
      `ingest: ${ingest.eventsPerSecond.toFixed(1)} events/s, freshness p50 ${ingest.freshness.p50.toFixed(0)} ms, p99 ${ingest.freshness.p99.toFixed(0)} ms`,
    );
  }
  const imported = await measureImport(ctx.databaseUrl, IMPORT_ROWS, ctx.seed, ctx.progress);
  return { datasets: datasets.map(({ url: _url, ...d }) => d), reads, ingest, import: imported, notes: [] };
}

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number) => (n < 1 ? '< 1' : number(n));

/** The part's tables and targets, in Markdown. */
export function renderServices(report: ServicesReport): string[] {
  const lines = ['', '### Public services: the evaluation reads (uncached) and event ingest', ''];
  lines.push(
    '| Read | Dossiers | Requests | req/s (all connections) | p50 ms | p99 ms | one reader: p50 ms | p99 ms | SQL/req | Failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.reads.map((r) => {
      const failed = r.load.errors + r.load.non2xx + r.load.mismatches + r.single.errors + r.single.non2xx + r.single.mismatches;
      return `| ${r.scenario} | ${number(r.dossiers)} | ${number(r.load.completed)} | ${number(r.load.requestsPerSecond, 1)} | ${ms(r.load.latencyMs.p50)} | ${ms(r.load.latencyMs.p99)} | ${ms(r.single.latencyMs.p50)} | ${ms(r.single.latencyMs.p99)} | ${r.sqlPerRequest === null ? '—' : number(r.sqlPerRequest, 2)} | ${failed === 0 ? '0' : `**${number(failed)}**`} |`;
    }),
    '',
  );
  for (const r of report.reads.filter((row) => row.dossiers === Math.max(...report.reads.map((x) => x.dossiers)))) {
    lines.push(
      `- ${r.scenario} at ${number(r.dossiers)} dossiers, one reader's p99: **${ms(r.single.latencyMs.p99)} ms** (target ≤ ${READ_P99_TARGET_MS} ms) — ${r.single.latencyMs.p99 <= READ_P99_TARGET_MS ? 'PASS' : 'FAIL'}`,
    );
  }
  const sizes = [...new Set(report.reads.map((r) => r.dossiers))].sort((a, b) => a - b);
  if (sizes.length > 1) {
    for (const scenario of [...new Set(report.reads.map((r) => r.scenario.replace(/\(\d+\)$/, '')))]) {
      const of = (n: number) => report.reads.find((r) => r.dossiers === n && r.scenario.replace(/\(\d+\)$/, '') === scenario);
      const a = of(sizes.at(-1)!);
      const b = of(sizes[0]!);
      if (a && b && b.load.latencyMs.p50 > 0)
        lines.push(
          `- ${scenario.trim()} p50 at ${number(sizes.at(-1)!)} ÷ at ${number(sizes[0]!)} dossiers (flat: ≈ 1×): **${number(a.load.latencyMs.p50 / b.load.latencyMs.p50, 2)}×**`,
        );
    }
  }
  lines.push('', `Variables: ${report.reads.map((r) => `${r.scenario} (${number(r.dossiers)}): ${r.variables}`).join('; ')}.`);
  lines.push(
    '',
    `Data sets: ${report.datasets
      .map(
        (d) =>
          `${number(d.dossiers)} dossiers, ${number(d.counterRows)} counter rows (${d.reused ? 'reused' : `inserted in ${number(d.insertSeconds)} s, counters rebuilt in ${number(d.countersSeconds)} s`})`,
      )
      .join('; ')}.`,
  );
  const i = report.ingest;
  if (i) {
    lines.push(
      '',
      '| Ingest | Dossiers | Connections | Seconds | Events accepted | Failed | events/s | event p50 ms | event p99 ms | Freshness samples | freshness p50 ms | freshness p99 ms | freshness max ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| changeDossierStatus DONE + returnResult, CENTRAL, caches ${i.cacheEnabled ? 'on' : 'off'} | ${number(i.dossiers)} | ${i.connections} | ${number(i.seconds, 1)} | ${number(i.accepted)} | ${i.failed === 0 ? '0' : `**${number(i.failed)}**`} | ${number(i.eventsPerSecond, 1)} | ${number(i.eventLatencyMs.p50)} | ${number(i.eventLatencyMs.p99)} | ${number(i.freshness.samples)} | ${number(i.freshness.p50)} | ${number(i.freshness.p99)} | ${number(i.freshness.max)} |`,
      '',
      `- Score freshness p99: **${number(i.freshness.p99)} ms** (target ≤ ${FRESHNESS_P99_TARGET_MS} ms) — ${i.freshness.p99 <= FRESHNESS_P99_TARGET_MS ? 'PASS' : 'FAIL'}`,
      `- Freshness: from the gateway's answer accepting the probe's event to the first read through the gateway that shows it (${number(i.freshness.reads)} reads in all).${i.firstError ? ` First error: ${i.firstError}.` : ''}`,
    );
  }
  const imp = report.import;
  if (imp) {
    lines.push(
      '',
      '| Import (`dossiers import`, NDJSON) | Rows | Dry run s | Dry run rows/s | Apply s | Apply rows/s | Created |',
      '|---|---:|---:|---:|---:|---:|---:|',
      `| one file, one transaction (counters, history, sync status, audit) | ${number(imp.rows)} | ${number(imp.dryRun.seconds, 1)} | ${number(imp.dryRun.rowsPerSecond)} | ${number(imp.apply.seconds, 1)} | ${number(imp.apply.rowsPerSecond)} | ${number(imp.apply.created)} |`,
    );
  }
  lines.push(...report.notes.map((n) => `Note: ${n}`));
  return lines;
}
