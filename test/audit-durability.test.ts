import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { Client } from 'pg';
import { OPERATIONS } from '../hub/operations';
import { createAuditLog } from '../shared/audit';
import { writeKeyFiles } from '../shared/auth/keys';
import { createDataSource } from '../shared/db';
import { dropTestKeys, redisTestPrefix, RUN_REDIS_URL } from './helpers/cache';
import { DENSE_COMMUNE } from './helpers/dataset';
import { createSeededDatabase, dropDatabase } from './helpers/postgres';
import { productionGatewayEnv, startService, type KeyFiles, type Service } from './helpers/processes';
import { signToken } from './helpers/tokens';

/**
 * No copy of personal data leaves the gateway before its audit entry is committed (issue 14): an
 * embedded gateway in its own process on PostgreSQL and Redis (response and entity caches on, as in
 * production) answers a burst of concurrent personal-data requests and is killed with SIGKILL the
 * moment the last answer is received — no graceful shutdown, nothing flushed afterwards. Every
 * answer that carried personal data must then have its entry in `audit.entry`, found by the request
 * id the client got back. Once for answers computed by the subgraphs (cold: the subgraph's audit
 * plugin), once for warm hits of the response cache (the gateway's own entry per hit). Each test
 * kills its own gateway: a kill after a mixed burst would let the slower cold answers give a warm
 * hit's entry time to land.
 */
const postgresUrl = process.env.LT_TEST_DATABASE_URL;
const ready = Boolean(postgresUrl && RUN_REDIS_URL);
if (!ready) console.warn('\n[tests] audit-durability suite skipped: it needs PostgreSQL and Redis (see globalSetup).\n');

const PURPOSE = 'HS-2026-DURABLE-0001';
const RESIDENT = `query ($id: CitizenId!) { resident(citizenId: $id) { citizenId fullName } }`;
/** Concurrent cold answers (distinct residents: each one a miss). */
const COLD = 20;
/** Concurrent warm hits, spread over {@link CALLERS} officers. */
const WARM = 50;
const CALLERS = 5;

interface Answer {
  requestId: string;
  cache: string | null;
  caller: string;
  body: { data?: Record<string, unknown> | null; errors?: unknown[] };
}

/**
 * Sends every request at once and SIGKILLs `gateway` in the same turn of the event loop as the last
 * body arrives (before any other callback runs); resolves once the process is gone.
 */
async function burstThenKill(
  gateway: Service,
  requests: { query: string; variables: Record<string, unknown>; caller: string; headers: Record<string, string> }[],
): Promise<Answer[]> {
  const exited = new Promise<void>((resolve) => gateway.process.once('exit', () => resolve()));
  let pending = requests.length;
  const answers = await Promise.all(
    requests.map(async (r): Promise<Answer> => {
      try {
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...r.headers },
          body: JSON.stringify({ query: r.query, variables: r.variables }),
        });
        const text = await response.text();
        return {
          requestId: response.headers.get('x-request-id') ?? '',
          cache: response.headers.get('x-cache'),
          caller: r.caller,
          body: JSON.parse(text) as Answer['body'],
        };
      } finally {
        if (--pending === 0) gateway.process.kill('SIGKILL');
      }
    }),
  );
  await exited;
  return answers;
}

(ready ? describe : describe.skip)('audit entries are durable before personal data is answered (SIGKILL right after the answers)', () => {
  let databaseUrl = '';
  let dir = '';
  let files: KeyFiles;
  let issuer: JWK;
  let pg: Client;
  const gateways: Service[] = [];
  /** One gateway per test, each killed by it; started side by side. */
  let cold: Service;
  let warm: Service;

  /** An embedded gateway as production runs it, on this suite's database and a Redis prefix of its own. */
  const startGateway = async () => {
    const gateway = await startService('gateway/index.ts', {
      ...productionGatewayEnv(files),
      DATABASE_URL: databaseUrl,
      REDIS_URL: RUN_REDIS_URL!,
      CACHE_PREFIX: redisTestPrefix(RUN_REDIS_URL!),
      CACHE_ENABLED: 'true',
      RATE_LIMIT_POINTS: '0',
    });
    gateways.push(gateway);
    return gateway;
  };
  const officer = async (sub: string) => ({
    authorization: `Bearer ${await signToken(issuer, { role: 'CENTRAL', org: 'Bộ Công an' }, { sub })}`,
    'x-purpose': PURPOSE,
  });
  /** The ALLOWED entries of these request ids, by request id. */
  const entriesOf = async (requestIds: string[]) => {
    const rows = (
      await pg.query<{ request_id: string; service: string; actor: string; purpose: string; subjects: string[] }>(
        `SELECT request_id, service, actor, purpose, subjects FROM audit.entry WHERE request_id = ANY($1::text[]) AND outcome = 'ALLOWED'`,
        [requestIds],
      )
    ).rows;
    const byRequest = new Map<string, typeof rows>();
    for (const row of rows) byRequest.set(row.request_id, [...(byRequest.get(row.request_id) ?? []), row]);
    return byRequest;
  };

  beforeAll(async () => {
    databaseUrl = await createSeededDatabase('durable');
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-durable-'));
    files = await writeKeyFiles(dir);
    issuer = JSON.parse(readFileSync(files.issuerPrivate, 'utf8')) as JWK;
    pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    // Each recorded as soon as it is up (startGateway), so afterAll stops it even if the other fails.
    const started = await Promise.allSettled([startGateway(), startGateway()]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    [cold, warm] = gateways as [Service, Service];
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await pg?.end();
    await dropTestKeys();
    if (databaseUrl) await dropDatabase(databaseUrl);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(`cold: ${COLD} concurrent answers computed by the subgraphs each have their entry`, async () => {
    const residents = (
      await pg.query<{ id: string }>(`SELECT citizen_id AS id FROM population.resident ORDER BY citizen_id LIMIT $1`, [COLD])
    ).rows.map((r) => r.id);
    expect(residents).toHaveLength(COLD);
    const answers = await burstThenKill(
      cold,
      await Promise.all(
        residents.map(async (id, i) => ({
          query: RESIDENT,
          variables: { id },
          caller: `durable-cold-${i % CALLERS}`,
          headers: await officer(`durable-cold-${i % CALLERS}`),
        })),
      ),
    );
    // Each answer carried its resident's data, computed (not a cache hit) under a request id of its own.
    expect(answers.map((a) => a.body)).toEqual(
      residents.map((id) => ({ data: { resident: { citizenId: id, fullName: expect.any(String) } } })),
    );
    expect(answers.every((a) => a.cache === null)).toBe(true);
    expect(new Set(answers.map((a) => a.requestId)).size).toBe(COLD);
    const entries = await entriesOf(answers.map((a) => a.requestId));
    const missing = answers.filter((a) => !entries.has(a.requestId)).map((a) => a.requestId);
    expect(missing).toEqual([]);
    answers.forEach((a, i) => {
      expect(entries.get(a.requestId)).toContainEqual(
        expect.objectContaining({ service: 'population', actor: a.caller, purpose: PURPOSE, subjects: [residents[i]] }),
      );
    });
  });

  test(`warm: ${WARM} concurrent response-cache hits by ${CALLERS} officers each have the gateway's entry`, async () => {
    const variables = { code: DENSE_COMMUNE };
    // The first answer is computed (and audited by the subgraphs), then stored for the officers' scope.
    const first = await fetch(warm.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await officer('durable-warm-0')) },
      body: JSON.stringify({ query: OPERATIONS.CommuneResidents, variables }),
    });
    const warmup = (await first.json()) as Answer['body'];
    expect(warmup.errors).toBeUndefined();
    expect(first.headers.get('x-cache')).toBeNull();
    const residents = (warmup.data!.commune as { residents: { edges: { node: { citizenId: string } }[] } }).residents.edges.map(
      (e) => e.node.citizenId,
    );
    expect(residents.length).toBeGreaterThan(0);
    expect((await entriesOf([first.headers.get('x-request-id')!])).get(first.headers.get('x-request-id')!)).toContainEqual(
      expect.objectContaining({ service: 'population', actor: 'durable-warm-0' }),
    );

    const callers = await Promise.all(Array.from({ length: CALLERS }, (_, i) => officer(`durable-warm-${i}`)));
    const answers = await burstThenKill(
      warm,
      Array.from({ length: WARM }, (_, i) => ({
        query: OPERATIONS.CommuneResidents,
        variables,
        caller: `durable-warm-${i % CALLERS}`,
        headers: callers[i % CALLERS]!,
      })),
    );
    // Every one a hit carrying the same residents as the computed answer.
    expect(answers.map((a) => a.cache)).toEqual(Array.from({ length: WARM }, () => 'HIT'));
    for (const a of answers) expect(a.body).toEqual(warmup);
    expect(new Set(answers.map((a) => a.requestId)).size).toBe(WARM);
    const entries = await entriesOf(answers.map((a) => a.requestId));
    const missing = answers.filter((a) => !entries.has(a.requestId)).map((a) => a.requestId);
    expect(missing).toEqual([]);
    for (const a of answers) {
      expect(entries.get(a.requestId)).toEqual([
        expect.objectContaining({ service: 'gateway', actor: a.caller, purpose: PURPOSE, subjects: expect.arrayContaining(residents) }),
      ]);
    }
  });

  test('after both kills the chain is whole (no entry half written, no fork)', async () => {
    const db = await createDataSource({ target: { kind: 'postgres', url: databaseUrl }, entities: [] });
    await db.initialize();
    try {
      expect(await createAuditLog(db).verify()).toMatchObject({ ok: true });
    } finally {
      await db.destroy();
    }
  });
});
