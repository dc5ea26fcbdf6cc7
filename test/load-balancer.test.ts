import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { freePort, planSubgraphProcesses } from '../hub/processes';
import { writeKeyFiles } from '../shared/auth/keys';
import { createDataSource } from '../shared/db';
import { DENSE_COMMUNE, DENSE_PROVINCE } from './helpers/dataset';
import { dropTestKeys, redisTestPrefix, RUN_REDIS_URL, waitFor } from './helpers/cache';
import { startHaproxy, type RunningHaproxy } from '../hub/haproxy';
import { haproxyInstalled } from './helpers/haproxy';
import { createSeededDatabase, dropDatabase } from './helpers/postgres';
import { startService, type Service } from './helpers/processes';
import { signToken } from './helpers/tokens';

/**
 * Gateway replicas behind a real HAProxy (deploy/haproxy.cfg, the file docker-compose.yml ships):
 * two gateway processes started as `npm start` starts them, the subgraphs as their own processes on
 * PostgreSQL, one Redis (a key prefix of this file's own). A rolling restart under a steady load of
 * queries and idempotent writes loses no request; a write through one replica is seen at once
 * through the other (response cache and entity cache invalidated through Redis).
 */
const postgresUrl = process.env.LT_TEST_DATABASE_URL;
const ready = Boolean(postgresUrl && RUN_REDIS_URL) && haproxyInstalled();
if (!ready && (postgresUrl === undefined || RUN_REDIS_URL === undefined))
  console.warn('\n[tests] load-balancer suite skipped: it needs PostgreSQL and Redis (see globalSetup).\n');

/**
 * How long a draining gateway keeps serving after /ready turns 503: above deploy/haproxy.cfg's
 * detection (1 s + 2 × 0.5 s), as docker-compose.yml sets it. LB_TEST_DRAIN_MS=0 shows what it
 * prevents: requests cut or refused during the restart.
 */
const DRAIN_MS = Number(process.env.LB_TEST_DRAIN_MS ?? 3_000);
const PURPOSE = 'HS-2026-0042';
const PUBLIC_STATUS = 'query ($t: TaxCode!) { enterprise(taxCode: $t) { status } }';
const OFFICER_STATUS = 'query ($t: TaxCode!) { enterprise(taxCode: $t) { status version } }';
const CHANGE_STATUS = `mutation ($input: ChangeEnterpriseStatusInput!) { changeEnterpriseStatus(input: $input) { enterprise { status } } }`;
const RESIDENTS = `query ($code: ID!) { commune(code: $code) { name residents(first: 5) { edges { node { citizenId fullName } } } } }`;

interface Outcome {
  ok: boolean;
  detail?: string;
}

/** Sends one GraphQL request; ok only for a 200 with data and no error. */
async function send(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: { data?: Record<string, unknown> | null; errors?: unknown[] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (a load balancer's own error page): counted as a failure below.
  }
  return { status: response.status, cache: response.headers.get('x-cache'), body, text };
}

(ready ? describe : describe.skip)('gateway replicas behind HAProxy', () => {
  const subgraphs: Service[] = [];
  const gateways: Service[] = [];
  const gatewayEnv: Record<string, string>[] = [];
  let haproxy: RunningHaproxy | undefined;
  let databaseUrl = '';
  let keyDir = '';
  let officer: Record<string, string>;
  let enterprises: string[];

  beforeAll(async () => {
    databaseUrl = await createSeededDatabase('lb');
    keyDir = mkdtempSync(join(tmpdir(), 'lien-thong-lb-'));
    const files = await writeKeyFiles(keyDir);
    const common = {
      NODE_ENV: 'production',
      // The load sends text (production's default runs published documents only: trusted-documents.test.ts).
      TRUSTED_DOCUMENTS: 'off',
      REDIS_URL: RUN_REDIS_URL!,
      CACHE_PREFIX: redisTestPrefix(RUN_REDIS_URL!),
      INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
    };
    const { processes, urlEnv } = await planSubgraphProcesses();
    // Each started process is recorded as soon as it is up, so afterAll stops it even if another fails.
    const started = await Promise.allSettled(
      processes.map(async (p) => {
        const service = await startService(p.entry, {
          ...urlEnv,
          ...common,
          DATABASE_URL: databaseUrl,
          PORT: String(p.port),
          INTERNAL_SERVICE_PRIVATE_KEY_FILE: files.servicePrivate,
          INTERNAL_SERVICE_PUBLIC_KEY_FILE: files.servicePublic,
        });
        subgraphs.push(service);
      }),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (let i = 0; i < 2; i++) {
      gatewayEnv.push({
        ...urlEnv,
        ...common,
        PORT: String(await freePort()),
        AUTH_ISSUER: 'lien-thong-dev',
        AUTH_JWKS_FILE: files.issuerJwks,
        INTERNAL_PRIVATE_KEY_FILE: files.internalPrivate,
        // The load is one client behind one address: the per-client limit would refuse it.
        RATE_LIMIT_POINTS: '0',
        SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
        TRUSTED_PROXIES: '127.0.0.1',
      });
    }
    await Promise.all(
      gatewayEnv.map(async (env, i) => {
        gateways[i] = await startService('gateway/index.ts', env);
      }),
    );
    haproxy = await startHaproxy(gatewayEnv.map((env) => `127.0.0.1:${env.PORT}`));
    await waitFor(async () => Object.values(await haproxy!.servers()).every((s) => s.status === 'UP'), 15_000, { intervalMs: 100 });
    const issuer = JSON.parse(readFileSync(files.issuerPrivate, 'utf8')) as JWK;
    officer = {
      authorization: `Bearer ${await signToken(issuer, { role: 'CENTRAL', org: 'Bộ Công an' }, { sub: 'ministry-lb' })}`,
      'x-purpose': PURPOSE,
    };
    const db = await createDataSource({ target: { kind: 'postgres', url: databaseUrl }, entities: [] });
    await db.initialize();
    enterprises = (
      (await db
        .query(
          `SELECT tax_code AS id FROM enterprise.enterprise WHERE head_office_province_code = $1 AND status = 'ACTIVE' ORDER BY tax_code LIMIT 3`,
          [DENSE_PROVINCE],
        )
        .finally(() => db.destroy())) as { id: string }[]
    ).map((e) => e.id);
    expect(enterprises).toHaveLength(3);
  });

  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all([...gateways, ...subgraphs].map((s) => s?.stop()));
    await dropTestKeys();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  test('a write through replica A is read through replica B at once: response and entity caches invalidated through Redis', async () => {
    const [a, b] = [gateways[0]!.url, gateways[1]!.url];
    const taxCode = enterprises[2]!;
    expect((await send(b, PUBLIC_STATUS, { t: taxCode })).body.data).toEqual({ enterprise: { status: 'ACTIVE' } });
    const cached = await send(b, PUBLIC_STATUS, { t: taxCode });
    expect([cached.body.data, cached.cache]).toEqual([{ enterprise: { status: 'ACTIVE' } }, 'HIT']);
    const before = await send(b, OFFICER_STATUS, { t: taxCode }, officer);
    expect(before.body.data).toMatchObject({ enterprise: { status: 'ACTIVE' } });

    const write = await send(
      a,
      CHANGE_STATUS,
      { input: { taxCode, status: 'SUSPENDED', reason: 'Tạm ngừng', idempotencyKey: randomUUID() } },
      officer,
    );
    expect(write.body).toEqual({ data: { changeEnterpriseStatus: { enterprise: { status: 'SUSPENDED' } } } });

    const after = await send(b, PUBLIC_STATUS, { t: taxCode });
    expect([after.body.data, after.cache]).toEqual([{ enterprise: { status: 'SUSPENDED' } }, null]);
    const officerAfter = await send(b, OFFICER_STATUS, { t: taxCode }, officer);
    expect(officerAfter.body.data).toEqual({
      enterprise: { status: 'SUSPENDED', version: (before.body.data as { enterprise: { version: number } }).enterprise.version + 1 },
    });
  });

  test('a rolling restart (SIGTERM, exit, start, ready; A then B) under load loses no request', async () => {
    const lb = haproxy!;
    const counts = { queries: 0, writes: 0, failed: 0 };
    const failures: string[] = [];
    let running = true;
    const t0 = Date.now();
    const record = (kind: 'queries' | 'writes', outcome: Outcome) => {
      if (outcome.ok) counts[kind]++;
      else {
        counts.failed++;
        if (failures.length < 10) failures.push(`${kind} at +${Date.now() - t0} ms: ${outcome.detail}`);
      }
    };
    const attempt = async (run: () => Promise<Outcome>): Promise<Outcome> => {
      try {
        return await run();
      } catch (error) {
        return { ok: false, detail: String((error as Error).cause ?? error) };
      }
    };
    const check = (r: Awaited<ReturnType<typeof send>>, expected?: unknown): Outcome =>
      r.status === 200 &&
      r.body.data &&
      !r.body.errors &&
      (expected === undefined || JSON.stringify(r.body.data) === JSON.stringify(expected))
        ? { ok: true }
        : { ok: false, detail: `${r.status} ${r.text.slice(0, 300)}` };
    const reader = async (i: number) => {
      while (running) {
        const outcome = await attempt(async () => {
          switch (i % 3) {
            case 0:
              return check(await send(lb.url, '{ provinces { code name } }', {}));
            case 1:
              return check(await send(lb.url, PUBLIC_STATUS, { t: enterprises[2] }));
            default:
              return check(await send(lb.url, RESIDENTS, { code: DENSE_COMMUNE }, officer));
          }
        });
        record('queries', outcome);
        i++;
      }
    };
    // Each writer owns one enterprise and toggles it ACTIVE ↔ SUSPENDED, each change with a key of its own.
    const writer = async (taxCode: string) => {
      let status = 'ACTIVE';
      while (running) {
        const next = status === 'ACTIVE' ? 'SUSPENDED' : 'ACTIVE';
        const input = { taxCode, status: next, reason: 'Kiểm tra cân bằng tải', idempotencyKey: randomUUID() };
        const outcome = await attempt(async () =>
          check(await send(lb.url, CHANGE_STATUS, { input }, officer), { changeEnterpriseStatus: { enterprise: { status: next } } }),
        );
        record('writes', outcome);
        if (outcome.ok) status = next;
        else break; // The enterprise's state is unknown after a failure: this writer stops (and the test fails).
      }
    };
    const history = async () => {
      const db = await createDataSource({ target: { kind: 'postgres', url: databaseUrl }, entities: [] });
      await db.initialize();
      const [{ n }] = (await db
        .query(`SELECT count(*)::int AS n FROM enterprise.enterprise_event WHERE tax_code = ANY($1)`, [enterprises.slice(0, 2)])
        .finally(() => db.destroy())) as [{ n: number }];
      return n;
    };
    const historyBefore = await history();
    const load = Promise.all([...[0, 1, 2, 3].map((i) => reader(i)), writer(enterprises[0]!), writer(enterprises[1]!)]);
    const timings: string[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const [i, name] of ['gateway-1', 'gateway-2'].entries()) {
        const sent = Date.now();
        const stopped = gateways[i]!.stop();
        const out = waitFor(async () => (await lb.servers())[name]?.status.startsWith('DOWN') ?? false, 10_000, { intervalMs: 50 });
        await stopped;
        const exited = Date.now() - sent;
        const outAfter = await out;
        gateways[i] = await startService('gateway/index.ts', gatewayEnv[i]!);
        const restarted = Date.now() - sent;
        const back = await waitFor(async () => (await lb.servers())[name]?.status === 'UP', 15_000, { intervalMs: 50 });
        timings.push(
          `${name} (SIGTERM at +${sent - t0} ms): out of rotation ${Math.round(outAfter)} ms after SIGTERM, exited ${exited} ms, ready again ${restarted} ms, in rotation ${back} ms later`,
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      running = false;
      await load;
    }
    const servers = await lb.servers();
    console.log(
      `[load-balancer] rolling restart under load: ${counts.queries} queries and ${counts.writes} writes answered 200 without errors, ${counts.failed} failed\n` +
        `  ${timings.join('\n  ')}\n  requests per replica (HAProxy): ${Object.entries(servers)
          .map(([name, s]) => `${name} ${s.requests}`)
          .join(', ')}${failures.length ? `\n  failures:\n  ${failures.join('\n  ')}` : ''}`,
    );
    if (failures.length)
      console.log(
        lb
          .output()
          .split('\n')
          .filter((l) => !/ 200 /.test(l))
          .join('\n'),
      );
    expect(failures).toEqual([]);
    expect(counts.failed).toBe(0);
    expect(counts.queries).toBeGreaterThan(0);
    expect(counts.writes).toBeGreaterThan(0);
    // Every write acknowledged happened exactly once: one history entry each.
    expect((await history()) - historyBefore).toBe(counts.writes);
  });
});
