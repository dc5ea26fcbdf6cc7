import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../shared/graphql/errors';
import type { Logger } from '../shared/observability/logger';
import type { ServiceMetrics } from '../shared/observability/metrics';
import type { GatewayContext } from './context';

/** How long the gateway waits for a subgraph's answer unless SUBGRAPH_TIMEOUT_MS says otherwise. */
export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 10_000;

class SubgraphTimeout extends Error {}

/**
 * Every fetch the gateway makes from one subgraph, bounded and measured. A subgraph that is down,
 * fails at the HTTP level or does not answer within `timeoutMs` costs only its own fields: the
 * fetch fails with `SUBGRAPH_UNAVAILABLE` naming the service (`extensions.service`), and the
 * gateway answers with what the other subgraphs returned. A subgraph's own refusals (401, 400 with
 * a code) and its GraphQL errors pass through unchanged.
 */
export class GuardedDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly service: string,
    private readonly inner: GraphQLDataSource<GatewayContext>,
    private readonly options: { timeoutMs: number; log: Logger; metrics?: ServiceMetrics | undefined },
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): ReturnType<GraphQLDataSource['process']> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const { timeoutMs, log, metrics } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SubgraphTimeout()), timeoutMs);
    });
    try {
      const response = await Promise.race([this.inner.process(options), timeout]);
      const code = response.errors?.[0]?.extensions?.code;
      metrics?.observeFetch(
        this.service,
        seconds(),
        response.errors?.length ? 'errors' : 'ok',
        typeof code === 'string' ? code : undefined,
      );
      return response;
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
        metrics?.observeFetch(this.service, seconds(), 'errors', code);
        throw error;
      }
      const timedOut = error instanceof SubgraphTimeout;
      metrics?.observeFetch(this.service, seconds(), 'unavailable', ErrorCode.SUBGRAPH_UNAVAILABLE);
      log.warn({ subgraph: this.service, timedOut, ...(timedOut ? {} : { err: error }) }, 'subgraph unavailable');
      throw new GraphQLError(
        timedOut
          ? `Service "${this.service}" did not answer within ${timeoutMs} ms; its fields are missing`
          : `Service "${this.service}" is unavailable; its fields are missing`,
        { extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, service: this.service } },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
