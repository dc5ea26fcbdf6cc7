import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from '../graphql/errors';
import { createMetrics, MAX_OPERATION_NAMES } from '../observability/metrics';
import { createReadiness } from '../observability/readiness';
import { traceFrom, traceparent } from '../observability/trace';

describe('W3C traceparent', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  test('a valid traceparent is continued: same trace id and flags, a span id of our own', () => {
    const trace = traceFrom(`00-${traceId}-00f067aa0ba902b7-01`);
    expect(trace).toEqual({ traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/), flags: '01' });
    expect(trace.spanId).not.toBe('00f067aa0ba902b7');
    expect(traceparent(trace)).toBe(`00-${traceId}-${trace.spanId}-01`);
    // A later version may carry more fields, which we may ignore.
    expect(traceFrom(`01-${traceId}-00f067aa0ba902b7-00-more`).traceId).toBe(traceId);
  });

  test.each([
    ['absent', undefined],
    ['garbage', 'not-a-traceparent'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${traceId}-00f067aa0ba902b7-01`],
    ['version 00 with extra fields', `00-${traceId}-00f067aa0ba902b7-01-extra`],
    ['a short trace id', `00-${traceId.slice(1)}-00f067aa0ba902b7-01`],
  ])('%s: a new trace is started', (_label, header) => {
    const trace = traceFrom(header);
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.traceId).not.toBe(traceId);
    expect(trace.flags).toBe('01');
  });
});

describe('metrics', () => {
  /** One request through the plugin as Apollo Server would run it: started, then its response sent. */
  async function request(metrics: ReturnType<typeof createMetrics>, operationName: string | null, errors = false) {
    const own = await metrics.plugin().requestDidStart!({} as never);
    await own!.willSendResponse!({
      operationName,
      response: { body: { kind: 'single', singleResult: errors ? { errors: [{ message: 'x' }] } : { data: {} } } },
    } as never);
  }
  const count = async (metrics: ReturnType<typeof createMetrics>) =>
    (await metrics.registry.getSingleMetric('lienthong_graphql_requests_total')!.get()).values;

  test('each instance counts in a registry of its own: two services in one process do not mix', async () => {
    const one = createMetrics({ service: 'one' });
    const two = createMetrics({ service: 'two' });
    await request(one, 'CommuneResidents');
    await request(one, 'CommuneResidents', true);
    expect(await count(one)).toEqual([
      expect.objectContaining({ labels: { operation: 'CommuneResidents', outcome: 'success' }, value: 1 }),
      expect.objectContaining({ labels: { operation: 'CommuneResidents', outcome: 'error' }, value: 1 }),
    ]);
    expect(await count(two)).toEqual([]);
    expect((await one.page()).body).toContain('service="one"');
  });

  test('operation names are bounded label values: malformed ones and those past the cap count as "other"', async () => {
    const metrics = createMetrics({ service: 'x' });
    await request(metrics, null);
    await request(metrics, 'bad name; DROP');
    for (let i = 0; i < MAX_OPERATION_NAMES + 5; i++) await request(metrics, `Op${i}`);
    const values = await count(metrics);
    const byName = (operation: string) => values.find((v) => v.labels.operation === operation)?.value;
    expect(byName('anonymous')).toBe(1);
    expect(byName('Op0')).toBe(1);
    expect(byName(`Op${MAX_OPERATION_NAMES + 4}`)).toBeUndefined();
    // One malformed name plus the 5 past the cap (the cap counts distinct names kept: 200).
    expect(byName('other')).toBe(6);
  });
});

describe('readiness', () => {
  test('unready until started, while the database fails or hangs, and once draining; Redis away is only "degraded"', async () => {
    let database: () => Promise<unknown> = async () => [1];
    let cache: 'ok' | 'degraded' = 'ok';
    const readiness = createReadiness({ database: () => database(), caching: { health: () => cache }, probeTimeoutMs: 50 });
    expect(await readiness.check()).toMatchObject({ ready: false, schema: 'loading' });
    readiness.started();
    expect(await readiness.check()).toEqual({ ready: true, status: 'ok', schema: 'loaded', database: 'ok', cache: 'ok' });
    cache = 'degraded';
    expect(await readiness.check()).toMatchObject({ ready: true, status: 'degraded', cache: 'degraded' });
    database = () => Promise.reject(new Error('connect ECONNREFUSED'));
    expect(await readiness.check()).toMatchObject({ ready: false, status: 'unready', database: 'unavailable' });
    database = () => new Promise(() => undefined);
    expect(await readiness.check()).toMatchObject({ ready: false, database: 'unavailable' });
    database = async () => [1];
    expect(await readiness.check()).toMatchObject({ ready: true });
    readiness.drain();
    expect(await readiness.check()).toMatchObject({ ready: false, draining: true, database: 'ok' });
  });

  test('without a database (a gateway in front of remote subgraphs) it says so', async () => {
    const readiness = createReadiness({});
    readiness.started();
    expect(await readiness.check()).toEqual({ ready: true, status: 'ok', schema: 'loaded', database: 'none', cache: 'disabled' });
  });
});

describe('database unavailable, told apart from a failing statement', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  test.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
    ['the server shutting down, through TypeORM', new QueryFailedError('SELECT 1', [], withCode('terminating connection', '57P01')), true],
    ['a broken connection', new Error('Connection terminated unexpectedly'), true],
    ['a pool checkout timeout', new Error('timeout exceeded when trying to connect'), true],
    ['a refusal to every address of a name', Object.assign(new AggregateError([withCode('x', 'ECONNREFUSED')]), {}), true],
    ['a syntax error', new QueryFailedError('SELEC 1', [], withCode('syntax error', '42601')), false],
    ['a unique violation', withCode('duplicate key', '23505'), false],
    ['not an error', 'ECONNREFUSED', false],
  ])('%s', (_label, error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });
});
