import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATIONS } from './helpers/operations';
import { DENSE_COMMUNE, DENSE_PROVINCE } from './helpers/dataset';
import { postGraphQL, startService, type Service } from './helpers/processes';

const postgresUrl = process.env.LT_TEST_DATABASE_URL;

/** The four operations return data (no errors) through a gateway reached over HTTP. */
async function expectOperationsWork(url: string): Promise<void> {
  const residents = await postGraphQL(url, OPERATIONS.CommuneResidents, { code: DENSE_COMMUNE });
  expect(residents.status).toBe(200);
  expect(residents.body.errors).toBeUndefined();
  expect((residents.body.data?.commune as { name: string }).name).toBe('Ba Đình');
  const parcels = await postGraphQL(url, OPERATIONS.ProvinceLand, { province: DENSE_PROVINCE });
  expect(parcels.body.errors).toBeUndefined();
  const units = await postGraphQL(url, OPERATIONS.Units);
  expect((units.body.data?.provinces as unknown[]).length).toBe(34);
  const legacy = await postGraphQL(url, OPERATIONS.Legacy);
  expect(legacy.body.data).toEqual({ legacyUnit: { name: 'Tỉnh Hà Giang', successors: [{ code: '08', name: 'Tuyên Quang' }] } });
}

(postgresUrl ? describe : describe.skip)('separate processes on PostgreSQL: four subgraphs and a gateway', () => {
  const services: Service[] = [];
  let gateway: Service;
  beforeAll(async () => {
    const env = { DATABASE_URL: postgresUrl!, NODE_ENV: 'production' };
    const names = ['administrative-units', 'population', 'land', 'enterprise'];
    const started = await Promise.all(names.map((n) => startService(`subgraphs/${n}/index.ts`, env)));
    services.push(...started);
    const urls = Object.fromEntries(names.map((n, i) => [`${n.toUpperCase().replace(/-/g, '_')}_URL`, started[i]!.url]));
    gateway = await startService('gateway/index.ts', { ...urls, NODE_ENV: 'production' });
    services.push(gateway);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  test('the four operations work through the gateway over HTTP', async () => {
    await expectOperationsWork(gateway.url);
  });

  test('a subgraph errors keep their code through the HTTP hop, without internals', async () => {
    const result = await postGraphQL(gateway.url, `{ commune(code: "99999") { name } resident(citizenId: "x") { fullName } }`);
    const codes = (result.body.errors ?? []).map((e) => e.extensions?.code).sort();
    expect(codes).toEqual(['BAD_USER_INPUT', 'NOT_FOUND']);
    expect(JSON.stringify(result.body)).not.toMatch(/stacktrace|SELECT|127\.0\.0\.1/);
  });

  test('each subgraph answers /health', async () => {
    for (const s of services) {
      const response = await fetch(s.url.replace('/graphql', '/health'));
      expect(response.status).toBe(200);
    }
  });
});

describe('npm start on the embedded default (PGlite in a fresh folder, nothing else configured)', () => {
  let gateway: Service;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-start-'));
    const env: Record<string, string> = {
      PGLITE_DIR: dir,
      SEED_RESIDENTS: '400',
      DATABASE_URL: '',
      ADMINISTRATIVE_UNITS_URL: '',
      POPULATION_URL: '',
      LAND_URL: '',
      ENTERPRISE_URL: '',
    };
    gateway = await startService('gateway/index.ts', env, 180_000);
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('migrates, seeds and serves the unified graph', async () => {
    const units = await postGraphQL(gateway.url, OPERATIONS.Units);
    expect(units.body.errors).toBeUndefined();
    expect((units.body.data?.provinces as unknown[]).length).toBe(34);
    const legacy = await postGraphQL(gateway.url, OPERATIONS.Legacy);
    expect(legacy.body.data).toEqual({ legacyUnit: { name: 'Tỉnh Hà Giang', successors: [{ code: '08', name: 'Tuyên Quang' }] } });
    const land = await postGraphQL(gateway.url, OPERATIONS.ProvinceLand, { province: '79' });
    expect(land.body.errors).toBeUndefined();
    expect(gateway.output()).toMatch(/seeded/);
  });

  test('bad requests get a typed error, not a stack trace', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });
});
