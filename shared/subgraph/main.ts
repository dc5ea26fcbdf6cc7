import { GraphQLError } from 'graphql';
import { createAuditLog, auditMigrations } from '../audit';
import { groupCommit } from '../audit/groupCommit';
import { auditCheckpoints } from '../audit/checkpoint';
import { loadConfig, urlVariable, type Config } from '../config';
import { createDataSource, prepareSchemas } from '../db';
import { openReadRouting, READ_PRIMARY_HEADER, replicaReport, withReplicaHealth } from '../db/replica';
import { createEntityCaching, healthCheck } from '../cache/entityCache';
import { createHttpHandler, listen } from '../http';
import { bodyHash, IDENTITY_HEADER, signServiceIdentity, verifyIdentity, type InternalKeys } from '../auth/internalToken';
import { loadSubgraphKeys } from '../auth/keys';
import { createLogger } from '../observability/logger';
import { createMetrics, poolStats, recordResponses } from '../observability/metrics';
import { createReadiness } from '../observability/readiness';
import { currentScope } from '../observability/requestScope';
import { stopGracefully } from '../http/gracefulShutdown';
import { createReferences, type ExecutionResult, type References } from './references';
import { createLiveBroker, NO_LIVE, type LiveBroker } from '../live';
import { createSubgraphServer } from './server';
import { traceparent, TRACEPARENT_HEADER } from '../observability/trace';
import { createContext, type SubgraphModule } from './';
import { startIdempotencyPurge } from './retention';

/** The query and variables of a GraphQL request body (POST JSON) as the gateway sent them. */
function requestOf(body: unknown): { query: string; variables: unknown } {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { query, variables } = body as { query?: unknown; variables?: unknown };
    if (typeof query === 'string') return { query, variables };
  }
  throw new GraphQLError('Requests to this subgraph must come through the gateway (POST JSON only)', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

/** How long an existence check may wait for the subgraph it asks. */
const REFERENCE_TIMEOUT_MS = 5_000;

/**
 * Existence checks sent to the subgraphs that own the types `module` refers to, over HTTP with a
 * SERVICE identity signed with the service key; their URLs are required when the module declares
 * references.
 */
function remoteReferences(module: SubgraphModule, config: Config, keys: InternalKeys): References {
  const owners = module.references ?? {};
  const urls = config.SUBGRAPH_URLS;
  const missing = [...new Set(Object.values(owners))].filter((owner) => !urls[owner]);
  if (missing.length > 0) {
    const names = missing.map(urlVariable).join(', ');
    throw new Error(`Subgraph "${module.name}" checks records owned by ${missing.join(', ')}: set ${names}`);
  }
  return createReferences(owners, async (service, query, variables) => {
    const token = await signServiceIdentity(keys, module.name, service, bodyHash(query, variables));
    // The check belongs to the request being served: same request id, same trace (this span as parent).
    const scope = currentScope();
    const response = await fetch(urls[service]!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: token,
        ...(scope ? { 'x-request-id': scope.requestId, [TRACEPARENT_HEADER]: traceparent(scope.trace) } : {}),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REFERENCE_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`Subgraph ${service} answered ${response.status}`);
    return (await response.json()) as ExecutionResult;
  });
}

/**
 * The entrypoint of a subgraph running as its own process (subgraphs/<name>/index.ts): reads the
 * environment, migrates its own schema (and the shared audit schema), loads its reference data and
 * serves /graphql and /health. Every request must carry the gateway's signed identity for this
 * subgraph and this body; anything else — a client calling `_entities` or `_service` directly — is
 * refused with 401. `/ready` follows the database (and turns 503 on SIGTERM), `/metrics` serves its
 * Prometheus metrics. Needs PostgreSQL: the embedded PGlite can only be shared inside one process.
 */
export async function runSubgraph(module: SubgraphModule, env: Record<string, string | undefined>): Promise<void> {
  // This process knows its own entity types and the subgraphs it asks about the records its writes refer to.
  const owners = [...new Set(Object.values(module.references ?? {}))];
  const config = loadConfig(env, { subgraphs: [module, ...owners.map((name) => ({ name, entityTypes: {} }))] });
  const log = createLogger(module.name, config.LOG_LEVEL);
  if (!config.DATABASE_URL) throw new Error(`DATABASE_URL is required to run subgraph "${module.name}" as its own process`);
  const target = { kind: 'postgres' as const, url: config.DATABASE_URL };
  const keys = await loadSubgraphKeys(config);
  // Subgraphs starting together may race to create the shared audit schema: retry once it exists.
  // In production only checked: the owner role migrates (npm run cli -- migrate), never this process's.
  for (let attempt = 1; ; attempt++) {
    try {
      await prepareSchemas(target, [module, auditMigrations], config.NODE_ENV !== 'production');
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
  // The entity cache of this process: shared with every instance through Redis when configured.
  let warned = false;
  const cache = createEntityCaching({
    enabled: config.CACHE_ENABLED,
    redis: config.REDIS,
    prefix: config.CACHE_PREFIX,
    ttls: config.ENTITY_TTLS,
    negativeTtlSeconds: config.CACHE_NEGATIVE_TTL_SECONDS,
    onError: (error) => {
      if (warned) return;
      warned = true;
      log.warn({ err: error }, 'Redis unreachable: the entity cache reads as misses until it returns');
    },
  });
  // Writes publish their live events for the gateways (Redis Streams; without Redis no gateway in another process could hear them).
  const live = config.REDIS
    ? createLiveBroker({ redis: config.REDIS, prefix: config.CACHE_PREFIX, retentionSeconds: config.LIVE_RETENTION_SECONDS })
    : NO_LIVE;
  const db = await createDataSource({ target, entities: module.entities, schema: module.schema });
  await db.initialize();
  if (module.seedReference) await module.seedReference(db, cache.bus);
  // Reads on DATABASE_REPLICA_URL when given (shared/db/replica.ts).
  const reads = await openReadRouting(db, {
    url: config.DATABASE_REPLICA_URL,
    maxLagSeconds: config.DATABASE_REPLICA_MAX_LAG_SECONDS,
    onState: (status) =>
      log[status.state === 'ok' ? 'info' : 'warn']({ replica: status.state, lagSeconds: status.lagSeconds }, 'read replica state'),
  });
  const references = remoteReferences(module, config, keys);
  const metrics = createMetrics({ service: module.name, cache: cache.metrics, pools: () => poolStats(db), processMetrics: true });
  const readiness = createReadiness({ database: () => db.query('SELECT 1'), caching: cache, replica: () => replicaReport(reads) });
  const apollo = createSubgraphServer(module, groupCommit(createAuditLog(db)), log, [metrics.plugin()]);
  // Signed checkpoints of the audit log's head, where this process holds the key (checkpoint.ts).
  const stopCheckpoints = await auditCheckpoints(config, db, log);
  await apollo.start();
  readiness.started();
  const handler = createHttpHandler(apollo, {
    context: async (req, body) => {
      const { query, variables } = requestOf(body);
      const header = req.headers[IDENTITY_HEADER];
      const { identity, meta } = await verifyIdentity(
        keys,
        module.name,
        Array.isArray(header) ? header[0] : header,
        bodyHash(query, variables),
      );
      const primary = req.headers[READ_PRIMARY_HEADER] === '1';
      return createContext(module, reads.forRequest({ primary }), identity, meta, cache, references, live);
    },
    // 503 only when the database is down; "degraded" (still 200) while Redis is unreachable.
    health: withReplicaHealth(
      healthCheck(cache, async () => (await db.query('SELECT 1')).length === 1),
      reads,
    ),
    // Not ready while the database does not answer; ready again by itself when it does.
    ready: readiness.check,
    metrics: metrics.page,
    onResponse: recordResponses(metrics, log),
  });
  // Its timed notices, when a gateway can hear them (Redis).
  const stopTimers =
    live !== NO_LIVE && module.timers ? module.timers({ db, live, log, intervalMs: config.LIVE_TIMER_SECONDS * 1000 }) : null;
  // Expired idempotency keys go, on every replica at once (the purge skips what another holds).
  const stopPurge = startIdempotencyPurge({
    db,
    schemas: [module.schema],
    retentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
    intervalMs: config.IDEMPOTENCY_PURGE_SECONDS * 1000,
    log,
  });
  const { server, url } = await listen(handler, config.PORT, config.HOST);
  log.info({ url }, 'subgraph ready');
  stopGracefully({
    http: server,
    apollo,
    db,
    log,
    extra: async () => {
      await stopTimers?.();
      await stopPurge();
      await stopCheckpoints?.();
      await reads.close();
      await cache.close();
      if (live !== NO_LIVE) await (live as LiveBroker).close();
    },
    drain: readiness.drain,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}
