import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests even before the duration: one pass over a finite list. */
  maxRequests?: number;
  headers: Record<string, string>;
  /** The request body: one string sent every time, or a function giving each request's. */
  body?: string | (() => string);
  /** Instead of `body`: requests each connection sends in turn, over and over (a mixed workload), with headers of their own. */
  sequence?: { headers: Record<string, string>; body: string }[];
}

/** One autocannon run. */
export interface LoadResult {
  /** Requests sent (including those still in flight when the run stopped). */
  sent: number;
  completed: number;
  /** From the start of the run to its last response. */
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** 5xx answers (also counted in non2xx): the load test's target is none. */
  status5xx: number;
  /** 2xx responses whose body carries GraphQL `errors` (or no `data`). */
  mismatches: number;
  /** CPU autocannon (this process) used, in % of one core: near 100%, the load generator is the limit. */
  clientCpuPercent: number;
}

/** A GraphQL response that answered: `data`, and no `errors` anywhere at its top level. */
const answered = (body: string | Buffer | undefined): boolean => {
  const text = String(body ?? '');
  return text.startsWith('{"data"') && !text.includes('"errors":[');
};

/** Drives `url` with autocannon (POST JSON, pipelining 1) and summarises the run. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const connections = Math.max(1, Math.min(options.connections, options.maxRequests ?? Infinity));
  const { body } = options;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const cpu = process.cpuUsage();
    let lastResponse = started;
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        connections,
        pipelining: 1,
        duration: options.durationSeconds,
        timeout: 30,
        headers: { 'content-type': 'application/json', ...options.headers },
        ...(options.maxRequests !== undefined ? { maxOverallRequests: options.maxRequests } : {}),
        ...(options.sequence
          ? {
              requests: options.sequence.map((r) => ({
                method: 'POST' as const,
                body: r.body,
                headers: { 'content-type': 'application/json', ...r.headers },
              })),
            }
          : typeof body === 'string'
            ? { body }
            : { requests: [{ setupRequest: (request) => ({ ...request, body: body!() }) }] }),
        verifyBody: answered,
      },
      (error, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const completed = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
        const seconds = Math.max(0.001, (lastResponse - started) / 1000);
        const used = process.cpuUsage(cpu);
        resolve({
          sent: result.requests.sent,
          completed,
          seconds,
          requestsPerSecond: completed / seconds,
          latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean, max: result.latency.max },
          errors: result.errors,
          non2xx: result.non2xx,
          status5xx: result['5xx'],
          mismatches: result.mismatches,
          clientCpuPercent: (used.user + used.system) / 1e4 / ((Date.now() - started) / 1000),
        });
      },
    );
    instance.on('response', () => {
      lastResponse = Date.now();
    });
  });
}
