import { createAuditLog, type AuditLog } from '../shared/audit';
import { groupCommit } from '../shared/audit/groupCommit';
import { subgraphUrls } from '../shared/config';
import { healthCheck } from '../shared/cache/entityCache';
import { replicaReport, withReplicaHealth } from '../shared/db/replica';
import { createHttpHandler, listen } from '../shared/http';
import { createLogger } from '../shared/observability/logger';
import { createMetrics, poolStats, recordResponses } from '../shared/observability/metrics';
import { createReadiness } from '../shared/observability/readiness';
import { shutdown } from '../shared/http/gracefulShutdown';
import { scalarImplementations, type SubgraphManifest } from '../shared/subgraph/manifest';
import type { EmbeddedHub } from '../hub';
import { hubSubgraphs, loadHubConfig } from '../hub/config';
import { demoTokens } from '../hub/demo';
import { startIdempotencyPurge } from '../shared/subgraph/retention';
import { OPEN_DATA_PATH, openDataRoute } from './openData';
import { explorerSite } from '../explorer/site';
import { dashboardDocuments, dashboardSite } from '../dashboard/site';
import { loadGatewayKeys } from './auth';
import { loadGatewayConfig } from './config';
import { createGatewayCaches } from './caches';
import { contextFactory } from './context';
import { MAX_BODY_BYTES } from './hardening';
import { GRAPHQL_VARY } from './door';
import { clientKeyBehind, connectRateLimitRedis, createRateLimit } from './rateLimit';
import { clientAddress } from './clientAddress';
import { createResponseCache, keyValueCache } from './responseCache';
import { createGatewayServer, type SubgraphTransport } from './server';
import { createLive } from './live';
import { attachLiveWebSocket } from './liveWs';
import { createLiveBroker } from '../shared/live';
import { readCommittedSupergraph } from './supergraph';
import type { DataSource } from 'typeorm';
import { auditCheckpoints } from '../shared/audit/checkpoint';
import { createDocumentStore, documentMigrations, redisDocumentCache, type DocumentStore } from '../shared/documents';
import { createTrustedDocuments } from './trustedDocuments';
import { LIVE_PATH } from './door';

/**
 * The trusted documents' store: on the hub's database when embedded, else on DATABASE_URL (its
 * `documents` schema migrated); none when trusted documents are off and there is no database. A
 * gateway told to enforce them without a database refuses to start rather than run anything.
 */
async function openDocumentStore(
  config: ReturnType<typeof loadHubConfig>,
  hubDb: DataSource | undefined,
): Promise<{ store: DocumentStore; close(): Promise<void> } | null> {
  let db = hubDb;
  let own: DataSource | undefined;
  if (!db) {
    if (!config.DATABASE_URL) {
      if (config.TRUSTED_DOCUMENTS === 'enforce')
        throw new Error('TRUSTED_DOCUMENTS=enforce needs DATABASE_URL (where the published documents are)');
      return null;
    }
    // Required here, not imported: a gateway without a database of its own never loads TypeORM.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createDataSource, prepareSchemas } = require('../shared/db') as typeof import('../shared/db');
    const target = { kind: 'postgres' as const, url: config.DATABASE_URL };
    // In production only checked: the owner role migrates (npm run cli -- migrate), never the gateway's.
    await prepareSchemas(target, [documentMigrations], config.NODE_ENV !== 'production');
    own = await createDataSource({ target, entities: [] });
    db = await own.initialize();
  }
  const cache = config.REDIS ? redisDocumentCache(config.REDIS) : undefined;
  return {
    store: createDocumentStore(db, cache, config.CACHE_PREFIX),
    close: async () => {
      cache?.close();
      await own?.destroy();
    },
  };
}

export { LIVE_PATH } from './door';

/** A running gateway: where it listens, and how to stop it gracefully (what SIGTERM does). */
export interface RunningGateway {
  url: string;
  stop(reason?: string): Promise<void>;
}

export interface GatewayStartOptions {
  /** The subgraphs' manifests (default: the registry; a test may add one). */
  subgraphs?: readonly SubgraphManifest[];
  /** The supergraph (default: the committed gateway/supergraph.graphql). */
  supergraphSdl?: string;
}

/**
 * The gateway of `npm start`, configured by `env`. With subgraph URLs configured, a gateway in
 * front of separately deployed subgraphs; otherwise the embedded default: all subgraphs in this
 * process on DATABASE_URL or, with nothing configured, on an embedded PGlite in .data/ that is
 * migrated and seeded on first start. Prints its URL and, in development, tokens for each persona.
 */
export async function startGateway(env: Record<string, string | undefined>, options: GatewayStartOptions = {}): Promise<RunningGateway> {
  const manifests = hubSubgraphs(options.subgraphs);
  const config = loadGatewayConfig(env, manifests);
  const log = createLogger('gateway', config.LOG_LEVEL);
  const urls = subgraphUrls(config);
  const keys = await loadGatewayKeys(config);
  const caches = createGatewayCaches(config, log);
  // Live events: Redis Streams shared by every replica and subgraph process, or this process's memory.
  let liveWarned = false;
  const broker = createLiveBroker({
    redis: config.REDIS,
    prefix: config.CACHE_PREFIX,
    retentionSeconds: config.LIVE_RETENTION_SECONDS,
    onError: (error) => {
      if (liveWarned) return;
      liveWarned = true;
      log.warn({ err: error }, 'Redis unreachable: live events wait until it returns');
    },
  });
  let transport: SubgraphTransport;
  let hub: EmbeddedHub | undefined;
  let auditLog: AuditLog | null = null;
  if (Object.keys(urls).length > 0) {
    transport = { kind: 'remote', urls, keys: keys.internal };
  } else {
    // Required here, not imported: in front of remote subgraphs the gateway loads none of their
    // code (resolvers, entities, TypeORM, seeds), only their manifests.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { openEmbeddedHub } = require('../hub') as typeof import('../hub');
    hub = await openEmbeddedHub(config, {
      log,
      ...(caches ? { bus: caches.entity.bus } : {}),
      ...(options.subgraphs ? { subgraphs: options.subgraphs } : {}),
    });
    auditLog = groupCommit(createAuditLog(hub.db));
    transport = {
      kind: 'embedded',
      subgraphs: hub.subgraphs,
      db: hub.db,
      reads: hub.reads,
      auditLog,
      live: broker,
      ...(caches ? { cache: caches.entity } : {}),
    };
  }
  const db = hub?.db;
  // Signed checkpoints of the embedded hub's audit log (in remote mode the subgraph processes take them).
  const stopCheckpoints = hub ? await auditCheckpoints(config, hub.db, log) : null;
  // The embedded subgraphs' timed notices (dossiers falling due…), publishing on this gateway's broker.
  const timers = hub
    ? hub.subgraphs.flatMap((s) =>
        s.timers ? [s.timers({ db: hub.db, live: broker, log, intervalMs: config.LIVE_TIMER_SECONDS * 1000 })] : [],
      )
    : [];
  // The embedded subgraphs' expired idempotency keys go (safe beside other replicas: the purge skips what another holds).
  if (hub) {
    timers.push(
      startIdempotencyPurge({
        db: hub.db,
        schemas: hub.subgraphs.map((s) => s.schema),
        retentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
        intervalMs: config.IDEMPOTENCY_PURGE_SECONDS * 1000,
        log,
      }),
    );
  }
  // Without an audit log of its own (remote mode), the gateway caches public responses only.
  const responseCache = caches
    ? createResponseCache({ caching: caches.response, authenticate: keys.authenticate, auditLog, log })
    : undefined;
  const subgraphNames = hub ? hub.subgraphs.map((s) => s.name) : Object.keys(urls);
  const metrics = createMetrics({
    service: 'gateway',
    cache: caches?.metrics ?? null,
    pools: () => poolStats(db),
    processMetrics: true,
    subgraphs: subgraphNames,
  });
  // Ready once the supergraph is loaded, while the embedded hub's database answers; Redis or a subgraph away is only "degraded".
  const readiness = createReadiness({
    ...(db ? { database: () => db.query('SELECT 1') } : {}),
    caching: caches,
    ...(hub ? { replica: () => replicaReport(hub.reads) } : {}),
    subgraphs: Object.fromEntries(subgraphNames.map((name) => [name, hub ? 'embedded' : new URL('/ready', urls[name])])),
  });
  // Trusted documents: the hub's database (embedded), or DATABASE_URL in front of separate subgraphs.
  const documents = await openDocumentStore(config, db);
  // The dashboard's own operations run by id in every mode (it ships with the hub).
  const dashboard = dashboardDocuments();
  const trusted = createTrustedDocuments({
    mode: config.TRUSTED_DOCUMENTS,
    ...(documents ? { store: documents.store } : {}),
    firstParty: new Map([[dashboard.client, dashboard.documents]]),
    registry: metrics.registry,
  });
  const live = createLive({
    // The server is created next, and the gateway loads its schema only once started.
    apollo: () => apollo,
    broker,
    authenticate: keys.authenticate,
    log,
    limits: { perCaller: config.LIVE_LIMIT_PER_CALLER, perInstance: config.LIVE_LIMIT_PER_INSTANCE },
    heartbeatMs: config.LIVE_HEARTBEAT_SECONDS * 1000,
    trusted,
    clientAddress: (req) => clientAddress(req, config.TRUSTED_PROXIES),
  });
  const apollo = createGatewayServer({
    supergraphSdl: options.supergraphSdl ?? readCommittedSupergraph(),
    transport,
    log,
    introspection: config.NODE_ENV !== 'production',
    // The registry's scalars, in both modes: a gateway in front of remote subgraphs checks the same values.
    scalars: scalarImplementations(manifests),
    ...(responseCache ? { responseCache } : {}),
    ...(caches ? { persistedQueries: keyValueCache(caches.apq, 'apq') } : {}),
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    metrics,
    trustedDocuments: trusted,
    onSchema: (schema) => live.schemaChanged(schema),
  });
  await apollo.start();
  readiness.started();
  // Hardening (see HARDENING.md): per-client rate limit, shared through Redis when configured.
  const redis = config.REDIS ? connectRateLimitRedis(config.REDIS, log) : undefined;
  const rateLimit = createRateLimit({
    points: config.RATE_LIMIT_POINTS,
    durationSeconds: config.RATE_LIMIT_DURATION_SECONDS,
    redis,
    log,
    key: clientKeyBehind(config.TRUSTED_PROXIES),
  });
  // Development tokens exist only on generated keys, which production refuses (auth.ts).
  let tokens: Record<string, string> | null = null;
  if (keys.dev && config.NODE_ENV !== 'production')
    tokens = await demoTokens(keys.dev, config, hub ? { db: hub.db, subgraphs: hub.subgraphs } : undefined);
  const handler = createHttpHandler(apollo, {
    context: contextFactory(keys.authenticate),
    rateLimit,
    maxBodyBytes: MAX_BODY_BYTES,
    vary: GRAPHQL_VARY,
    onError: (error, requestId) => log.error({ err: error, requestId }, 'request failed in the HTTP layer'),
    // A browser opening /graphql or / gets the hub's own explorer, never a page from elsewhere (door.ts).
    ...(config.EXPLORER_ENABLED ? { browserHome: '/explorer/' } : {}),
    ...(responseCache ? { preflight: responseCache.preflight } : {}),
    // 503 only when the database is down; "degraded" (still 200) while Redis is unreachable.
    health: withReplicaHealth(healthCheck(caches, db ? async () => (await db.query('SELECT 1')).length === 1 : undefined), hub?.reads),
    ready: readiness.check,
    metrics: metrics.page,
    onResponse: recordResponses(metrics, log),
    // The dashboard shows public aggregates (and an officer's dossiers with their own token): served in production too.
    static: [...(config.EXPLORER_ENABLED ? [explorerSite(tokens)] : []), dashboardSite()],
    routes: [
      { path: LIVE_PATH, handle: live.handle },
      {
        path: OPEN_DATA_PATH,
        handle: openDataRoute(
          () => apollo,
          manifests.flatMap((s) => s.openData ?? []),
        ),
      },
    ],
  });
  const { server, url } = await listen(handler, config.PORT, config.HOST);
  const liveWs = attachLiveWebSocket(server, {
    engine: live.engine,
    authenticate: keys.authenticate,
    log,
    path: LIVE_PATH,
    heartbeatMs: config.LIVE_HEARTBEAT_SECONDS * 1000,
    maxPayloadBytes: MAX_BODY_BYTES,
    clientAddress: (req) => clientAddress(req, config.TRUSTED_PROXIES),
  });
  log.info({ url, mode: transport.kind }, 'gateway ready');
  console.log(`\nLiên Thông gateway ready at ${url}`);
  console.log(
    `Public data needs no token: curl -s ${url} -H 'content-type: application/json' -d '{"query":"{ provinces { code name } }"}'`,
  );
  if (config.EXPLORER_ENABLED) console.log(`Explorer (schema, documentation, examples): ${new URL('/explorer/', url).toString()}`);
  console.log(`Dashboard (Decision 766 rankings, live): ${new URL('/dashboard/', url).toString()}`);
  if (tokens) {
    console.log(
      '\nDevelopment tokens (valid 8 hours; send as "Authorization: Bearer <token>", and a purpose as "X-Purpose: <case reference>"):',
    );
    for (const [persona, token] of Object.entries(tokens)) console.log(`\n  ${persona}:\n  ${token}`);
    console.log(`\nMint others with: npm run cli -- token --role ROLE (see npm run cli -- help)\n`);
  }
  const parts = {
    http: server,
    apollo,
    ...(db ? { db } : {}),
    log,
    drain: readiness.drain,
    endStreams: () => {
      live.close();
      void liveWs.close();
    },
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    drainMs: config.SHUTDOWN_DRAIN_MS,
    extra: async () => {
      await Promise.all(timers.map((stop) => stop()));
      await stopCheckpoints?.();
      await documents?.close();
      await broker.close();
      redis?.disconnect();
      await caches?.close();
      if (hub?.target.kind === 'pglite') await hub.target.pglite.close();
    },
  };
  return { url, stop: (reason) => shutdown(parts, reason) };
}
