import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request, type ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { planSubgraphProcesses } from '../hub/processes';
import { ensureDatabase, prepareDataset } from './dataset';
import type { Lifecycle, Progress } from './lifecycle';
import { askStats, mb, SUBGRAPH_READY, type ChildServer } from './processes';
import type { ServerStats } from './serverStats';
import { GATEWAY_NODE_FLAGS } from '../tools/build';
import type { BenchAuth, GatewayEnv } from './setup';

/**
 * The live part (issue 13): N concurrent subscribers on one gateway instance — the gateway process
 * alone, as deployed, with every subgraph in a process of its own — each with its own
 * Server-Sent Events connection (graphql-sse, distinct connections) to the public
 * `evaluationChanged(provinceCode:)` spread over the 34 provinces; then dossiers received at a
 * steady rate through the same gateway, and for every delivery the time from the mutation's
 * answer to the subscriber's `next` message. Printed: the gateway's RSS, latency p50/p99, and
 * the deliveries expected vs received.
 */

/** Targets of issue 13 at 10,000 subscribers. */
export const LIVE_RSS_TARGET_MB = 300;
export const LIVE_P99_TARGET_MS = 1_000;

/** Residents of the part's own small data set (`<DATABASE_URL>_live`): only the reference data and a few applicants matter. */
const RESIDENTS = 2_000;
/** Events (dossiers received) per second, each in a province of its own in turn. */
const EVENTS_PER_SECOND = 2;
/** Subscriptions opened at once while the N are being opened. */
const OPENING_CONCURRENCY = 200;
/** Seconds the gateway is left alone before its RSS is read ("settled"). */
const SETTLE_SECONDS = 5;
/** After the last event, how long deliveries are awaited at most. */
const DRAIN_MS = 20_000;
/** How often the gateway's RSS is sampled, from before the first subscriber to the end. */
const RSS_SAMPLE_MS = 250;

/** What each subscriber selects: the keys of the change, as the dashboard does (it then reads what it shows). */
const SELECTION = 'unitScope unitCode provinceCode month';
const SUBSCRIPTION = (province: string) => `subscription { evaluationChanged(provinceCode: "${province}") { ${SELECTION} } }`;
const RECEIVE = `mutation Receive($input: ReceiveDossierInput!) { receiveDossier(input: $input) { dossier { number } } }`;

export interface LiveContext {
  databaseUrl: string;
  seed: number;
  /** The run's cache key prefix: the part adds `live:` (its event streams live there too, deleted at the end). */
  cachePrefix: string;
  headers: Record<string, string>;
  gatewayEnv: GatewayEnv;
  /** Key files: the subgraph processes verify the gateway's signed identity and sign their own calls. */
  keyFiles: BenchAuth['keyFiles'];
  lifecycle: Lifecycle;
  progress: Progress;
  subscribers: number;
  durationSeconds: number;
}

/**
 * The floor under the gateway's figure: a bare `node:http` server (bench/bareServer.ts with
 * BENCH_SSE=true, the gateway's Node flags) holding the same number of idle event streams, opened
 * the same way. What Node itself keeps per open connection (socket, parser, request and response
 * objects, its bound callbacks): nothing of GraphQL, the broker or the hub.
 */
async function measureFloor(ctx: LiveContext, body: string): Promise<{ baseline: number; open: number; opened: number }> {
  const server = await ctx.lifecycle.start('bench/bareServer.ts', { BENCH_SSE: 'true' }, undefined, GATEWAY_NODE_FLAGS);
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const requests: ClientRequest[] = [];
  try {
    const baseline = await askStats(server);
    let next = 0;
    let opened = 0;
    const openOne = () =>
      new Promise<void>((resolve) => {
        const req = request(
          server.url,
          {
            method: 'POST',
            agent,
            headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            if (res.statusCode === 200) opened += 1;
            res.resume();
            resolve();
          },
        );
        req.on('error', () => resolve());
        requests.push(req);
        req.end(body);
      });
    await Promise.all(
      Array.from({ length: Math.min(OPENING_CONCURRENCY, ctx.subscribers) }, async () => {
        while (next++ < ctx.subscribers) await openOne();
      }),
    );
    await sleep(SETTLE_SECONDS * 1000);
    const open = await askStats(server);
    return { baseline: mb(baseline.rssBytes), open: mb(open.rssBytes), opened };
  } finally {
    for (const r of requests) r.destroy();
    agent.destroy();
    await ctx.lifecycle.stop(server);
  }
}

export interface LiveReport {
  subscribers: number;
  /** Subscriptions the gateway accepted (200, event stream), and refused or failed. */
  opened: number;
  openFailed: number;
  openSeconds: number;
  /** Events written (dossiers received) and mutations that failed. */
  events: number;
  eventsFailed: number;
  eventsPerSecond: number;
  /** Deliveries: one per event per open subscriber of its province. */
  expected: number;
  received: number;
  /** Deliveries that arrived before the mutation's answer did. */
  beforeAnswer: number;
  /** Streams that ended or failed while they should have stayed open. */
  streamsLost: number;
  /** Event → delivery: the event's Redis Stream id (the ms Redis took it in) → the subscriber's `next` message (ms resolution). */
  latencyMs: { p50: number; p99: number; max: number };
  /** Mutation sent → subscriber's `next` message (an upper bound: includes the write itself). */
  fromSendMs: { p50: number; p99: number };
  /** Mutation's answer → subscriber's `next` message, 0 when the delivery came first (the event is published at the commit, before the answer). */
  fromAnswerMs: { p50: number; p99: number };
  /** The mutations' own latency (sent → answered). */
  mutationMs: { p50: number; p99: number };
  /**
   * The gateway process's RSS (the subgraphs apart): before any subscriber, with all N open and idle,
   * after the events (each settled 5 s), and its highest (sampled every 250 ms over the whole part, and the process's maxRSS).
   */
  rssMb: { baseline: number; open: number; afterEvents: number; peak: number };
  /** The bare node:http server holding as many idle streams (see measureFloor). */
  floor: { baseline: number; open: number; opened: number };
  /** RSS samples taken, and the subgraph processes' summed peak RSS (VmHWM; null where /proc is not readable). */
  rssSamples: number;
  subgraphs: number;
  subgraphsPeakMb: number | null;
  rssPass: boolean;
  latencyPass: boolean;
  firstError: string | null;
  dataset: string;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const heap = (stats: ServerStats) => `${mb(stats.heapUsedBytes)} / ${mb(stats.heapTotalBytes)} MB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process's peak RSS as Linux keeps it (VmHWM), in bytes; null elsewhere. */
async function peakRssOf(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/** One written event, found again by the commune it concerns (each event a commune of its own). */
interface Written {
  province: string;
  sentAt: number;
  answeredAt: number | null;
  expected: number;
  received: number;
}

/** Communes (a few per province), an applicant and a commune-level procedure of the part's data set. */
async function eventPool(url: string, perProvince: number) {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    const communes = (
      await pg.query<{ code: string; province: string }>(
        `SELECT code, province_code AS province FROM (
           SELECT code, province_code, row_number() OVER (PARTITION BY province_code ORDER BY code) AS n FROM administrative_units.commune
         ) c WHERE n <= $1 ORDER BY n, province_code`,
        [perProvince],
      )
    ).rows;
    const applicant = (await pg.query<{ id: string }>(`SELECT citizen_id AS id FROM population.resident ORDER BY citizen_id LIMIT 1`))
      .rows[0]!.id;
    const procedure = (
      await pg.query<{ code: string }>(`SELECT code FROM public_services.procedure WHERE level = 'COMMUNE' ORDER BY code LIMIT 1`)
    ).rows[0]!.code;
    return { communes, applicant, procedure };
  } finally {
    await pg.end();
  }
}

/** One SSE subscriber over node:http: counts its `next` messages as they come. */
interface Subscriber {
  province: string;
  open: boolean;
  request: ClientRequest | null;
}

/** The part: its data set, one gateway, N subscribers, events at a steady rate, the figures. */
export async function runLive(ctx: LiveContext): Promise<LiveReport> {
  const url = ctx.databaseUrl.replace(/\/([^/?]+)(\?|$)/, '/$1_live$2');
  await ensureDatabase(url);
  const dataset = await prepareDataset(url, { residents: RESIDENTS, seed: ctx.seed, onProgress: () => undefined });
  ctx.progress(`live: data set ${dataset.residents.toLocaleString('en-US')} residents ${dataset.reused ? '(reused)' : '(seeded)'}`);
  const events = Math.max(1, ctx.durationSeconds * EVENTS_PER_SECOND);
  const provinces = dataset.provinces;
  const pool = await eventPool(url, Math.ceil(events / provinces.length));
  ctx.progress(`live: the floor: a bare node:http server holding ${ctx.subscribers.toLocaleString('en-US')} idle event streams`);
  const floor = await measureFloor(ctx, JSON.stringify({ query: SUBSCRIPTION(provinces[0]!) }));
  ctx.progress(`live: the floor: RSS ${floor.open} MB with ${floor.opened.toLocaleString('en-US')} open (${floor.baseline} MB before)`);

  const base = ctx.gatewayEnv('warm');
  // As deployed: every subgraph a process of its own (ports chosen up front, each told where the
  // others are), publishing its events to the same Redis Streams; the gateway in front of them.
  const { processes, urlEnv } = await planSubgraphProcesses();
  ctx.progress(`live: starting ${processes.length} subgraph processes, then the gateway in front of them`);
  const subgraphEnv: Record<string, string> = {
    ...urlEnv,
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    DATABASE_URL: url,
    REDIS_URL: base.REDIS_URL!,
    CACHE_ENABLED: 'true',
    CACHE_PREFIX: `${ctx.cachePrefix}live:`,
    INTERNAL_PUBLIC_KEY_FILE: ctx.keyFiles.internalPublic,
    INTERNAL_SERVICE_PRIVATE_KEY_FILE: ctx.keyFiles.servicePrivate,
    INTERNAL_SERVICE_PUBLIC_KEY_FILE: ctx.keyFiles.servicePublic,
    // Subgraphs log their URL at info.
    LOG_LEVEL: 'info',
  };
  const subgraphs = await Promise.all(
    processes.map((p) => ctx.lifecycle.start(p.entry, { ...subgraphEnv, PORT: String(p.port) }, SUBGRAPH_READY)),
  );
  const env: Record<string, string> = {
    ...base,
    ...urlEnv,
    // Remote mode: the subgraphs are the processes above.
    DATABASE_URL: '',
    CACHE_PREFIX: `${ctx.cachePrefix}live:`,
    // No limit per caller (every subscriber is PUBLIC from 127.0.0.1) nor per instance (0: none).
    LIVE_LIMIT_PER_CALLER: '0',
    LIVE_LIMIT_PER_INSTANCE: '0',
  };
  let gateway: ChildServer;
  try {
    gateway = await ctx.lifecycle.start('bench/gatewayProcess.ts', env);
  } catch (error) {
    await Promise.all(subgraphs.map((s) => ctx.lifecycle.stop(s)));
    throw error;
  }
  // The gateway's RSS, sampled over the whole part (the process's maxRSS is read at the end too).
  let peakRss = 0;
  let rssSamples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const stats = await askStats(gateway).catch(() => null);
      if (stats) {
        rssSamples += 1;
        peakRss = Math.max(peakRss, stats.rssBytes, stats.maxRssBytes);
      }
      await sleep(RSS_SAMPLE_MS);
    }
  })();
  const origin = new URL(gateway.url).origin;
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const subscribers: Subscriber[] = [];
  let firstError: string | null = null;
  let streamsLost = 0;
  let beforeAnswer = 0;
  let measuring = false;
  const latencies: number[] = [];
  const fromSend: number[] = [];
  const fromAnswer: number[] = [];
  const mutationMs: number[] = [];
  const written = new Map<string, Written>();
  let received = 0;

  const onMessage = (message: string) => {
    if (!/^(id: [^\n]*\n)?event: next\n/.test(message)) return;
    const at = performance.now();
    const wall = Date.now();
    const data = /\ndata: ([^\n]*)/.exec(message)?.[1];
    let delivery: { data?: { evaluationChanged?: { unitCode?: string } }; extensions?: { eventId?: string } } = {};
    try {
      delivery = JSON.parse(data ?? '{}') as typeof delivery;
    } catch {
      firstError ??= `unparsable delivery: ${message.slice(0, 200)}`;
    }
    const unit = delivery.data?.evaluationChanged?.unitCode;
    const event = unit ? written.get(unit) : undefined;
    if (!event) return;
    event.received += 1;
    received += 1;
    // The event's id is its Redis Stream id, `<ms>-<seq>`: the time Redis (on this machine's clock) took it in.
    const eventMs = Number(/^(\d+)-/.exec(delivery.extensions?.eventId ?? '')?.[1] ?? Number.NaN);
    if (Number.isFinite(eventMs)) latencies.push(Math.max(0, wall - eventMs));
    fromSend.push(at - event.sentAt);
    if (event.answeredAt === null || at < event.answeredAt) {
      beforeAnswer += 1;
      fromAnswer.push(0);
    } else fromAnswer.push(at - event.answeredAt);
  };

  /** Opens one subscription; resolves true once the gateway answers 200 with an event stream. */
  const subscribe = (subscriber: Subscriber) =>
    new Promise<boolean>((resolve) => {
      const body = JSON.stringify({ query: SUBSCRIPTION(subscriber.province) });
      const req = request(
        `${origin}/graphql/stream`,
        {
          method: 'POST',
          agent,
          headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          if (res.statusCode !== 200) {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => {
              firstError ??= `subscribe: HTTP ${res.statusCode}: ${text.slice(0, 200)}`;
              resolve(false);
            });
            return;
          }
          subscriber.open = true;
          subscriber.request = req;
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              onMessage(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
            }
          });
          const lost = () => {
            if (!subscriber.open) return;
            subscriber.open = false;
            if (measuring) {
              streamsLost += 1;
              firstError ??= `a stream ended: ${buffer.slice(0, 200)}`;
            }
          };
          res.on('end', lost);
          res.on('error', lost);
          resolve(true);
        },
      );
      req.on('error', (error) => {
        if (subscriber.open) {
          subscriber.open = false;
          if (measuring) streamsLost += 1;
        } else {
          firstError ??= `subscribe: ${error.message}`;
          resolve(false);
        }
      });
      req.end(body);
    });

  try {
    const baseline = await askStats(gateway);
    ctx.progress(
      `live: opening ${ctx.subscribers.toLocaleString('en-US')} subscriptions (evaluationChanged over ${provinces.length} provinces)`,
    );
    const openStarted = performance.now();
    for (let i = 0; i < ctx.subscribers; i++) subscribers.push({ province: provinces[i % provinces.length]!, open: false, request: null });
    let next = 0;
    let opened = 0;
    await Promise.all(
      Array.from({ length: Math.min(OPENING_CONCURRENCY, subscribers.length) }, async () => {
        while (next < subscribers.length) {
          const subscriber = subscribers[next++]!;
          if (await subscribe(subscriber)) opened += 1;
        }
      }),
    );
    const openSeconds = (performance.now() - openStarted) / 1000;
    ctx.progress(`live: ${opened.toLocaleString('en-US')} open in ${openSeconds.toFixed(1)} s; settling ${SETTLE_SECONDS} s`);
    // The broker's reader picks a new channel up within a second; then the gateway is left alone.
    await sleep(SETTLE_SECONDS * 1000);
    const open = await askStats(gateway);
    ctx.progress(
      `live: gateway RSS ${mb(open.rssBytes)} MB with ${opened.toLocaleString('en-US')} open (${mb(baseline.rssBytes)} MB before); V8 heap used / held ${heap(open)} (${heap(baseline)} before)`,
    );

    measuring = true;
    const openOf = (province: string) => subscribers.filter((s) => s.open && s.province === province).length;
    const now = new Date(Date.now() - 3_600_000);
    const vnDate = new Date(now.getTime() + 7 * 3_600_000).toISOString();
    const yymmdd = `${vnDate.slice(2, 4)}${vnDate.slice(5, 7)}${vnDate.slice(8, 10)}`;
    // Numbers unique across runs of the same day: the second of the day the run began, then the event's turn in its commune.
    const secondOfDay = Math.floor((Date.now() / 1000) % 86_400);
    let eventsFailed = 0;
    const sends: Promise<void>[] = [];
    const started = performance.now();
    ctx.progress(`live: ${events} events at ${EVENTS_PER_SECOND}/s (receiveDossier as CENTRAL, a commune of another province each)`);
    for (let i = 0; i < events; i++) {
      const wait = started + (i * 1000) / EVENTS_PER_SECOND - performance.now();
      if (wait > 0) await sleep(wait);
      const commune = pool.communes[i % pool.communes.length]!;
      const turn = Math.floor(i / pool.communes.length);
      const event: Written = { province: commune.province, sentAt: performance.now(), answeredAt: null, expected: 0, received: 0 };
      event.expected = openOf(commune.province);
      written.set(commune.code, event);
      const number = `${commune.code}-${yymmdd}-${String(100_000 + secondOfDay * 10 + turn).slice(-6)}`;
      sends.push(
        fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...ctx.headers },
          body: JSON.stringify({
            query: RECEIVE,
            variables: {
              input: {
                idempotencyKey: randomUUID(),
                number,
                procedureCode: pool.procedure,
                communeCode: commune.code,
                applicant: { citizenId: pool.applicant },
                channel: 'IN_PERSON',
                receivedAt: now.toISOString(),
              },
            },
          }),
        })
          .then(async (response) => {
            const answer = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
            event.answeredAt = performance.now();
            mutationMs.push(event.answeredAt - event.sentAt);
            if (answer.errors?.length || !answer.data) throw new Error(answer.errors?.[0]?.message ?? `HTTP ${response.status}`);
          })
          .catch((error: unknown) => {
            eventsFailed += 1;
            event.expected = 0;
            firstError ??= `receiveDossier ${number}: ${(error as Error).message}`;
          }),
      );
    }
    await Promise.all(sends);
    const seconds = (performance.now() - started) / 1000;
    const expectedOf = () => [...written.values()].reduce((n, e) => n + e.expected, 0);
    const drainUntil = performance.now() + DRAIN_MS;
    while (received < expectedOf() && performance.now() < drainUntil) await sleep(100);
    ctx.progress(
      `live: ${received.toLocaleString('en-US')} / ${expectedOf().toLocaleString('en-US')} deliveries; settling ${SETTLE_SECONDS} s`,
    );
    await sleep(SETTLE_SECONDS * 1000);
    const after = await askStats(gateway);
    ctx.progress(`live: gateway RSS ${mb(after.rssBytes)} MB after the events; V8 heap used / held ${heap(after)}`);
    measuring = false;
    sampling = false;
    await sampler;
    const subgraphPeaks = await Promise.all(subgraphs.map((s) => peakRssOf(s.process.pid)));
    latencies.sort((a, b) => a - b);
    fromSend.sort((a, b) => a - b);
    fromAnswer.sort((a, b) => a - b);
    mutationMs.sort((a, b) => a - b);
    const peak = mb(Math.max(peakRss, after.rssBytes, after.maxRssBytes));
    const p99 = percentile(latencies, 99);
    const expected = expectedOf();
    return {
      subscribers: ctx.subscribers,
      opened,
      openFailed: ctx.subscribers - opened,
      openSeconds,
      events: events - eventsFailed,
      eventsFailed,
      eventsPerSecond: events / seconds,
      expected,
      received,
      beforeAnswer,
      streamsLost,
      latencyMs: { p50: percentile(latencies, 50), p99, max: latencies.at(-1) ?? Number.NaN },
      fromSendMs: { p50: percentile(fromSend, 50), p99: percentile(fromSend, 99) },
      fromAnswerMs: { p50: percentile(fromAnswer, 50), p99: percentile(fromAnswer, 99) },
      mutationMs: { p50: percentile(mutationMs, 50), p99: percentile(mutationMs, 99) },
      rssMb: { baseline: mb(baseline.rssBytes), open: mb(open.rssBytes), afterEvents: mb(after.rssBytes), peak },
      floor,
      rssSamples,
      subgraphs: subgraphs.length,
      subgraphsPeakMb: subgraphPeaks.every((p) => p !== null) ? mb(subgraphPeaks.reduce<number>((n, p) => n + p!, 0)) : null,
      // Every subscriber open and every expected delivery received, besides the figures themselves.
      rssPass: peak < LIVE_RSS_TARGET_MB && opened === ctx.subscribers,
      latencyPass: p99 < LIVE_P99_TARGET_MS && received >= expected && expected > 0,
      firstError,
      dataset: `${dataset.residents.toLocaleString('en-US')} residents, ${provinces.length} provinces`,
    };
  } finally {
    measuring = false;
    sampling = false;
    await sampler;
    for (const s of subscribers) s.request?.destroy();
    agent.destroy();
    await ctx.lifecycle.stop(gateway);
    await Promise.all(subgraphs.map((s) => ctx.lifecycle.stop(s)));
  }
}

/** KB of RSS per open stream, from the RSS before and with `count` open (in MB). */
const perStream = (before: number, open: number, count: number) => (count > 0 ? number(((open - before) * 1024) / count, 1) : '—');
const number = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number) => (Number.isNaN(n) ? '—' : n < 1 ? '< 1' : number(n));

/** The part's table and targets, in Markdown. */
export function renderLive(r: LiveReport): string[] {
  return [
    '',
    '### Live: concurrent subscribers on one gateway (SSE)',
    '',
    '| Subscribers | Open | Opened in s | Events | events/s | mutation p50 ms | Deliveries expected | Received | Streams lost | event → delivery p50 ms | p99 ms | max ms | send → delivery p50 ms | p99 ms | answer → delivery p99 ms | RSS before MB | RSS open MB | RSS after events MB | RSS peak MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${number(r.subscribers)} | ${number(r.opened)} | ${number(r.openSeconds, 1)} | ${number(r.events)}${r.eventsFailed ? ` (**${r.eventsFailed} failed**)` : ''} | ${number(r.eventsPerSecond, 1)} | ${ms(r.mutationMs.p50)} | ${number(r.expected)} | ${r.received >= r.expected ? number(r.received) : `**${number(r.received)}**`} | ${r.streamsLost ? `**${number(r.streamsLost)}**` : '0'} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p99)} | ${ms(r.latencyMs.max)} | ${ms(r.fromSendMs.p50)} | ${ms(r.fromSendMs.p99)} | ${ms(r.fromAnswerMs.p99)} | ${r.rssMb.baseline} | ${r.rssMb.open} | ${r.rssMb.afterEvents} | ${r.rssMb.peak} |`,
    '',
    `- Measured: **the gateway process alone**, in front of ${r.subgraphs} subgraph processes (as deployed; their summed peak RSS ${r.subgraphsPeakMb === null ? 'not readable here' : `${r.subgraphsPeakMb} MB`}, not counted)`,
    `- Gateway RSS peak with ${number(r.opened)} subscribers: **${r.rssMb.peak} MB** (target < ${LIVE_RSS_TARGET_MB} MB; ${number(r.rssSamples)} samples every ${RSS_SAMPLE_MS} ms over the whole part, and maxRSS) — ${r.rssPass ? 'PASS' : 'FAIL'}`,
    `- Per open stream: the gateway **${perStream(r.rssMb.baseline, r.rssMb.open, r.opened)} KB**; a bare node:http server holding ${number(r.floor.opened)} idle event streams (the same Node flags, nothing but the connection): ` +
      `RSS ${r.floor.baseline} → ${r.floor.open} MB, **${perStream(r.floor.baseline, r.floor.open, r.floor.opened)} KB** per stream — the part of each stream that is Node's own (socket, parser, request and response, their callbacks)`,
    `- Event-to-delivery p99: **${ms(r.latencyMs.p99)} ms** (target < ${number(LIVE_P99_TARGET_MS)} ms, every expected delivery received) — ${r.latencyPass ? 'PASS' : 'FAIL'}`,
    `- Each subscriber: its own SSE connection (graphql-sse, distinct connections), PUBLIC, \`evaluationChanged(provinceCode:)\` selecting \`{ ${SELECTION} }\`, provinces in turn; ` +
      `events: \`receiveDossier\` as CENTRAL, one commune each, provinces in turn, so each event is delivered to its province's subscribers. ` +
      `Event → delivery: from the event's Redis Stream id (the millisecond Redis took the event in, same clock) to the subscriber's \`next\` message; ` +
      `send → delivery includes the write itself; answer → delivery counts 0 for the ${number(r.beforeAnswer)} of ${number(r.received)} deliveries that came before the mutation's answer (the event is published at the commit). ` +
      `RSS settled ${SETTLE_SECONDS} s; peak = the highest of the samples and the process's maxRSS. Gateway: remote mode (production settings), subgraphs each in its process on PostgreSQL (${r.dataset}), Redis Streams, caches on, live limits off.` +
      (r.firstError ? ` First error: ${r.firstError}.` : ''),
  ];
}
