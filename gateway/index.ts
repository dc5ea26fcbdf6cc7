import type { DataSource } from 'typeorm';
import { createAuditLog, type AuditLog } from '../shared/audit';
import { groupCommit } from '../shared/audit/groupCommit';
import { loadConfig, subgraphUrls } from '../shared/config';
import { healthCheck } from '../shared/cache/entityCache';
import { createHttpHandler, listen } from '../shared/http';
import { createLogger } from '../shared/observability/logger';
import { createMetrics, poolStats, recordResponses } from '../shared/observability/metrics';
import { createReadiness } from '../shared/observability/readiness';
import { stopGracefully } from '../shared/http/gracefulShutdown';
import { seedSynthetic } from '../cli/seed';
import { subgraphs } from '../subgraphs';
import { loadGatewayKeys } from './auth';
import { createGatewayCaches } from './caches';
import { contextFactory } from './context';
import { explorerSite } from './explorer/site';
import { databaseTarget, needsSeed, openHubDatabase } from './hub';
import { MAX_BODY_BYTES } from './hardening';
import { connectRateLimitRedis, createRateLimit } from './rateLimit';
import { createResponseCache, keyValueCache } from './responseCache';
import { createGatewayServer, type SubgraphTransport } from './server';
import { readCommittedSupergraph } from './supergraph';
import { demoTokens } from './tokens';

/**
 * `npm start`. With subgraph URLs configured, a gateway in front of separately deployed subgraphs;
 * otherwise the embedded default: all subgraphs in this process on DATABASE_URL or, with nothing
 * configured, on an embedded PGlite in .data/ that is migrated and seeded on first start.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger('gateway', config.LOG_LEVEL);
  const urls = subgraphUrls(config);
  const keys = await loadGatewayKeys(config);
  const caches = createGatewayCaches(config, log);
  let transport: SubgraphTransport;
  let db: DataSource | undefined;
  let auditLog: AuditLog | null = null;
  if (Object.keys(urls).length > 0) {
    transport = { kind: 'remote', urls, keys: keys.internal };
  } else {
    const target = await databaseTarget(config);
    log.info({ database: target.kind === 'pglite' ? `PGlite in ${config.PGLITE_DIR}` : 'PostgreSQL (DATABASE_URL)' }, 'opening database');
    db = await openHubDatabase(target, undefined, caches?.entity.bus);
    if (await needsSeed(db)) {
      log.info({ residents: config.SEED_RESIDENTS, seed: config.SEED }, 'first start: seeding synthetic data');
      let lastLogged = 0;
      const counts = await seedSynthetic(db, {
        residents: config.SEED_RESIDENTS,
        seed: config.SEED,
        onProgress: (done, total) => {
          if (done - lastLogged >= total / 10 || done === total) {
            lastLogged = done;
            log.info({ done, total }, 'seeding');
          }
        },
      });
      log.info(counts, 'seeded');
      // Other processes sharing this Redis must not keep serving what they cached before the seed.
      await caches?.entity.bus.invalidate(['Resident', 'Household', 'LandParcel', 'Enterprise']);
    }
    auditLog = groupCommit(createAuditLog(db));
    transport = { kind: 'embedded', subgraphs, db, auditLog, ...(caches ? { cache: caches.entity } : {}) };
  }
  // Without an audit log of its own (remote mode), the gateway caches public responses only.
  const responseCache = caches
    ? createResponseCache({ caching: caches.response, authenticate: keys.authenticate, auditLog, log })
    : undefined;
  const metrics = createMetrics({ service: 'gateway', cache: caches?.metrics ?? null, pools: () => poolStats(db), processMetrics: true });
  // Ready once the supergraph is loaded, while the embedded hub's database answers; Redis away is only "degraded".
  const readiness = createReadiness({ ...(db ? { database: () => db.query('SELECT 1') } : {}), caching: caches });
  const apollo = createGatewayServer({
    supergraphSdl: readCommittedSupergraph(),
    transport,
    log,
    introspection: config.NODE_ENV !== 'production',
    ...(responseCache ? { responseCache } : {}),
    ...(caches ? { persistedQueries: keyValueCache(caches.apq, 'apq') } : {}),
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    metrics,
  });
  await apollo.start();
  readiness.started();
  // Hardening (see HARDENING.md): per-client rate limit, shared through Redis when configured.
  const redis = config.REDIS_URL ? connectRateLimitRedis(config.REDIS_URL, log) : undefined;
  const rateLimit = createRateLimit({ points: config.RATE_LIMIT_POINTS, durationSeconds: config.RATE_LIMIT_DURATION_SECONDS, redis, log });
  // Development tokens exist only on generated keys, which production refuses (auth.ts).
  let tokens: Record<string, string> | null = null;
  if (keys.dev && config.NODE_ENV !== 'production') {
    const citizen: { citizen_id: string }[] = db
      ? await db.query(`SELECT citizen_id FROM population.resident ORDER BY citizen_id LIMIT 1`)
      : [];
    tokens = await demoTokens(keys.dev, config, citizen[0]?.citizen_id ?? null);
  }
  const handler = createHttpHandler(apollo, {
    context: contextFactory(keys.authenticate),
    rateLimit,
    maxBodyBytes: MAX_BODY_BYTES,
    ...(responseCache ? { preflight: responseCache.preflight } : {}),
    // 503 only when the database is down; "degraded" (still 200) while Redis is unreachable.
    health: healthCheck(caches, db ? async () => (await db.query('SELECT 1')).length === 1 : undefined),
    ready: readiness.check,
    metrics: metrics.page,
    onResponse: recordResponses(metrics, log),
    static: config.EXPLORER_ENABLED ? [explorerSite(tokens)] : [],
  });
  const { server, url } = await listen(handler, config.PORT, config.HOST);
  log.info({ url, mode: transport.kind }, 'gateway ready');
  console.log(`\nLiên Thông gateway ready at ${url}`);
  console.log(
    `Public data needs no token: curl -s ${url} -H 'content-type: application/json' -d '{"query":"{ provinces { code name } }"}'`,
  );
  if (config.EXPLORER_ENABLED) console.log(`Explorer (schema, documentation, examples): ${new URL('/explorer/', url).toString()}`);
  if (tokens) {
    console.log(
      '\nDevelopment tokens (valid 8 hours; send as "Authorization: Bearer <token>", and a purpose as "X-Purpose: <case reference>"):',
    );
    for (const [persona, token] of Object.entries(tokens)) console.log(`\n  ${persona}:\n  ${token}`);
    console.log(`\nMint others with: npm run cli -- token --role COMMUNE_OFFICER --commune 00004\n`);
  }
  stopGracefully({
    http: server,
    apollo,
    ...(db ? { db } : {}),
    log,
    drain: readiness.drain,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    extra: async () => {
      redis?.disconnect();
      await caches?.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
