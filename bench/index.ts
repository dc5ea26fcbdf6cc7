import { loadavg } from 'node:os';
import { cacheScenarios, cacheTargets, measureBareServer, measureCacheModes, type CacheBench } from './cacheModes';
import type { Dataset } from './dataset';
import { createLifecycle, progressPrinter } from './lifecycle';
import { useBuild } from './processes';
import { runLive } from './live';
import { HELP, parseCommandLine, type BenchOptions } from './options';
import type { Row, Target } from './report';
import { assembleReport, writeResults } from './results';
import { runLargeDataset, runLoadTests, runScenarios, type LoadTestRow, type ScenarioContext, type ScenarioRow } from './scenarios';
import { runScale, type ScaleReport } from './scale';
import { runServices } from './services';
import { runSoak, type SoakReport } from './soak';
import {
  checkServices,
  gatewayEnvironment,
  postgresVersion,
  prepareAuth,
  prepareLargeDataset,
  prepareMainDataset,
  PURPOSE,
  type BenchAuth,
  type GatewayEnv,
  type Services,
} from './setup';
import { statementCounting } from './statements';

const began = Date.now();
const progress = progressPrinter(began);
/** Everything started, stopped at the end and on Ctrl-C. */
const lifecycle = createLifecycle();

/** DATABASE_URL and REDIS_URL, with the bench's defaults, and a cache key prefix of this run's own. */
function readServices(): Services {
  return {
    databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/lienthong_bench',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    cachePrefix: `ltbench:${Date.now().toString(36)}:`,
  };
}

/** What the uncached scenarios and the load test get: the main data set, caching off, the command line's sizes. */
function scenarioContext(
  options: BenchOptions,
  services: Services,
  dataset: Dataset,
  auth: BenchAuth,
  gatewayEnv: GatewayEnv,
): ScenarioContext {
  return {
    databaseUrl: services.databaseUrl,
    dataset,
    keyFiles: auth.keyFiles,
    authConfig: auth.authConfig,
    gatewayEnv: gatewayEnv('off'),
    start: lifecycle.start,
    stop: lifecycle.stop,
    progress,
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    loadConnections: options.loadConnections,
    loadSeconds: options.loadSeconds,
    purpose: PURPOSE,
  };
}

/** The uncached scenarios, then with `--large N` the lookups again on N residents (none with `--skip scenarios`). */
async function measureScenarios(context: ScenarioContext, options: BenchOptions): Promise<ScenarioRow[]> {
  if (options.skip.has('scenarios')) return [];
  const rows = await runScenarios(context);
  if (options.large !== null) {
    const large = await prepareLargeDataset(context.databaseUrl, options.large, options.seed, progress);
    const label = `one process, ${large.dataset.residents.toLocaleString('en-US')} residents`;
    const gatewayEnv = { ...context.gatewayEnv, DATABASE_URL: large.url };
    rows.push(...(await runLargeDataset({ ...context, databaseUrl: large.url, dataset: large.dataset, gatewayEnv }, label)));
  }
  return rows;
}

/** The bench, part after part: set-up, cache modes and bare server, scenarios (and the soak), load test, scale, public services, live subscribers, report. */
async function main(): Promise<void> {
  const options = parseCommandLine(process.argv.slice(2));
  if (!options) {
    console.log(HELP);
    return;
  }
  const services = readServices();
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;

  progress(`built the hub (${await useBuild()} modules): the gateways and subgraphs run it on plain Node, as the image does`);
  const redisVersion = await checkServices(services, lifecycle, progress);
  const pgVersion = await postgresVersion(services.databaseUrl);
  const auth = await prepareAuth(lifecycle);
  const gatewayEnv = gatewayEnvironment(services, auth);
  // The main data set serves the first four parts; the public-services part has data sets of its own.
  const mainParts = options.soak !== null || !(['cache', 'scenarios', 'load', 'scale'] as const).every((p) => options.skip.has(p));
  const dataset = mainParts ? await prepareMainDataset(services.databaseUrl, options.residents, options.seed, progress) : null;

  let rows: Row[] = [];
  let countersSeen = false;
  let targets: Target[] = [];
  let scenarios: ScenarioRow[] = [];
  let loadTests: LoadTestRow[] = [];
  let soak: SoakReport | null = null;
  let scale: ScaleReport | null = null;
  let statementMethod = 'n/a';
  if (dataset) {
    const counting = await statementCounting(services.databaseUrl);
    statementMethod = counting.method;
    progress(`SQL statements counted with ${counting.method}`);
    const plan = cacheScenarios(dataset);
    const bench: CacheBench = { options, plan, headers: auth.headers, gatewayEnv, counting, lifecycle, progress };
    if (!options.skip.has('cache')) {
      const cache = await measureCacheModes(bench);
      rows = [...cache.rows, ...(await measureBareServer(bench, cache.captured))];
      countersSeen = cache.countersSeen;
      targets = cacheTargets(rows, plan);
    }
    await counting.close();

    const context = scenarioContext(options, services, dataset, auth, gatewayEnv);
    scenarios = await measureScenarios(context, options);
    soak = options.soak === null ? null : await runSoak(context, options.soak);
    loadTests = options.skip.has('load')
      ? []
      : await runLoadTests({ ...context, redisEnv: { REDIS_URL: services.redisUrl, CACHE_PREFIX: `${services.cachePrefix}load:` } });
    scale = options.skip.has('scale')
      ? null
      : await runScale({
          ...context,
          residents: options.residents,
          seed: options.seed,
          sizes: options.scaleResidents,
          onStop: lifecycle.onStop,
        });
  }

  const servicesReport = options.skip.has('services')
    ? null
    : await runServices({
        databaseUrl: services.databaseUrl,
        sizes: options.dossiers,
        seed: options.seed,
        headers: auth.headers,
        gatewayEnv,
        lifecycle,
        progress,
        connections: options.connections,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
      });

  const liveReport = options.skip.has('live')
    ? null
    : await runLive({
        databaseUrl: services.databaseUrl,
        seed: options.seed,
        cachePrefix: services.cachePrefix,
        headers: auth.headers,
        gatewayEnv,
        keyFiles: auth.keyFiles,
        lifecycle,
        progress,
        subscribers: options.subscribers,
        durationSeconds: options.durationSeconds,
      });

  const report = assembleReport(
    { startedAt, began, loadAtStart, pgVersion, redisVersion, options, dataset, statementCounting: statementMethod },
    { rows, countersSeen, targets, scenarios, soak, loadTests, scale, services: servicesReport, live: liveReport },
  );
  await writeResults(report, startedAt, progress);
}

process.once('SIGINT', () => {
  void lifecycle.stopAll().finally(() => process.exit(130));
});

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => lifecycle.stopAll());
