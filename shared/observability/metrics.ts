import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { unwrapResolverError } from '@apollo/server/errors';
import type { CacheMetrics } from '../cache';
import { ErrorCode, isDatabaseUnavailable } from '../graphql/errors';
import type { MetricsPage, ResponseRecord } from '../http';
import type { Logger } from './logger';

/**
 * Prometheus metrics of one process (`/metrics`), in a registry of its own: several services in one
 * process (tests, the embedded hub) never share or double-register a metric. Every metric carries
 * the label `service` (gateway, or the subgraph's name).
 *
 * Label values are bounded so a client cannot grow the series without end: operation names are the
 * client's, but only well-formed ones are kept, and only the first {@link MAX_OPERATION_NAMES}
 * (later ones count as `other`); error codes are ours (`SUBGRAPH_UNAVAILABLE`, …) or Apollo's.
 */

/** Distinct operation names kept as label values before the rest count as `other`. */
export const MAX_OPERATION_NAMES = 200;

/** Seconds: from a response-cache hit (sub-millisecond) to a slow national list. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How a GraphQL request ended: data without errors, data with errors (partial), or no data. */
export type Outcome = 'success' | 'partial' | 'error';

/** How a gateway's fetch from a subgraph ended. */
export type FetchOutcome = 'ok' | 'errors' | 'unavailable';

/** Connections of a database pool, read when scraped. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Counts and times every GraphQL request of the server it is installed in, by operation name and outcome. */
  plugin<C extends BaseContext>(): ApolloServerPlugin<C>;
  /** For `createHttpHandler`'s `onResponse`: HTTP responses by route and status (response-cache hits and refusals included). */
  onResponse(record: ResponseRecord): void;
  /** A gateway's fetch from a subgraph: its latency and how it ended (`code` of its first error, if any). */
  observeFetch(subgraph: string, seconds: number, outcome: FetchOutcome, code?: string): void;
  /** The `/metrics` page. */
  page(): Promise<MetricsPage>;
}

export interface MetricsOptions {
  service: string;
  /** The process's cache counters (shared/cache/index.ts), exported as `lienthong_cache_events_total`. */
  cache?: CacheMetrics | null;
  /** The database pool(s) to report, read at each scrape. */
  pools?: () => PoolStats[];
  /** Node's process metrics (memory, CPU, event loop lag, GC); off in tests that build many services. */
  processMetrics?: boolean;
  /**
   * A gateway's subgraphs (the registry's names): each gets its series from the start (zero
   * fetches), so a dashboard shows every subgraph before its first request.
   */
  subgraphs?: readonly string[];
}

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,47}$/;

/** The connections of a TypeORM DataSource's node-postgres pool (PostgreSQL, or PGlite's adapter), or none. */
export function poolStats(db: DataSource | undefined): PoolStats[] {
  const pool = (db?.isInitialized ? (db.driver as { master?: unknown }).master : undefined) as
    { totalCount?: number; idleCount?: number; waitingCount?: number; options?: { max?: number } } | undefined;
  if (!pool || typeof pool.totalCount !== 'number') return [];
  return [{ total: pool.totalCount, idle: pool.idleCount ?? 0, waiting: pool.waitingCount ?? 0, max: pool.options?.max ?? 0 }];
}

/**
 * The `onResponse` of an entrypoint's HTTP handler: counts the response and logs it at debug level
 * (route, status, duration, request id and trace id: nothing personal).
 */
export function recordResponses(metrics: ServiceMetrics, log: Logger): (record: ResponseRecord) => void {
  return (record) => {
    metrics.onResponse(record);
    const { seconds, ...fields } = record;
    log.debug({ ...fields, ms: Math.round(seconds * 1000) }, 'response sent');
  };
}

export function createMetrics(options: MetricsOptions): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'lienthong_graphql_requests_total',
    help: 'GraphQL requests by operation name and outcome (success, partial: data with errors, error: no data)',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'lienthong_graphql_request_duration_seconds',
    help: 'GraphQL request latency, from the start of GraphQL processing to the response, by operation name and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'lienthong_graphql_errors_total',
    help: 'GraphQL errors by extensions.code (before masking: INTERNAL_SERVER_ERROR hides nothing here)',
    labelNames: ['code'],
    registers: [registry],
  });
  const http = new Counter({
    name: 'lienthong_http_responses_total',
    help: 'HTTP responses by route and status (response-cache hits and refusals before GraphQL included)',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'lienthong_http_response_duration_seconds',
    help: 'HTTP response latency by route, from the first byte received to the last sent',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const fetchDuration = new Histogram({
    name: 'lienthong_subgraph_fetch_duration_seconds',
    help: "The gateway's fetches from each subgraph: latency by subgraph and outcome (ok, errors: answered with GraphQL errors, unavailable: down, timed out or failing)",
    labelNames: ['subgraph', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const fetchErrors = new Counter({
    name: 'lienthong_subgraph_fetch_errors_total',
    help: "The gateway's fetches from each subgraph that did not end ok, by subgraph and the code of their first error",
    labelNames: ['subgraph', 'code'],
    registers: [registry],
  });
  for (const subgraph of options.subgraphs ?? []) fetchDuration.zero({ subgraph, outcome: 'ok' });
  const cache = options.cache;
  if (cache) {
    new Counter({
      name: 'lienthong_cache_events_total',
      help: 'Cache events by layer (entity, response, apq) and event (hits, misses, errors, writes, invalidations)',
      labelNames: ['layer', 'event'],
      registers: [registry],
      collect() {
        // The counters live in shared/cache/index.ts (also shown by /health); mirrored at each scrape.
        this.reset();
        for (const [key, value] of Object.entries(cache.snapshot())) {
          const [layer, event] = key.split('.');
          if (layer && event) this.inc({ layer, event }, value);
        }
      },
    });
  }
  const pools = options.pools;
  if (pools) {
    new Gauge({
      name: 'lienthong_db_pool_connections',
      help: 'Database pool connections by state: total open, idle, waiting (requests queued for a connection), max (the pool size)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of pools()) {
          this.inc({ state: 'total' }, p.total);
          this.inc({ state: 'idle' }, p.idle);
          this.inc({ state: 'waiting' }, p.waiting);
          this.inc({ state: 'max' }, p.max);
        }
      },
    });
  }

  const seenOperations = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (seenOperations.has(name)) return name;
    if (seenOperations.size >= MAX_OPERATION_NAMES) return 'other';
    seenOperations.add(name);
    return name;
  };
  const codeLabel = (code: unknown): string => (typeof code === 'string' && ERROR_CODE.test(code) ? code : 'OTHER');

  return {
    registry,
    plugin<C extends BaseContext>(): ApolloServerPlugin<C> {
      return {
        async requestDidStart() {
          const started = process.hrtime.bigint();
          return {
            async didEncounterErrors({ errors: encountered }) {
              for (const error of encountered) {
                // The code the client will see: formatError turns an unreachable database into DATABASE_UNAVAILABLE.
                const code = isDatabaseUnavailable(unwrapResolverError(error))
                  ? ErrorCode.DATABASE_UNAVAILABLE
                  : (error.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
                errors.inc({ code: codeLabel(code) });
              }
            },
            async willSendResponse({ response, operationName }) {
              const result = response.body.kind === 'single' ? response.body.singleResult : null;
              const failed = (result?.errors?.length ?? 0) > 0;
              const outcome: Outcome = !failed ? 'success' : result?.data ? 'partial' : 'error';
              const labels = { operation: operationLabel(operationName), outcome };
              requests.inc(labels);
              duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
            },
          };
        },
      };
    },
    onResponse(record) {
      http.inc({ route: record.route, status: String(record.status) });
      httpDuration.observe({ route: record.route }, record.seconds);
    },
    observeFetch(subgraph, seconds, outcome, code) {
      fetchDuration.observe({ subgraph, outcome }, seconds);
      if (outcome !== 'ok') fetchErrors.inc({ subgraph, code: codeLabel(code ?? 'INTERNAL_SERVER_ERROR') });
    },
    async page() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
