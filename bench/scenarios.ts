import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { Client } from 'pg';
import { mintDevToken } from '../shared/auth/devTokens';
import type { Config } from '../shared/config';
import { ANONYMOUS, type Identity } from '../shared/auth/identity';
import { bodyHash, importInternalKeys, signIdentity } from '../shared/auth/internalToken';
import { planSubgraphProcesses } from '../hub/processes';
import { OPERATIONS } from '../hub/operations';
import type { Dataset } from './dataset';
import { recordingShape, recordRequest, replayFloor } from './floor';
import { runLoad, type LoadResult } from './load';
import { askStats, mb, SUBGRAPH_READY, type ChildServer } from './processes';
import type { ServerStats } from './serverStats';

/**
 * The bench's second part: uncached scenarios across deployment shapes (one process, separate
 * processes, a subgraph called directly, page sizes, a mixed workload of every persona), then the
 * sustained load test (100 connections, a minute by default, on the embedded PGlite default and on
 * PostgreSQL) watching for 5xx answers and memory growth.
 */

/** A resident by personal identification number; every field is the population subgraph's (so it can also be sent to it directly). */
export const RESIDENT_LOOKUP = `query ResidentLookup($citizenId: CitizenId!) {
  resident(citizenId: $citizenId) { citizenId fullName birthDate sex permanentResidence { code } household { id } }
}`;
/** A pre-reform commune code from an old document, and what it became. */
export const LEGACY_LOOKUP = `query LegacyLookup($code: ID!) {
  legacyUnit(code: $code, level: COMMUNE) { name level successors { code name } }
}`;
const COMMUNE_RESIDENTS_PAGE = (size: number) => OPERATIONS.CommuneResidents.replace('residents(first: 50)', `residents(first: ${size})`);
const MY_RECORD = `query MyRecord($citizenId: CitizenId!) {
  resident(citizenId: $citizenId) { fullName birthDate permanentResidence { name province { name } } household { id address } landParcels { id area } }
}`;
const SEARCH = `query Search($q: String!) { communes(filter: { search: $q }, first: 10) { edges { node { code fullName province { name } } } } }`;

/** One measurement of the scenarios table. */
export interface ScenarioRow {
  scenario: string;
  /** Which deployment shape answered. */
  setup: string;
  variables: string;
  load: LoadResult;
  /** The answering process's highest resident set size so far (MB); null when not asked (a subgraph called directly). */
  peakRssMb: number | null;
  /**
   * SQL statements per request, counted by the gateway's PostgreSQL client: only where that client
   * sends them all (one process); null where the subgraph processes do.
   */
  sqlPerRequest?: number | null;
  /** The answering process's CPU time (ms) ÷ responses over the window; null where not asked. */
  cpuMsPerRequest?: number | null;
  /** Bytes the answering process allocated on V8's heap (MB) ÷ responses over the window; null where not asked. */
  allocatedMbPerRequest?: number | null;
}

/** The setup of the SQL floor's row: a scenario's statements replayed with `pg` (bench/floor.ts). */
export const FLOOR_SETUP = 'SQL floor (its statements replayed with pg)';

/** One run of the sustained load test. */
export interface LoadTestRow {
  setup: string;
  connections: number;
  load: LoadResult;
  /** The gateway's RSS (MB) sampled over the run, at even intervals. */
  rssMb: number[];
  /** RSS of the last quarter's samples ÷ the first quarter's (after warm-up): near 1 when memory is bounded. */
  rssGrowth: number;
  /** Zero 5xx and RSS growth under {@link MAX_RSS_GROWTH}. */
  pass: boolean;
}

/** Memory may grow while caches fill (bounded LRUs); more than this over one run looks like a leak. */
export const MAX_RSS_GROWTH = 1.5;

/** What the bench's entry point hands over. */
export interface ScenarioContext {
  databaseUrl: string;
  dataset: Dataset;
  keyFiles: {
    issuerPrivate: string;
    issuerJwks: string;
    internalPrivate: string;
    internalPublic: string;
    servicePrivate: string;
    servicePublic: string;
  };
  authConfig: Config;
  /** Production settings of a gateway on `databaseUrl`, embedded, caching off (see gatewayEnvironment in setup.ts). */
  gatewayEnv: Record<string, string>;
  start(entry: string, env: Record<string, string>, ready?: RegExp): Promise<ChildServer>;
  stop(server: ChildServer): Promise<void>;
  progress(message: string): void;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  loadConnections: number;
  loadSeconds: number;
  purpose: string;
}

const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

/** Values the scenarios need from the data set: a resident (and their commune), a pre-reform commune code. */
export async function samples(databaseUrl: string, denseCommune: string) {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const resident = (
      await pg.query<{ citizen_id: string }>(
        'SELECT citizen_id FROM population.resident WHERE permanent_commune_code = $1 ORDER BY citizen_id LIMIT 1',
        [denseCommune],
      )
    ).rows[0];
    const legacy = (
      await pg.query<{ code: string }>(
        `SELECT u.code FROM administrative_units.legacy_unit u WHERE u.level = 'COMMUNE'
           AND EXISTS (SELECT 1 FROM administrative_units.legacy_successor s WHERE s.level = u.level AND s.legacy_code = u.code)
         ORDER BY u.code LIMIT 1`,
      )
    ).rows[0];
    if (!resident || !legacy) throw new Error('The data set has no resident in the densest commune, or no pre-reform commune');
    return { citizenId: resident.citizen_id, legacyCode: legacy.code };
  } finally {
    await pg.end();
  }
}

/** A request of a workload: its headers (token, purpose) and JSON body. */
export type Work = { headers: Record<string, string>; body: string }[];

/** The personas' requests, in the order each connection sends them (the explorer's examples, one per persona). */
export function mixedSequence(
  tokens: { central: string; commune: string; province: string; citizen: string },
  purpose: string,
  values: { citizenId: string; legacyCode: string; commune: string },
): Work {
  const officer = (token: string) => ({ authorization: `Bearer ${token}`, 'x-purpose': purpose });
  return [
    { headers: officer(tokens.commune), body: body(OPERATIONS.CommuneResidents, { code: values.commune }) },
    { headers: officer(tokens.province), body: body(OPERATIONS.ProvinceLand, { province: '01' }) },
    { headers: officer(tokens.central), body: body(RESIDENT_LOOKUP, { citizenId: values.citizenId }) },
    { headers: { authorization: `Bearer ${tokens.citizen}` }, body: body(MY_RECORD, { citizenId: values.citizenId }) },
    { headers: {}, body: body(OPERATIONS.Units, {}) },
    { headers: {}, body: body(LEGACY_LOOKUP, { code: values.legacyCode }) },
    { headers: {}, body: body(SEARCH, { q: 'hoa binh' }) },
  ];
}

/** Tokens of the mixed workload's personas, signed by `issuer`: central, commune officer of `commune`, provincial officer of 01, the citizen `citizenId`. */
export async function personaTokens(issuer: JWK, config: Config, citizenId: string, commune: string) {
  const mint = (claims: Record<string, unknown>) => mintDevToken(issuer, config, claims as never, '2h');
  return {
    central: await mint({ role: 'CENTRAL', sub: 'bench-central-1', org: 'Bộ Công an' }),
    commune: await mint({ role: 'COMMUNE_OFFICER', sub: 'bench-commune-1', commune, org: 'UBND' }),
    province: await mint({ role: 'PROVINCE_OFFICER', sub: 'bench-province-1', province: '01', org: 'Sở Nông nghiệp và Môi trường' }),
    citizen: await mint({ role: 'CITIZEN', sub: citizenId }),
  };
}

/** Checks once that every request of a workload answers (200, data, no errors): a failing one would measure nothing. */
export async function checkAnswers(url: string, sequence: { headers: Record<string, string>; body: string }[]): Promise<void> {
  for (const r of sequence) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...r.headers }, body: r.body });
    const text = await response.text();
    if (response.status !== 200 || !text.startsWith('{"data"') || text.includes('"errors":[')) {
      throw new Error(`${JSON.parse(r.body).query.split('(')[0]} does not answer (${response.status}): ${text.slice(0, 400)}`);
    }
  }
}

/**
 * The lookups again on a larger data set (another database): with every hot query index-backed
 * (test/indexes.test.ts), latency stays flat as the population grows.
 */
export async function runLargeDataset(ctx: ScenarioContext, label: string): Promise<ScenarioRow[]> {
  const dense = ctx.dataset.communes[0]!.code;
  const values = { ...(await samples(ctx.databaseUrl, dense)), commune: dense };
  const issuer = JSON.parse(readFileSync(ctx.keyFiles.issuerPrivate, 'utf8')) as JWK;
  const tokens = await personaTokens(issuer, ctx.authConfig, values.citizenId, dense);
  const central = { authorization: `Bearer ${tokens.central}`, 'x-purpose': ctx.purpose };
  const rows: ScenarioRow[] = [];
  const gateway = await ctx.start('bench/gatewayProcess.ts', ctx.gatewayEnv);
  try {
    const work: [string, Work][] = [
      ['ResidentLookup', [{ headers: central, body: body(RESIDENT_LOOKUP, { citizenId: values.citizenId }) }]],
      ['LegacyLookup', [{ headers: {}, body: body(LEGACY_LOOKUP, { code: values.legacyCode }) }]],
      ['CommuneResidents first: 50', [{ headers: central, body: body(COMMUNE_RESIDENTS_PAGE(50), { code: dense }) }]],
      ['Mixed', mixedSequence(tokens, ctx.purpose, values)],
    ];
    for (const [scenario, sequence] of work) {
      await checkAnswers(gateway.url, sequence);
      const options = { url: gateway.url, connections: ctx.connections, headers: {}, sequence };
      if (ctx.warmupSeconds > 0) await runLoad({ ...options, durationSeconds: ctx.warmupSeconds });
      ctx.progress(`${scenario}, ${label}: measuring ${ctx.durationSeconds} s`);
      const load = await runLoad({ ...options, durationSeconds: ctx.durationSeconds });
      rows.push({
        scenario,
        setup: label,
        variables: `densest commune ${dense}`,
        load,
        peakRssMb: mb((await askStats(gateway)).maxRssBytes),
      });
      ctx.progress(`${scenario}, ${label}: ${load.requestsPerSecond.toFixed(1)} req/s, p50 ${load.latencyMs.p50} ms`);
    }
  } finally {
    await ctx.stop(gateway);
  }
  return rows;
}

/** The uncached scenarios: one process vs separate processes vs a subgraph directly; page sizes; the mixed workload. */
export async function runScenarios(ctx: ScenarioContext): Promise<ScenarioRow[]> {
  const dense = ctx.dataset.communes[0]!.code;
  const values = { ...(await samples(ctx.databaseUrl, dense)), commune: dense };
  const issuer = JSON.parse(readFileSync(ctx.keyFiles.issuerPrivate, 'utf8')) as JWK;
  const tokens = await personaTokens(issuer, ctx.authConfig, values.citizenId, dense);
  const central = { authorization: `Bearer ${tokens.central}`, 'x-purpose': ctx.purpose };
  const mixed = mixedSequence(tokens, ctx.purpose, values);
  const rows: ScenarioRow[] = [];

  const measure = async (
    server: ChildServer | null,
    url: string,
    scenario: string,
    setup: string,
    variables: string,
    work: { headers: Record<string, string>; body: string }[],
  ) => {
    await checkAnswers(url, work);
    const options = { url, connections: ctx.connections, headers: {}, sequence: work };
    if (ctx.warmupSeconds > 0) await runLoad({ ...options, durationSeconds: ctx.warmupSeconds });
    ctx.progress(`${scenario}, ${setup}: measuring ${ctx.durationSeconds} s`);
    // Statements are counted where the gateway's own client sends them all: in one process.
    const counted = setup === 'one process' && server !== null;
    const before = server ? await askStats(server) : null;
    const load = await runLoad({ ...options, durationSeconds: ctx.durationSeconds });
    const stats = server ? await askStats(server) : null;
    const peakRssMb = stats ? mb(stats.maxRssBytes) : null;
    const sqlPerRequest =
      counted && before?.statements != null && stats?.statements != null && load.sent > 0
        ? (stats.statements - before.statements) / load.sent
        : null;
    const perRequest = (bytesOrMicros: (s: ServerStats) => number, unit: number) =>
      before && stats && load.completed > 0 ? (bytesOrMicros(stats) - bytesOrMicros(before)) / unit / load.completed : null;
    const cpuMsPerRequest = perRequest((s) => s.cpuMicros, 1_000);
    const allocatedMbPerRequest = perRequest((s) => s.allocatedBytes, 2 ** 20);
    rows.push({ scenario, setup, variables, load, peakRssMb, sqlPerRequest, cpuMsPerRequest, allocatedMbPerRequest });
    ctx.progress(
      `${scenario}, ${setup}: ${load.requestsPerSecond.toFixed(1)} req/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms` +
        (cpuMsPerRequest === null
          ? ''
          : `, ${cpuMsPerRequest.toFixed(2)} ms CPU and ${allocatedMbPerRequest!.toFixed(2)} MB allocated per request`),
    );
  };
  /** The SQL floor of a scenario measured on `server` (one process): its statements for one request, replayed with pg. */
  const floor = async (server: ChildServer, scenario: string, work: Work) => {
    const request = work[0]!;
    const recorded = await recordRequest(server, request.body, request.headers);
    const shape = recordingShape(recorded);
    ctx.progress(
      `${scenario}, ${FLOOR_SETUP}: ${shape.statements} statements on ${shape.connections} connection(s), ${shape.transactions} transaction(s), ` +
        `${shape.auditEntries} audit entries, ${shape.moved} moved to keep transactions whole; replaying with pg at ${ctx.connections} connections for ${ctx.durationSeconds} s`,
    );
    const { load, firstError, slowest } = await replayFloor(ctx.databaseUrl, recorded, {
      connections: ctx.connections,
      durationSeconds: ctx.durationSeconds,
      warmupSeconds: ctx.warmupSeconds,
    });
    if (firstError) ctx.progress(`${scenario}, ${FLOOR_SETUP}: ${load.errors} replays failed, the first with: ${firstError}`);
    const variables =
      `the ${shape.statements} statements the one-process gateway sent for one such request alone (${shape.transactions} transactions, ` +
      `${shape.auditEntries} audit appends; ${shape.moved} statements moved after the transaction they interleaved), in their order on one connection per request; ` +
      `one replay alone spent the most in ${slowest.map((t) => `${t.ms.toFixed(1)} ms (${t.statement}…)`).join(', ')}`;
    rows.push({ scenario, setup: FLOOR_SETUP, variables, load, peakRssMb: null, sqlPerRequest: shape.statements });
    ctx.progress(`${scenario}, ${FLOOR_SETUP}: ${load.requestsPerSecond.toFixed(1)} req/s, p50 ${load.latencyMs.p50.toFixed(1)} ms`);
  };
  const resident = [{ headers: central, body: body(RESIDENT_LOOKUP, { citizenId: values.citizenId }) }];
  const legacy = [{ headers: {}, body: body(LEGACY_LOOKUP, { code: values.legacyCode }) }];
  const page = (size: number) => [{ headers: central, body: body(COMMUNE_RESIDENTS_PAGE(size), { code: dense }) }];
  const MIXED = `the ${mixed.length} personas' requests in turn (commune officer CommuneResidents, provincial ProvinceLand, central ResidentLookup, citizen MyRecord, public Units, LegacyLookup, Search)`;

  // 1. The embedded gateway: every subgraph in its process.
  ctx.progress('scenarios: embedded gateway (one process), caching off: starting');
  let gateway = await ctx.start('bench/gatewayProcess.ts', ctx.gatewayEnv);
  try {
    await measure(gateway, gateway.url, 'ResidentLookup', 'one process', 'one resident, central officer', resident);
    await measure(gateway, gateway.url, 'LegacyLookup', 'one process', `pre-reform commune ${values.legacyCode}`, legacy);
    for (const size of [10, 50, 100]) {
      await measure(gateway, gateway.url, `CommuneResidents first: ${size}`, 'one process', `code ${dense}`, page(size));
    }
    await measure(gateway, gateway.url, 'Mixed', 'one process', MIXED, mixed);
    // The gateway stays idle while its SQL is replayed.
    await floor(gateway, 'CommuneResidents first: 50', page(50));
  } finally {
    await ctx.stop(gateway);
  }

  // 2. Separate processes: four subgraphs and a gateway in front of them, over HTTP.
  // Ports chosen up front: each subgraph is told where the others are (existence checks of writes).
  const { processes, urlEnv: urls } = await planSubgraphProcesses();
  ctx.progress(`scenarios: separate processes (${processes.length} subgraphs + gateway), caching off: starting`);
  const subgraphEnv = {
    ...urls,
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    DATABASE_URL: ctx.databaseUrl,
    CACHE_ENABLED: 'false',
    INTERNAL_PUBLIC_KEY_FILE: ctx.keyFiles.internalPublic,
    INTERNAL_SERVICE_PRIVATE_KEY_FILE: ctx.keyFiles.servicePrivate,
    INTERNAL_SERVICE_PUBLIC_KEY_FILE: ctx.keyFiles.servicePublic,
    // Subgraphs log their URL at info.
    LOG_LEVEL: 'info',
  };
  const subgraphs = await Promise.all(processes.map((p) => ctx.start(p.entry, { ...subgraphEnv, PORT: String(p.port) }, SUBGRAPH_READY)));
  try {
    gateway = await ctx.start('bench/gatewayProcess.ts', { ...ctx.gatewayEnv, ...urls, DATABASE_URL: '' });
    try {
      await measure(gateway, gateway.url, 'ResidentLookup', 'separate processes', 'one resident, central officer', resident);
      await measure(gateway, gateway.url, 'LegacyLookup', 'separate processes', `pre-reform commune ${values.legacyCode}`, legacy);
      await measure(gateway, gateway.url, 'CommuneResidents first: 50', 'separate processes', `code ${dense}`, page(50));
      await measure(gateway, gateway.url, 'Mixed', 'separate processes', MIXED, mixed);
    } finally {
      await ctx.stop(gateway);
    }
    // The peer: Hive Gateway on the same supergraph and the same subgraph processes.
    ctx.progress('scenarios: Hive Gateway in front of the same subgraph processes: starting');
    const hive = await ctx.start('bench/hiveGatewayProcess.ts', { ...ctx.gatewayEnv, ...urls, DATABASE_URL: '' });
    try {
      await measure(hive, hive.url, 'ResidentLookup', 'Hive Gateway', 'one resident, central officer', resident);
      await measure(hive, hive.url, 'CommuneResidents first: 50', 'Hive Gateway', `code ${dense}`, page(50));
      await measure(hive, hive.url, 'Mixed', 'Hive Gateway', MIXED, mixed);
    } finally {
      await ctx.stop(hive);
    }
    // 3. A subgraph called directly with the identity the gateway would sign (valid 60 s, so signed
    // right before each measurement): the cost of the federation hop, for the lookups whose fields
    // are all one subgraph's.
    const keys = await importInternalKeys(
      JSON.parse(readFileSync(ctx.keyFiles.internalPrivate, 'utf8')) as JWK,
      JSON.parse(readFileSync(ctx.keyFiles.internalPublic, 'utf8')) as JWK,
    );
    const direct = async (
      scenario: string,
      service: string,
      identity: Identity,
      purpose: string | null,
      query: string,
      variables: Record<string, unknown>,
    ) => {
      const subgraph = subgraphs[processes.findIndex((p) => p.name === service)]!;
      const signed = await signIdentity(keys, service, identity, { requestId: 'bench-direct', purpose }, bodyHash(query, variables));
      await measure(null, subgraph.url, scenario, `${service} subgraph directly`, 'the same query, identity signed as the gateway does', [
        { headers: { 'x-lien-thong-identity': signed }, body: body(query, variables) },
      ]);
    };
    const officer: Identity = { subject: 'bench-central-1', role: 'CENTRAL', organisation: 'Bộ Công an' } as Identity;
    await direct('ResidentLookup', 'population', officer, ctx.purpose, RESIDENT_LOOKUP, { citizenId: values.citizenId });
    await direct('LegacyLookup', 'administrative-units', ANONYMOUS, null, LEGACY_LOOKUP, { code: values.legacyCode });
  } finally {
    await Promise.all(subgraphs.map((s) => ctx.stop(s)));
  }
  return rows;
}

/**
 * The sustained load: the mixed workload from `loadConnections` connections for `loadSeconds`, on
 * the embedded default (PGlite in a fresh folder, seeded on first start, in-process caches) and on
 * PostgreSQL (the embedded gateway with Redis caches). Every 5xx counts; RSS is sampled throughout.
 */
export async function runLoadTests(ctx: ScenarioContext & { redisEnv: Record<string, string> }): Promise<LoadTestRow[]> {
  const rows: LoadTestRow[] = [];
  const run = async (setup: string, gateway: ChildServer, sequence: { headers: Record<string, string>; body: string }[]) => {
    await checkAnswers(gateway.url, sequence);
    const options = { url: gateway.url, connections: ctx.loadConnections, headers: {}, sequence };
    if (ctx.warmupSeconds > 0) await runLoad({ ...options, durationSeconds: ctx.warmupSeconds });
    ctx.progress(`load test, ${setup}: ${ctx.loadConnections} connections for ${ctx.loadSeconds} s`);
    const rss: number[] = [];
    const sampler = setInterval(() => {
      void askStats(gateway).then(
        (s) => rss.push(mb(s.rssBytes)),
        () => undefined,
      );
    }, 2_000);
    const load = await runLoad({ ...options, durationSeconds: ctx.loadSeconds }).finally(() => clearInterval(sampler));
    rss.push(mb((await askStats(gateway)).rssBytes));
    const quarter = Math.max(1, Math.floor(rss.length / 4));
    const average = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rssGrowth = average(rss.slice(-quarter)) / average(rss.slice(0, quarter));
    rows.push({
      setup,
      connections: ctx.loadConnections,
      load,
      rssMb: rss,
      rssGrowth,
      pass: load.status5xx === 0 && rssGrowth < MAX_RSS_GROWTH,
    });
    ctx.progress(
      `load test, ${setup}: ${load.requestsPerSecond.toFixed(1)} req/s, ${load.status5xx} 5xx, ${load.non2xx} non-2xx, ` +
        `${load.mismatches} GraphQL errors, RSS ${rss[0]} → ${rss.at(-1)} MB (×${rssGrowth.toFixed(2)})`,
    );
  };

  // The embedded default: what `npm start` runs, on PGlite seeded at first start; development keys.
  const dir = mkdtempSync(join(tmpdir(), 'lien-thong-bench-pglite-'));
  try {
    ctx.progress('load test: embedded default (PGlite, 10,000 residents seeded on first start): starting');
    const gateway = await ctx.start('bench/gatewayProcess.ts', {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_POINTS: '0',
      DATABASE_URL: '',
      REDIS_URL: '',
      PGLITE_DIR: join(dir, 'pglite'),
      DEV_KEYS_DIR: join(dir, 'keys'),
      SEED_RESIDENTS: '10000',
      NODE_ENV: 'development',
      AUTH_JWKS_FILE: '',
      AUTH_JWKS_URL: '',
      INTERNAL_PRIVATE_KEY_FILE: '',
      INTERNAL_PUBLIC_KEY_FILE: '',
      ADMINISTRATIVE_UNITS_URL: '',
      POPULATION_URL: '',
      LAND_URL: '',
      ENTERPRISE_URL: '',
    });
    try {
      // `npm start` prints a resident's citizen token; its development issuer signs the others.
      await waitForOutput(gateway, /citizen (\d{12}):/);
      const citizenId = /citizen (\d{12}):/.exec(gateway.output())![1]!;
      const dev = JSON.parse(readFileSync(join(dir, 'keys', 'dev-keys.json'), 'utf8')) as { issuerPrivateJwk: JWK };
      // The commune of the development tokens `npm start` prints (Phường Ba Đình).
      const commune = '00004';
      const legacyCode = (await samples(ctx.databaseUrl, ctx.dataset.communes[0]!.code)).legacyCode;
      const tokens = await personaTokens(dev.issuerPrivateJwk, ctx.authConfig, citizenId, commune);
      await run('embedded default (PGlite)', gateway, mixedSequence(tokens, ctx.purpose, { citizenId, legacyCode, commune }));
    } finally {
      await ctx.stop(gateway);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // PostgreSQL: the embedded gateway on the bench database, Redis caches as in production.
  ctx.progress('load test: gateway on PostgreSQL with Redis caches: starting');
  const gateway = await ctx.start('bench/gatewayProcess.ts', { ...ctx.gatewayEnv, ...ctx.redisEnv, CACHE_ENABLED: 'true' });
  try {
    const dense = ctx.dataset.communes[0]!.code;
    const values = { ...(await samples(ctx.databaseUrl, dense)), commune: dense };
    const issuer = JSON.parse(readFileSync(ctx.keyFiles.issuerPrivate, 'utf8')) as JWK;
    await run(
      'PostgreSQL + Redis',
      gateway,
      mixedSequence(await personaTokens(issuer, ctx.authConfig, values.citizenId, dense), ctx.purpose, values),
    );
  } finally {
    await ctx.stop(gateway);
  }
  return rows;
}

async function waitForOutput(server: ChildServer, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!pattern.test(server.output())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${server.url}: no ${pattern} in its output within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
