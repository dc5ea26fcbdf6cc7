import { existsSync, readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { Client } from 'pg';
import { HAPROXY_BIN, startHaproxy, type RunningHaproxy } from '../hub/haproxy';
import { PG_BIN } from '../hub/serverUser';
import { replicaBinariesInstalled, startReplicatedPostgres } from '../hub/streamingReplica';
import { ensureDatabase, sizeLabel, type Dataset } from './dataset';
import { runLoad, type LoadResult } from './load';
import { askStats, type ChildServer } from './processes';
import {
  checkAnswers,
  mixedSequence,
  personaTokens,
  runLargeDataset,
  samples,
  type ScenarioContext,
  type ScenarioRow,
  type Work,
} from './scenarios';
import { prepareSiblingDataset, seedWithProgress } from './setup';

/**
 * The bench's scale part (issue 16): the mixed workload, uncached, on the topologies the hub grows
 * into past one machine — (a) one gateway process vs two behind HAProxy (deploy/haproxy.cfg, the
 * file docker-compose.yml ships), (b) the subgraphs' reads on a streaming replica
 * (DATABASE_REPLICA_URL) vs on the primary only, both in one run so the ratios hold on a noisy
 * machine — and (c) the lookups' latency at each `--scale-residents` size of the province-
 * partitioned population tables. The servers it starts (HAProxy, a primary and its replica) run on
 * free loopback ports from the binaries already installed, through the same helpers the tests use
 * (hub/haproxy.ts, hub/streamingReplica.ts); a missing binary skips its measurement with a notice.
 */

/** One measurement of the mixed workload in the scale part. */
export interface ScaleRow {
  /** Which comparison: gateway replicas, or where the reads go. */
  part: 'gateways' | 'replica';
  setup: string;
  /** 1, 2: each setup is measured once per round (see {@link ROUNDS}). */
  round: number;
  load: LoadResult;
  /** CPU the gateway processes used during the measurement, summed, in % of one core. */
  gatewayCpuPercent: number;
  /** Requests each gateway answered (HAProxy's count per server), where a load balancer was in front. */
  perGateway?: number[];
  /** Transactions committed on the primary and on the replica per request (pg_stat_database), for the replica comparison. */
  transactionsPerRequest?: { primary: number; replica: number };
  /** The gateway's word on the replica after the measurement (`/health`): `ok` means reads stayed there. */
  replicaState?: string;
}

/** The scale part's report. */
export interface ScaleReport {
  rows: ScaleRow[];
  /** The lookups at each `--scale-residents` size (rows of the scenarios' shape, `setup` naming the size), by round. */
  sizes: (ScenarioRow & { round: number })[];
  /** Each size's data set: residents, whether reused, seconds to seed. */
  datasets: { residents: number; reused: boolean; seedSeconds: number }[];
  /** Residents of the replicated pair's data set, and seconds to seed it there. */
  replicaDataset: { residents: number; seedSeconds: number } | null;
  connections: number;
  durationSeconds: number;
  notes: string[];
}

/** What the scale part needs beyond the scenarios' context. */
export interface ScaleContext extends ScenarioContext {
  /** `--residents`: the size of the data set seeded on the replicated pair. */
  residents: number;
  seed: number;
  /** `--scale-residents`, smallest first. */
  sizes: number[];
  /** Registers a clean-up for the end of the run (also on Ctrl-C). */
  onStop(cleanup: () => void | Promise<void>): void;
}

/** The database on the replicated pair (a server of the bench's own, removed at the end). */
const REPLICA_DATABASE = 'lienthong_bench_replica';

const cpuMicros = async (servers: readonly ChildServer[]) =>
  (await Promise.all(servers.map((s) => askStats(s)))).reduce((sum, s) => sum + s.cpuMicros, 0);
/** `host:port` of a server the bench started (its URL's authority). */
const address = (server: ChildServer) => new URL(server.url).host;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The mixed workload of every persona on the data set of `databaseUrl`, checked to answer at `url`. */
async function mixedWork(ctx: ScenarioContext, databaseUrl: string, dataset: Dataset): Promise<Work> {
  const dense = dataset.communes[0]!.code;
  const values = { ...(await samples(databaseUrl, dense)), commune: dense };
  const issuer = JSON.parse(readFileSync(ctx.keyFiles.issuerPrivate, 'utf8')) as JWK;
  return mixedSequence(await personaTokens(issuer, ctx.authConfig, values.citizenId, dense), ctx.purpose, values);
}

/** A setup of a comparison: where the workload goes, which gateways answer, what else to record around a measurement. */
interface Setup {
  name: string;
  url: string;
  gateways: readonly ChildServer[];
  /** Called before the measurement; what it returns is called after it with the result, for the row's further fields. */
  observe?: () => Promise<(load: LoadResult) => Promise<Partial<ScaleRow>>>;
}

/**
 * Each setup measured {@link ROUNDS} times, the order reversed every other round (A B C, C B A):
 * the machine's load drifting during the part weighs on every setup alike. Each measurement is a
 * warm-up, then `--duration` of the mixed workload from `--connections`.
 */
const ROUNDS = 2;

async function compare(ctx: ScaleContext, part: ScaleRow['part'], work: Work, setups: readonly Setup[], rows: ScaleRow[]): Promise<void> {
  for (const setup of setups) await checkAnswers(setup.url, work);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const setup of round % 2 === 1 ? setups : [...setups].reverse()) {
      const options = { url: setup.url, connections: ctx.connections, headers: {}, sequence: work };
      if (ctx.warmupSeconds > 0) await runLoad({ ...options, durationSeconds: ctx.warmupSeconds });
      ctx.progress(`scale, Mixed, ${setup.name} (round ${round}): measuring ${ctx.durationSeconds} s`);
      const finish = await setup.observe?.();
      const cpuBefore = await cpuMicros(setup.gateways);
      const load = await runLoad({ ...options, durationSeconds: ctx.durationSeconds });
      const gatewayCpuPercent = ((await cpuMicros(setup.gateways)) - cpuBefore) / 1e4 / load.seconds;
      rows.push({ part, setup: setup.name, round, load, gatewayCpuPercent, ...(finish ? await finish(load) : {}) });
      ctx.progress(
        `scale, Mixed, ${setup.name} (round ${round}): ${load.requestsPerSecond.toFixed(1)} req/s, p50 ${load.latencyMs.p50} ms, ` +
          `p99 ${load.latencyMs.p99} ms, ${load.errors + load.non2xx + load.mismatches} failed`,
      );
    }
  }
}

/** Resolves once every server of HAProxy's backend is UP (its checks of /ready passed). */
async function whenAllUp(lb: RunningHaproxy, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!Object.values(await lb.servers()).every((s) => s.status === 'UP')) {
    if (Date.now() > deadline)
      throw new Error(`HAProxy's gateways are not all UP within ${timeoutMs} ms: ${JSON.stringify(await lb.servers())}`);
    await sleep(100);
  }
}

/**
 * (a) One gateway process, the same process behind HAProxy (both of the configuration's server
 * lines naming it: the load balancer's own cost), and two gateway processes behind HAProxy; every
 * gateway embedded (the subgraphs in its process) on the same PostgreSQL, caching off. Both
 * gateways and both load balancers run throughout; a setup's idle processes only answer health checks.
 */
async function gatewayReplicas(ctx: ScaleContext, work: Work, rows: ScaleRow[], notes: string[]): Promise<void> {
  if (!existsSync(HAPROXY_BIN)) {
    const notice = `HAProxy is not installed at ${HAPROXY_BIN} (apt-get install haproxy, or set HAPROXY_BIN): the gateway-replica comparison is skipped`;
    ctx.progress(notice);
    notes.push(notice);
    return;
  }
  ctx.progress('scale: two gateway processes (embedded, caching off) and HAProxy: starting');
  const gateways = await Promise.all([0, 1].map(() => ctx.start('bench/gatewayProcess.ts', ctx.gatewayEnv)));
  const balancers: RunningHaproxy[] = [];
  try {
    const [first, second] = gateways as [ChildServer, ChildServer];
    const one = await startHaproxy([address(first), address(first)]);
    balancers.push(one);
    const two = await startHaproxy([address(first), address(second)]);
    balancers.push(two);
    await Promise.all(balancers.map((lb) => whenAllUp(lb)));
    /** Requests each gateway answered during the measurement, by HAProxy's count (one gateway: its two server lines added up). */
    const perGateway = (lb: RunningHaproxy, processes: number) => async () => {
      const counted = async () => Object.values(await lb.servers()).map((s) => s.requests);
      const before = await counted();
      return async () => {
        const answered = (await counted()).map((n, i) => n - before[i]!);
        return { perGateway: processes === 1 ? [answered.reduce((a, b) => a + b, 0)] : answered };
      };
    };
    await compare(
      ctx,
      'gateways',
      work,
      [
        { name: 'one gateway', url: first.url, gateways: [first] },
        { name: 'one gateway behind HAProxy', url: one.url, gateways: [first], observe: perGateway(one, 1) },
        { name: 'two gateways behind HAProxy', url: two.url, gateways: [first, second], observe: perGateway(two, 2) },
      ],
      rows,
    );
  } finally {
    await Promise.all(balancers.map((lb) => lb.stop()));
    await Promise.all(gateways.map((g) => ctx.stop(g)));
  }
}

/** Transactions committed so far in `database` on the server of `url` (pg_stat_database). */
async function transactions(url: string, database: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const row = (await client.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1', [database]))
      .rows[0];
    return Number(row?.n ?? 0);
  } finally {
    await client.end();
  }
}

/**
 * (b) A primary and a streaming replica of the bench's own (hub/streamingReplica.ts), the data set
 * of `--residents` seeded on the primary and replayed by the replica; then one embedded gateway on
 * the primary alone, and one given DATABASE_REPLICA_URL. The transactions each server committed
 * show where the reads went (the audit log's appends always go to the primary).
 */
async function replicaReads(ctx: ScaleContext, rows: ScaleRow[], notes: string[]): Promise<ScaleReport['replicaDataset']> {
  if (!replicaBinariesInstalled()) {
    const notice = `the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not in ${PG_BIN} (apt-get install postgresql-15): the replica comparison is skipped`;
    ctx.progress(notice);
    notes.push(notice);
    return null;
  }
  ctx.progress('scale: a primary and a streaming replica on loopback ports (initdb, pg_basebackup -R): starting');
  const servers = await startReplicatedPostgres('bench-replica');
  ctx.onStop(() => servers.stop());
  const gateways: ChildServer[] = [];
  try {
    const primary = servers.primaryUrl(REPLICA_DATABASE);
    const replica = servers.replicaUrl(REPLICA_DATABASE);
    await ensureDatabase(primary);
    const dataset = await seedWithProgress(primary, ctx.residents, ctx.seed, ctx.progress);
    await servers.waitForReplay(300_000);
    ctx.progress(
      `scale: ${dataset.residents.toLocaleString('en-US')} residents seeded on the primary in ${dataset.seedSeconds.toFixed(1)} s, replayed by the replica`,
    );
    const work = await mixedWork(ctx, primary, dataset);
    const onPrimary = await ctx.start('bench/gatewayProcess.ts', { ...ctx.gatewayEnv, DATABASE_URL: primary });
    gateways.push(onPrimary);
    const onReplica = await ctx.start('bench/gatewayProcess.ts', {
      ...ctx.gatewayEnv,
      DATABASE_URL: primary,
      DATABASE_REPLICA_URL: replica,
    });
    gateways.push(onReplica);
    const replicaState = async () =>
      ((await (await fetch(new URL('/health', onReplica.url))).json()) as { replica?: { state: string } }).replica?.state ?? 'none';
    // The gateway checks the replica's lag before it sends it reads.
    for (let i = 0; (await replicaState()) !== 'ok'; i++) {
      if (i > 100) throw new Error(`the gateway does not report the replica ok: ${await replicaState()}`);
      await sleep(100);
    }
    // pg_stat_database is flushed about once a second: read it after a pause.
    const counts = async () => {
      await sleep(1_500);
      return Promise.all([transactions(primary, REPLICA_DATABASE), transactions(replica, REPLICA_DATABASE)]);
    };
    const observe = (gateway: ChildServer) => async () => {
      const [p0, r0] = await counts();
      return async (load: LoadResult) => {
        const [p1, r1] = await counts();
        const sent = Math.max(1, load.sent);
        return {
          transactionsPerRequest: { primary: (p1 - p0) / sent, replica: (r1 - r0) / sent },
          ...(gateway === onReplica ? { replicaState: await replicaState() } : {}),
        };
      };
    };
    await compare(
      ctx,
      'replica',
      work,
      [
        { name: 'reads on the primary', url: onPrimary.url, gateways: [onPrimary], observe: observe(onPrimary) },
        { name: 'reads on the replica', url: onReplica.url, gateways: [onReplica], observe: observe(onReplica) },
      ],
      rows,
    );
    return { residents: dataset.residents, seedSeconds: dataset.seedSeconds };
  } finally {
    await Promise.all(gateways.map((g) => ctx.stop(g)));
    servers.stop();
  }
}

/**
 * (c) The lookups and the mixed workload on each `--scale-residents` data set,
 * `<DATABASE_URL>_residents_<size>` (seeded once and reused; a larger one starts as a copy of the
 * smaller), prepared first; then a fresh embedded gateway per data set and round, the sizes in
 * rounds as the comparisons above (smallest first, then largest first).
 */
async function sizes(ctx: ScaleContext): Promise<Pick<ScaleReport, 'sizes' | 'datasets'>> {
  const rows: ScaleReport['sizes'] = [];
  const datasets: ScaleReport['datasets'] = [];
  const prepared: { url: string; dataset: Dataset }[] = [];
  let previous: string | undefined;
  for (const size of ctx.sizes) {
    const { url, dataset } = await prepareSiblingDataset(
      ctx.databaseUrl,
      `residents_${sizeLabel(size)}`,
      size,
      ctx.seed,
      ctx.progress,
      previous,
    );
    previous = url;
    prepared.push({ url, dataset });
    datasets.push({ residents: dataset.residents, reused: dataset.reused, seedSeconds: dataset.seedSeconds });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { url, dataset } of round % 2 === 1 ? prepared : [...prepared].reverse()) {
      const label = `${dataset.residents.toLocaleString('en-US')} residents`;
      const measured = await runLargeDataset(
        { ...ctx, databaseUrl: url, dataset, gatewayEnv: { ...ctx.gatewayEnv, DATABASE_URL: url } },
        `${label} (round ${round})`,
      );
      rows.push(...measured.map((row) => ({ ...row, setup: label, round })));
    }
  }
  return { sizes: rows, datasets };
}

/** The scale part: gateway replicas, reads on a replica, latency vs data-set size. */
export async function runScale(ctx: ScaleContext): Promise<ScaleReport> {
  const rows: ScaleRow[] = [];
  const notes: string[] = [];
  await gatewayReplicas(ctx, await mixedWork(ctx, ctx.databaseUrl, ctx.dataset), rows, notes);
  const replicaDataset = await replicaReads(ctx, rows, notes);
  const measuredSizes = await sizes(ctx);
  return { rows, ...measuredSizes, replicaDataset, connections: ctx.connections, durationSeconds: ctx.durationSeconds, notes };
}

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number) => (n < 1 ? '< 1' : number(n));
const failed = (load: LoadResult) => load.errors + load.non2xx + load.mismatches;

/** Throughput of one setup ÷ another's in each round and over all rounds (total requests ÷ total seconds), and their p99s. */
function ratioLine(rows: ScaleRow[], setup: string, versus: string, label: string): string | null {
  const of = (name: string) => rows.filter((r) => r.setup === name);
  const [a, b] = [of(setup), of(versus)];
  const rate = (xs: ScaleRow[]) => xs.reduce((sum, r) => sum + r.load.completed, 0) / xs.reduce((sum, r) => sum + r.load.seconds, 0);
  if (a.length === 0 || a.length !== b.length || rate(b) === 0) return null;
  const rounds = a.map((r, i) => `${number(r.load.requestsPerSecond / b[i]!.load.requestsPerSecond, 2)}×`).join(', ');
  const p99 = (xs: ScaleRow[]) => xs.map((r) => ms(r.load.latencyMs.p99)).join(' / ');
  return `- ${label}: req/s **${number(rate(a) / rate(b), 2)}×** (rounds: ${rounds}); p99 ${p99(a)} vs ${p99(b)} ms`;
}

/** The scale part's tables, ratios and PASS/FAIL line, in Markdown. */
export function renderScale(report: ScaleReport): string[] {
  const lines = [
    '',
    `### Scale: the mixed workload on gateway replicas and a read replica (caching off, ${report.connections} connections, ${report.durationSeconds} s)`,
    '',
  ];
  if (report.rows.length > 0) {
    lines.push(
      '| Setup | Round | Requests | req/s | p50 ms | p99 ms | 5xx | Failed | Gateway CPU (% of a core) | Requests per gateway | Transactions per request, primary / replica | Replica state after |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|',
      ...report.rows.map((r) => {
        const tx = r.transactionsPerRequest
          ? `${number(r.transactionsPerRequest.primary, 2)} / ${number(r.transactionsPerRequest.replica, 2)}`
          : '—';
        return `| ${r.setup} | ${r.round} | ${number(r.load.completed)} | ${number(r.load.requestsPerSecond, 1)} | ${ms(r.load.latencyMs.p50)} | ${ms(r.load.latencyMs.p99)} | ${number(r.load.status5xx)} | ${failed(r.load) === 0 ? '0' : `**${number(failed(r.load))}**`} | ${number(r.gatewayCpuPercent)}% | ${r.perGateway ? r.perGateway.map((n) => number(n)).join(' / ') : '—'} | ${tx} | ${r.replicaState ?? '—'} |`;
      }),
      '',
      ...[
        ratioLine(report.rows, 'two gateways behind HAProxy', 'one gateway', 'Two gateways behind HAProxy ÷ one gateway'),
        ratioLine(
          report.rows,
          'one gateway behind HAProxy',
          'one gateway',
          'One gateway behind HAProxy ÷ directly (the load balancer’s cost)',
        ),
        ratioLine(report.rows, 'two gateways behind HAProxy', 'one gateway behind HAProxy', 'Two ÷ one gateway, both behind HAProxy'),
        ratioLine(report.rows, 'reads on the replica', 'reads on the primary', 'Reads on the replica ÷ on the primary'),
      ].filter((l): l is string => l !== null),
    );
    const errors = report.rows.reduce((sum, r) => sum + failed(r.load), 0);
    lines.push(
      `- No failed request (connection errors, non-2xx, GraphQL errors) in any setup: **${number(errors)}** — ${errors === 0 ? 'PASS' : 'FAIL'}`,
    );
    if (report.replicaDataset) {
      lines.push(
        '',
        `Replica: a primary and a streaming replica of the bench's own (initdb, pg_basebackup -R, fsync off) on loopback ports, ${number(report.replicaDataset.residents)} residents seeded on the primary in ${number(report.replicaDataset.seedSeconds, 1)} s. ` +
          'Transactions per request counted by each server (pg_stat_database.xact_commit): the audit log’s appends stay on the primary.',
      );
    }
  }
  if (report.sizes.length > 0) {
    lines.push(
      '',
      '| Scenario | Residents | Round | Requests | req/s | p50 ms | p99 ms | Failed |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...[...report.sizes]
        .sort((a, b) => a.scenario.localeCompare(b.scenario) || a.round - b.round)
        .map(
          (r) =>
            `| ${r.scenario} | ${r.setup.replace(/ residents$/, '')} | ${r.round} | ${number(r.load.completed)} | ${number(r.load.requestsPerSecond, 1)} | ${ms(r.load.latencyMs.p50)} | ${ms(r.load.latencyMs.p99)} | ${failed(r.load) === 0 ? '0' : `**${number(failed(r.load))}**`} |`,
        ),
      '',
    );
    const setups = [...new Set(report.sizes.map((r) => r.setup))];
    if (setups.length > 1) {
      const [small, large] = [setups[0]!, setups.at(-1)!];
      for (const scenario of [...new Set(report.sizes.map((r) => r.scenario))]) {
        const of = (setup: string) => report.sizes.filter((r) => r.scenario === scenario && r.setup === setup);
        const [a, b] = [of(large), of(small)];
        if (a.length === 0 || a.length !== b.length) continue;
        // Per round, then their geometric mean (the mean of ratios that treats 2× and 0.5× alike):
        // p50s of different windows cannot be pooled.
        const ratios = (pick: (r: ScenarioRow) => number) => a.map((r, i) => pick(r) / Math.max(1, pick(b[i]!)));
        const mean = (xs: number[]) => Math.exp(xs.reduce((x, y) => x + Math.log(y), 0) / xs.length);
        const [p50, p99] = [ratios((r) => r.load.latencyMs.p50), ratios((r) => r.load.latencyMs.p99)];
        const list = (xs: number[]) => xs.map((x) => `${number(x, 2)}×`).join(', ');
        lines.push(
          `- ${scenario} at ${large} ÷ at ${small} (flat: ≈ 1×): p50 **${number(mean(p50), 2)}×** (geometric mean of the rounds: ${list(p50)}), p99 ${number(mean(p99), 2)}× (rounds: ${list(p99)})`,
        );
      }
    }
    lines.push(
      '',
      `Data sets: ${report.datasets.map((d) => `${number(d.residents)} residents (${d.reused ? 'reused' : `seeded in ${number(d.seedSeconds)} s`})`).join('; ')}; population tables partitioned by province.`,
    );
  }
  lines.push(...report.notes.map((n) => `Note: ${n}`));
  return lines;
}
