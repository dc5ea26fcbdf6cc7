import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { writeKeyFiles } from '../shared/auth/keys';
import { waitFor } from './helpers/cache';
import { DENSE_PROVINCE } from './helpers/dataset';
import { FaultProxy } from './helpers/faultProxy';
import {
  centralOfficer,
  postGraphQL,
  productionGatewayEnv,
  startService,
  startSubgraphs,
  subgraphUrlEnv,
  type Service,
} from './helpers/processes';

const postgresUrl = process.env.LT_TEST_DATABASE_URL;

/**
 * One nullable root field from each of three subgraphs (administrative units, enterprise, land):
 * a subgraph that fails nulls its own field only (a non-null one would null the whole `data`).
 */
const across = (taxCode: string, parcelId: string) => `query Across {
  province(code: "${DENSE_PROVINCE}") { name }
  enterprise(taxCode: "${taxCode}") { taxCode }
  landParcel(id: "${parcelId}") { id }
}`;
/** The gateway's per-subgraph timeout in this suite: long enough for a held request to be released before it. */
const TIMEOUT_MS = 4_000;

type Body = Awaited<ReturnType<typeof postGraphQL>>['body'];
const codesOf = (body: Body) => (body.errors ?? []).map((e) => e.extensions?.code);
const ready = async (service: Service) => {
  const response = await fetch(service.url.replace('/graphql', '/ready'));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const metricsOf = async (service: Service) => (await fetch(service.url.replace('/graphql', '/metrics'))).text();
/** The value of the sample of `name` carrying all of `labels` (in any order) on a /metrics page; 0 if there is none. */
const sample = (page: string, name: string, labels: Record<string, string>): number => {
  const line = page
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

(postgresUrl ? describe : describe.skip)(
  'under faults: separate processes on PostgreSQL, a subgraph down, slow or without its database',
  () => {
    const services: Service[] = [];
    const proxies: FaultProxy[] = [];
    let gateway: Service;
    let population: Service;
    let enterprise: Service;
    /** Between the enterprise subgraph and PostgreSQL. */
    let database: FaultProxy;
    /** Between the gateway and the land subgraph. */
    let land: FaultProxy;
    let keyDir: string;
    let officer: Record<string, string>;
    let taxCode: string;
    let parcelId: string;
    const ask = () => postGraphQL(gateway.url, across(taxCode, parcelId), undefined, officer);

    beforeAll(async () => {
      const pg = new Client({ connectionString: postgresUrl });
      await pg.connect();
      taxCode = (await pg.query<{ tax_code: string }>('SELECT tax_code FROM enterprise.enterprise ORDER BY tax_code LIMIT 1')).rows[0]!
        .tax_code;
      parcelId = String((await pg.query<{ id: string }>('SELECT id FROM land.land_parcel ORDER BY id LIMIT 1')).rows[0]!.id);
      await pg.end();
      keyDir = mkdtempSync(join(tmpdir(), 'lien-thong-faults-'));
      const files = await writeKeyFiles(keyDir);
      database = await FaultProxy.start(new URL(postgresUrl!).host);
      proxies.push(database);
      // No caches: every request must reach the subgraphs and their database (Redis faults: entity-cache.test.ts).
      const started = await startSubgraphs(
        {
          DATABASE_URL: postgresUrl!,
          NODE_ENV: 'production',
          INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
          INTERNAL_SERVICE_PRIVATE_KEY_FILE: files.servicePrivate,
          INTERNAL_SERVICE_PUBLIC_KEY_FILE: files.servicePublic,
          LOG_LEVEL: 'debug',
          CACHE_ENABLED: 'false',
        },
        (name): Record<string, string> => (name === 'enterprise' ? { DATABASE_URL: database.rewrite(postgresUrl!) } : {}),
      );
      services.push(...started.services);
      population = started.byName.population!;
      enterprise = started.byName.enterprise!;
      land = await FaultProxy.start(started.byName.land!.url);
      proxies.push(land);
      // The gateway reaches land through its proxy; the subgraphs reach each other directly.
      const urls = subgraphUrlEnv(
        Object.fromEntries(Object.entries(started.byName).map(([name, s]) => [name, name === 'land' ? land.rewrite(s.url) : s.url])),
      );
      gateway = await startService('gateway/index.ts', {
        ...urls,
        ...productionGatewayEnv(files),
        SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS),
        RATE_LIMIT_POINTS: '0',
        CACHE_ENABLED: 'false',
      });
      services.push(gateway);
      officer = await centralOfficer(files, 'HS-2026-FAULTS');
    });
    afterAll(async () => {
      await Promise.all(services.map((s) => s.stop()));
      for (const p of proxies) await p.close();
      rmSync(keyDir, { recursive: true, force: true });
    });

    test('all up: every service ready; the three subgraphs answer', async () => {
      for (const s of services) expect(await ready(s)).toMatchObject({ status: 200, body: { ready: true, schema: 'loaded' } });
      expect((await ready(gateway)).body.database).toBe('none');
      expect((await ready(population)).body.database).toBe('ok');
      const result = await ask();
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data).toEqual({ province: { name: 'Hà Nội' }, enterprise: { taxCode }, landParcel: { id: parcelId } });
    });

    test('the request id and the W3C trace context go from the client through the gateway to the subgraphs, and back', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
          'x-request-id': 'faults-trace-0001',
          ...officer,
        },
        body: JSON.stringify({ query: `{ resident(citizenId: "001099000001") { fullName } }` }),
      });
      expect(response.headers.get('x-request-id')).toBe('faults-trace-0001');
      // Our span of the same trace: same trace id, a span id of the gateway's own.
      const returned = response.headers.get('traceparent');
      expect(returned).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(returned).not.toContain('00f067aa0ba902b7');
      await response.json();
      // The subgraph logged the request (debug) under the client's trace id and request id.
      await waitFor(() => population.output().includes(traceId), 5_000);
      const line = population
        .output()
        .split('\n')
        .find((l) => l.includes(traceId) && l.includes('response sent'));
      expect(JSON.parse(line!)).toMatchObject({ requestId: 'faults-trace-0001', traceId, route: '/graphql', status: 200 });
      expect(line).not.toContain('001099000001');
    });

    test('without a traceparent, the gateway starts a trace and returns it', async () => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ provinces { code } }' }),
      });
      expect(response.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    });

    test('a subgraph whose database is unreachable: DATABASE_UNAVAILABLE, not ready; ready and answering again when it returns, without a restart', async () => {
      await database.set('refuse');
      const during = await ask();
      expect(during.status).toBe(200);
      // The other subgraphs' fields are there.
      expect(during.body.data?.province).toEqual({ name: 'Hà Nội' });
      expect(during.body.data?.landParcel).toEqual({ id: parcelId });
      expect(during.body.data?.enterprise).toBeNull();
      expect(during.body.errors).toEqual([
        expect.objectContaining({
          message: 'The database is unavailable; retry later',
          extensions: expect.objectContaining({ code: 'DATABASE_UNAVAILABLE', serviceName: 'enterprise' }),
        }),
      ]);
      expect(JSON.stringify(during.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stacktrace/);
      expect(await ready(enterprise)).toMatchObject({ status: 503, body: { ready: false, status: 'unready', database: 'unavailable' } });
      // Liveness stays up: restarting the process would not bring the database back.
      expect((await fetch(enterprise.url.replace('/graphql', '/health'))).status).toBe(200);
      const page = await metricsOf(enterprise);
      expect(sample(page, 'lienthong_graphql_errors_total', { code: 'DATABASE_UNAVAILABLE' })).toBeGreaterThan(0);
      expect(sample(page, 'lienthong_db_pool_connections', { state: 'max' })).toBe(10);

      await database.set('forward');
      await waitFor(async () => (await ready(enterprise)).status === 200, 15_000, { intervalMs: 200 });
      const after = await ask();
      expect(after.body.errors).toBeUndefined();
      expect(after.body.data?.enterprise).toEqual({ taxCode });
    });

    test('a subgraph that does not answer: the gateway answers at its timeout with the other fields and SUBGRAPH_UNAVAILABLE naming it', async () => {
      await land.set('hold');
      try {
        const result = await ask();
        expect(result.status).toBe(200);
        expect(result.body.data?.province).toEqual({ name: 'Hà Nội' });
        expect(result.body.data?.enterprise).toEqual({ taxCode });
        expect(result.body.data?.landParcel).toBeNull();
        expect(result.body.errors).toEqual([
          {
            message: `Service "land" did not answer within ${TIMEOUT_MS} ms; its fields are missing`,
            extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', service: 'land' }),
          },
        ]);
      } finally {
        await land.set('forward');
      }
      expect((await ready(gateway)).status).toBe(200);
      expect((await ask()).body.errors).toBeUndefined();
    });

    test('a subgraph process stopped: partial data and SUBGRAPH_UNAVAILABLE naming it; the gateway counts it in /metrics', async () => {
      await enterprise.stop();
      const result = await ask();
      expect(result.status).toBe(200);
      expect(result.body.data?.province).toEqual({ name: 'Hà Nội' });
      expect(result.body.data?.landParcel).toEqual({ id: parcelId });
      expect(result.body.data?.enterprise).toBeNull();
      expect(codesOf(result.body)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      expect(result.body.errors?.[0]).toEqual({
        message: 'Service "enterprise" is unavailable; its fields are missing',
        extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', service: 'enterprise' }),
      });
      const page = await metricsOf(gateway);
      const fetchErrors = (subgraph: string, code: string) => sample(page, 'lienthong_subgraph_fetch_errors_total', { subgraph, code });
      expect(fetchErrors('enterprise', 'SUBGRAPH_UNAVAILABLE')).toBe(1);
      expect(fetchErrors('land', 'SUBGRAPH_UNAVAILABLE')).toBe(1);
      expect(fetchErrors('enterprise', 'DATABASE_UNAVAILABLE')).toBe(1);
      expect(sample(page, 'lienthong_graphql_requests_total', { operation: 'Across', outcome: 'partial' })).toBe(3);
      expect(sample(page, 'lienthong_graphql_requests_total', { operation: 'Across', outcome: 'success' })).toBeGreaterThan(0);
      const fetchesOk = sample(page, 'lienthong_subgraph_fetch_duration_seconds_count', {
        subgraph: 'administrative-units',
        outcome: 'ok',
      });
      expect(fetchesOk).toBeGreaterThan(0);
    });

    test('SIGTERM: the gateway finishes the request in flight, answers it in full, then exits 0', async () => {
      await land.set('hold');
      const held = land.heldCount;
      const inFlight = postGraphQL(gateway.url, `{ landParcel(id: "${parcelId}") { id area } }`, undefined, officer);
      await waitFor(() => land.heldCount > held, 5_000);
      const exited = new Promise<number | null>((resolve) => gateway.process.once('exit', (code) => resolve(code)));
      gateway.process.kill('SIGTERM');
      await waitFor(() => gateway.output().includes('shutting down'), 5_000);
      await land.set('forward');
      const result = await inFlight;
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data?.landParcel).toMatchObject({ id: parcelId });
      expect(await exited).toBe(0);
    });
  },
);
