import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ExecutionResult } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { JWK } from 'jose';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { startGateway, type RunningGateway } from '../gateway/main';
import { writeKeyFiles } from '../shared/auth/keys';
import { RUN_REDIS_URL, testPrefix, waitFor } from './helpers/cache';
import { createDatabase, dropDatabase } from './helpers/postgres';
import { postGraphQL } from './helpers/processes';
import { signToken } from './helpers/tokens';

/**
 * Live subscriptions over Server-Sent Events (graphql-sse), end to end: gateways A and B (and C
 * for limits and shutdown) on one PostgreSQL database and one Redis (a prefix of this run's own).
 * Writes go through A; subscribers listen on B.
 */
const postgresUrl = process.env.LT_TEST_DATABASE_URL;
/** The commune of the first resident seeded, and another. */
let A = '';
let province = '';
const OTHER = '00008';
const PURPOSE = 'HS-2026-LIVE-0001';

type Result = ExecutionResult<Record<string, unknown>, Record<string, unknown>>;

/** A subscription through the graphql-sse client: what it received, and how it ended. */
function subscribe(origin: string, query: string, headers: Record<string, string>, variables: Record<string, unknown> = {}) {
  const results: Result[] = [];
  let ended: 'complete' | Error | null = null;
  const client = createClient({ url: `${origin}/graphql/stream`, headers, retryAttempts: 0 });
  const dispose = client.subscribe<Record<string, unknown>, Record<string, unknown>>(
    { query, variables },
    {
      next: (r) => void results.push(r),
      error: (e) => void (ended = e instanceof Error ? e : new Error(JSON.stringify(e))),
      complete: () => void (ended = 'complete'),
    },
  );
  return {
    results,
    /** Deliveries (results with data), not status messages. */
    data: () => results.filter((r) => r.data),
    ended: () => ended,
    dispose: () => {
      dispose();
      client.dispose();
    },
  };
}

/** A subscription over WebSocket (graphql-ws): the caller in connectionParams, a request id on the upgrade. */
function subscribeWs(origin: string, query: string, connectionParams: Record<string, string>, requestId?: string) {
  const results: Result[] = [];
  let ended: unknown = null;
  const client = createWsClient({
    url: `${origin.replace('http', 'ws')}/graphql/stream`,
    connectionParams,
    retryAttempts: 0,
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string | string[]) {
        super(url, protocols, requestId ? { headers: { 'x-request-id': requestId } } : {});
      }
    },
  });
  client.subscribe<Record<string, unknown>, Record<string, unknown>>(
    { query },
    {
      next: (r) => void results.push(r as Result),
      error: (e) => void (ended = e),
      complete: () => void (ended ??= 'complete'),
    },
  );
  return { results, data: () => results.filter((r) => r.data), ended: () => ended, dispose: () => client.dispose() };
}

(postgresUrl && RUN_REDIS_URL ? describe : describe.skip)('live subscriptions (SSE) across gateway replicas', () => {
  let dir: string;
  let databaseUrl: string;
  let prefix: string;
  let a: RunningGateway;
  let b: RunningGateway;
  let issuer: JWK;
  let resident: string;
  let procedure: string;
  let sequence = 1;
  const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const origin = (g: RunningGateway) => new URL(g.url).origin;
  const bearer = async (claims: Record<string, unknown>, sub: string) => ({
    authorization: `Bearer ${await signToken(issuer, claims, { sub })}`,
    'x-purpose': PURPOSE,
  });
  let env: Record<string, string>;

  const receive = async (through: RunningGateway, extra: Record<string, unknown> = {}) => {
    const at = new Date(Date.now() - 3_600_000);
    const vn = new Date(at.getTime() + 7 * 3_600_000).toISOString();
    const number = `${A}-${vn.slice(2, 4)}${vn.slice(5, 7)}${vn.slice(8, 10)}-${String(sequence++).padStart(4, '0')}`;
    const { body } = await postGraphQL(
      through.url,
      `mutation ($i: ReceiveDossierInput!) { receiveDossier(input: $i) { dossier { number } } }`,
      {
        i: {
          number,
          procedureCode: procedure,
          communeCode: A,
          applicant: { citizenId: resident },
          channel: 'ONLINE',
          receivedAt: at.toISOString(),
          digitised: true,
          ...extra,
        },
      },
      await bearer({ role: 'COMMUNE_OFFICER', commune: A }, 'officer-a'),
    );
    expect(body).toEqual({ data: { receiveDossier: { dossier: { number } } } });
    return number;
  };
  const changeStatus = async (through: RunningGateway, number: string, status: string) => {
    const { body } = await postGraphQL(
      through.url,
      `mutation ($i: ChangeDossierStatusInput!) { changeDossierStatus(input: $i) { dossier { status } } }`,
      { i: { number, status } },
      await bearer({ role: 'COMMUNE_OFFICER', commune: A }, 'officer-a'),
    );
    expect(body).toEqual({ data: { changeDossierStatus: { dossier: { status } } } });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-live-'));
    const files = await writeKeyFiles(join(dir, 'keys'));
    issuer = JSON.parse(readFileSync(files.issuerPrivate, 'utf8')) as JWK;
    databaseUrl = await createDatabase('live');
    prefix = testPrefix();
    env = {
      PORT: '0',
      LOG_LEVEL: 'silent',
      AUTH_JWKS_FILE: files.issuerJwks,
      INTERNAL_PRIVATE_KEY_FILE: files.internalPrivate,
      INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
      DATABASE_URL: databaseUrl,
      SEED_RESIDENTS: '400',
      REDIS_URL: RUN_REDIS_URL!,
      CACHE_PREFIX: prefix,
      RATE_LIMIT_POINTS: '0',
      // The notices of dossiers falling due pass once at start, then not within this suite (but on D and E below).
      LIVE_TIMER_SECONDS: '3600',
    };
    a = await startGateway(env);
    b = await startGateway(env);
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const first = (
        await db.query<{ id: string; commune: string }>(
          `SELECT citizen_id AS id, permanent_commune_code AS commune FROM population.resident WHERE permanent_commune_code <> $1 ORDER BY citizen_id LIMIT 1`,
          [OTHER],
        )
      ).rows[0]!;
      resident = first.id;
      A = first.commune;
      procedure = (
        await db.query<{ code: string }>(`SELECT code FROM public_services.procedure WHERE level = 'COMMUNE' ORDER BY code LIMIT 1`)
      ).rows[0]!.code;
    } finally {
      await db.end();
    }
    const { body } = await postGraphQL(a.url, `{ commune(code: "${A}") { province { code } } }`);
    province = (body as { data: { commune: { province: { code: string } } } }).data.commune.province.code;
  }, 240_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    const redis = new Redis(RUN_REDIS_URL!, { maxRetriesPerRequest: 0 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
    if (databaseUrl) await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
    quiet.mockRestore();
  });

  it('delivers a dossier change and an evaluation change written through A to subscribers on B, each with its own identity; nothing to an outsider; audited', async () => {
    const dossierQuery = `subscription ($c: CommuneCode!) { changed: communeDossierChanged(communeCode: $c) { number status applicant { ... on Resident { citizenId } } } }`;
    const officer = subscribe(
      origin(b),
      dossierQuery,
      { ...(await bearer({ role: 'COMMUNE_OFFICER', commune: A }, 'officer-a')), 'x-request-id': 'live-officer-0001' },
      { c: A },
    );
    const outsider = subscribe(origin(b), dossierQuery, await bearer({ role: 'COMMUNE_OFFICER', commune: OTHER }, 'officer-other'), {
      c: A,
    });
    const citizen = subscribe(
      origin(b),
      `subscription { myDossierChanged { number status } }`,
      await bearer({ role: 'CITIZEN' }, resident),
    );
    const publicView = subscribe(
      origin(b),
      `subscription { evaluationChanged(provinceCode: "${province}") { unitScope unitCode provinceCode month evaluation { score dossiersReceived } } }`,
      {},
    );
    const elsewhere = subscribe(
      origin(b),
      `subscription { evaluationChanged(provinceCode: "${province === '01' ? '79' : '01'}") { unitCode } }`,
      {},
    );
    // Give the subscriptions time to open (the reader picks a new channel up within a second).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const number = await receive(a);
    await waitFor(() => officer.data().length >= 1 && citizen.data().length >= 1 && publicView.data().length >= 1, 10_000).catch((e) => {
      throw new Error(
        `${String(e)}: ${JSON.stringify({ officer: officer.results, citizen: citizen.results, publicView: publicView.results, ended: [officer.ended(), citizen.ended(), publicView.ended()].map(String) })}`,
      );
    });
    expect(officer.data()[0]!.data).toEqual({ changed: { number, status: 'RECEIVED', applicant: { citizenId: resident } } });
    expect(officer.data()[0]!.extensions).toEqual({ eventId: expect.stringMatching(/^\d+-\d+$/) });
    expect(citizen.data()[0]!.data).toEqual({ myDossierChanged: { number, status: 'RECEIVED' } });
    expect(publicView.data()[0]!.data).toEqual({
      evaluationChanged: {
        unitScope: 'COMMUNE',
        unitCode: A,
        provinceCode: province,
        month: expect.stringMatching(/^\d{4}-\d{2}$/),
        evaluation: { score: expect.any(Number), dossiersReceived: expect.any(Number) },
      },
    });
    // The outsider's deliveries were resolved with their identity: NOT_FOUND, so nothing at all.
    await changeStatus(a, number, 'IN_PROGRESS');
    await waitFor(() => officer.data().length >= 2, 10_000);
    expect(officer.data()[1]!.data).toEqual({ changed: { number, status: 'IN_PROGRESS', applicant: { citizenId: resident } } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(outsider.results).toEqual([]);
    expect(outsider.ended()).toBeNull();
    expect(elsewhere.results).toEqual([]);
    // Every delivery of personal data is in the audit log, under the subscription's request id.
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ subjects: string[]; outcome: string }>(
        `SELECT subjects, outcome FROM audit.entry WHERE request_id LIKE 'live-officer-0001:%' ORDER BY id`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r) => r.outcome === 'ALLOWED' && r.subjects.includes(resident))).toBe(true);
    } finally {
      await db.end();
    }
    for (const s of [officer, outsider, citizen, publicView, elsewhere]) s.dispose();
  }, 60_000);

  it('serves the same subscriptions over WebSocket (graphql-ws): resolved with the subscriber identity on B, nothing to an outsider, audited, personal data refused without a purpose', async () => {
    const query = `subscription { changed: communeDossierChanged(communeCode: "${A}") { number status applicant { ... on Resident { citizenId } } } }`;
    const token = async (claims: Record<string, unknown>, sub: string) => (await bearer(claims, sub)).authorization;
    const officer = subscribeWs(
      origin(b),
      query,
      { authorization: await token({ role: 'COMMUNE_OFFICER', commune: A }, 'officer-a'), purpose: PURPOSE },
      'live-ws-officer-0001',
    );
    const outsider = subscribeWs(origin(b), query, {
      authorization: await token({ role: 'COMMUNE_OFFICER', commune: OTHER }, 'officer-other'),
      purpose: PURPOSE,
    });
    const noPurpose = subscribeWs(origin(b), query, { authorization: await token({ role: 'COMMUNE_OFFICER', commune: A }, 'officer-a') });
    await waitFor(() => noPurpose.ended() !== null, 5_000);
    expect(JSON.stringify([noPurpose.results, noPurpose.ended()])).toContain('PURPOSE_REQUIRED');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const number = await receive(a);
    await waitFor(() => officer.data().length >= 1, 10_000);
    expect(officer.data()[0]!.data).toEqual({ changed: { number, status: 'RECEIVED', applicant: { citizenId: resident } } });
    expect(officer.data()[0]!.extensions).toEqual({ eventId: expect.stringMatching(/^\d+-\d+$/) });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(outsider.results).toEqual([]);
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ subjects: string[]; outcome: string; purpose: string }>(
        `SELECT subjects, outcome, purpose FROM audit.entry WHERE request_id LIKE 'live-ws-officer-0001.%' ORDER BY id`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect(rows.every((r) => r.outcome === 'ALLOWED' && r.subjects.includes(resident) && r.purpose === PURPOSE)).toBe(true);
    } finally {
      await db.end();
    }
    for (const s of [officer, outsider, noPurpose]) await s.dispose();
  }, 60_000);

  it('refuses a subscription to personal data at once, as the same query would be: no token (UNAUTHENTICATED), no purpose (PURPOSE_REQUIRED)', async () => {
    const dossierQuery = `subscription ($c: CommuneCode!) { communeDossierChanged(communeCode: $c) { number status } }`;
    const anonymous = subscribe(origin(b), dossierQuery, {}, { c: A });
    const { authorization } = await bearer({ role: 'COMMUNE_OFFICER', commune: A }, 'officer-a');
    const noPurpose = subscribe(origin(b), dossierQuery, { authorization }, { c: A });
    const citizen = subscribe(origin(b), `subscription { myDossierChanged { number } }`, {});
    // No event is written: the refusal must not wait for one (it would tell that something happened).
    await waitFor(() => anonymous.ended() !== null && noPurpose.ended() !== null && citizen.ended() !== null, 5_000);
    const codes = (s: ReturnType<typeof subscribe>) =>
      JSON.stringify([s.results, String(s.ended())]).match(/UNAUTHENTICATED|FORBIDDEN|PURPOSE_REQUIRED/g) ?? [];
    expect(codes(anonymous)).toContain('UNAUTHENTICATED');
    expect(codes(noPurpose)).toContain('PURPOSE_REQUIRED');
    expect(codes(citizen)).toContain('FORBIDDEN');
    expect(anonymous.data()).toEqual([]);
    for (const s of [anonymous, noPurpose, citizen]) s.dispose();
  }, 30_000);

  it('resumes after a reconnection from Last-Event-ID: the events missed meanwhile are delivered, in order', async () => {
    const query = `subscription { changed: communeDossierChanged(communeCode: "${A}") { number status } }`;
    const headers = await bearer({ role: 'COMMUNE_OFFICER', commune: A }, 'officer-a');
    const first = subscribe(origin(b), query, headers);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const number = await receive(a);
    await waitFor(() => first.data().length >= 1, 10_000);
    const lastEventId = first.data()[0]!.extensions!.eventId as string;
    first.dispose();
    // Missed while away: two changes.
    await changeStatus(a, number, 'IN_PROGRESS');
    await changeStatus(a, number, 'DONE');
    const again = subscribe(origin(b), query, { ...headers, 'last-event-id': lastEventId });
    await waitFor(() => again.data().length >= 2, 10_000);
    // Events carry keys: each is resolved when delivered, so both show the dossier as it is now.
    expect(again.data().map((r) => r.data)).toEqual([{ changed: { number, status: 'DONE' } }, { changed: { number, status: 'DONE' } }]);
    const ids = again.data().map((r) => r.extensions!.eventId as string);
    expect(ids[0]! > lastEventId && ids[1]! > ids[0]!).toBe(true);
    again.dispose();
    // A raw SSE client sees the ids as the SSE `id:` field; a malformed Last-Event-ID is a 400.
    const bad = await fetch(`${origin(b)}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'last-event-id': 'yesterday' },
      body: JSON.stringify({ query: `subscription { evaluationChanged { unitCode } }` }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    const unauthenticated = await fetch(`${origin(b)}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer nope' },
      body: JSON.stringify({ query: `subscription { evaluationChanged { unitCode } }` }),
    });
    expect(unauthenticated.status).toBe(401);
  }, 60_000);

  it('serves the evaluation as open data (CSV and JSON) through the graph as the public; bad input is a 400 with a code', async () => {
    const vn = new Date(Date.now() + 7 * 3_600_000).toISOString();
    const period = vn.slice(0, 7);
    const json = await fetch(`${origin(a)}/open-data/evaluation/${period}.json?scope=commune&province=${province}`);
    expect(json.status).toBe(200);
    const body = (await json.json()) as { columns: string[]; rows: Record<string, unknown>[]; licence: string };
    const row = body.rows.find((r) => r.unitCode === A);
    expect(row).toMatchObject({ period, scope: 'COMMUNE', provinceCode: province, evaluated: true, rank: expect.any(Number) });
    expect(Object.keys(row!).sort()).toEqual([...body.columns].sort());
    expect(JSON.stringify(body)).not.toContain(resident);
    const csv = await fetch(`${origin(a)}/open-data/evaluation/${vn.slice(0, 4)}.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe(body.columns.join(','));
    expect(lines.length).toBe(35); // the header and the 34 provinces
    // A province without an evaluated dossier that year has no score and no points (empty cells), never a top mark.
    const yearly = (await (await fetch(`${origin(a)}/open-data/evaluation/${vn.slice(0, 4)}.json`)).json()) as typeof body;
    for (const r of yearly.rows.filter((x) => x.evaluated === false)) {
      expect(r).toMatchObject({ score: null, pointsPublicity: null, pointsProgress: null });
    }
    expect(yearly.rows.some((x) => x.evaluated === false)).toBe(true);
    for (const [path, code] of [
      ['/open-data/evaluation/2025-13.csv', 'BAD_USER_INPUT'],
      ['/open-data/evaluation/2025.json?scope=commune', 'BAD_USER_INPUT'],
      ['/open-data/evaluation/2025.json?scope=nation', 'BAD_USER_INPUT'],
      ["/open-data/evaluation/2025.json?province=01'%20OR%201=1--", 'BAD_USER_INPUT'],
      ['/open-data/evaluation/2025.json?provnce=01', 'BAD_USER_INPUT'],
    ] as const) {
      const response = await fetch(`${origin(a)}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(code);
    }
    expect((await fetch(`${origin(a)}/open-data/residents/2025.csv`)).status).toBe(404);
  }, 60_000);

  it('limits subscriptions per caller (LIVE_CALLER_LIMIT, 429) and ends every stream with a final message on a graceful stop', async () => {
    const c = await startGateway({ ...env, LIVE_LIMIT_PER_CALLER: '2' });
    const headers = await bearer({ role: 'PROVINCE_OFFICER', province: '01' }, 'province-01');
    const query = `subscription { evaluationChanged { unitCode } }`;
    const open = [subscribe(origin(c), query, headers), subscribe(origin(c), query, headers)];
    await new Promise((resolve) => setTimeout(resolve, 500));
    const third = await fetch(`${origin(c)}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query }),
    });
    expect(third.status).toBe(429);
    expect(((await third.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('LIVE_CALLER_LIMIT');
    // Over WebSocket the same caller shares the same count.
    const overWs = subscribeWs(origin(c), query, { authorization: headers.authorization });
    await waitFor(() => overWs.ended() !== null, 5_000);
    expect(JSON.stringify([overWs.results, overWs.ended()])).toContain('LIVE_CALLER_LIMIT');
    await overWs.dispose();
    const started = Date.now();
    await c.stop('test');
    expect(Date.now() - started).toBeLessThan(5_000);
    await waitFor(() => open.every((s) => s.ended() === 'complete'), 5_000);
    for (const s of open) {
      expect(s.results.at(-1)!.errors).toEqual([expect.objectContaining({ extensions: { code: 'SHUTTING_DOWN' } })]);
      s.dispose();
    }
  }, 120_000);

  it('announces dossiers falling due to the commune officers watching them: DUE_TODAY and OVERDUE once each, with two replicas running the timer', async () => {
    // D and E run the notices every second on the same database: each dossier is announced once.
    const [d, e] = await Promise.all([
      startGateway({ ...env, LIVE_TIMER_SECONDS: '1' }),
      startGateway({ ...env, LIVE_TIMER_SECONDS: '1' }),
    ]);
    try {
      const officer = subscribe(
        origin(b),
        `subscription { changed: communeDossierChanged(communeCode: "${A}") { number deadline } }`,
        await bearer({ role: 'COMMUNE_OFFICER', commune: A }, 'officer-a'),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const now = Date.now();
      const endOfDay = Date.parse(`${new Date(now + 7 * 3_600_000).toISOString().slice(0, 10)}T17:00:00Z`);
      const dueToday = await receive(a, { dueAt: new Date(Math.min(now + 120_000, endOfDay - 1_000)).toISOString() });
      const overdue = await receive(a, { dueAt: new Date(now - 30 * 60_000).toISOString() });
      const of = (number: string) => officer.data().filter((r) => (r.data!.changed as { number: string }).number === number);
      // Each: the write's own event, then the notice.
      await waitFor(() => of(dueToday).length >= 2 && of(overdue).length >= 2, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(of(dueToday).map((r) => r.data)).toEqual([
        { changed: { number: dueToday, deadline: 'DUE_TODAY' } },
        { changed: { number: dueToday, deadline: 'DUE_TODAY' } },
      ]);
      expect(of(overdue).map((r) => r.data)).toEqual([
        { changed: { number: overdue, deadline: 'OVERDUE' } },
        { changed: { number: overdue, deadline: 'OVERDUE' } },
      ]);
      officer.dispose();
    } finally {
      await Promise.all([d.stop(), e.stop()]);
    }
  }, 120_000);
});
