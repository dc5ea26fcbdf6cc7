import { openWritableTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { AS } from './helpers/identities';
import { digest, WriteClient } from './helpers/writes';

const A = '00004'; // Phường Ba Đình, Hà Nội (province 01)
const B = '00008'; // Phường Ngọc Hà, Hà Nội
const code = (r: GraphQLResult) => r.errors?.[0]?.extensions?.code;
const DOSSIER = `dossier { number status statusCode version dueAt supplementCount onTime applicant { __typename ... on Resident { citizenId } } history { status } }
  replayed`;

/** Today in Vietnam as yymmdd, and an instant of today an hour ago. */
function today(): { yymmdd: string; at: string } {
  const at = new Date(Date.now() - 3_600_000);
  const vn = new Date(at.getTime() + 7 * 3_600_000).toISOString();
  return { yymmdd: vn.slice(2, 4) + vn.slice(5, 7) + vn.slice(8, 10), at: at.toISOString() };
}

describe('public services (through the gateway)', () => {
  let hub: TestHub;
  let w: WriteClient;
  let residentA: string;
  let residentB: string;
  let procedure: string;
  let sequence = 1;
  const officerA = AS.communeOfficer(A);
  const receive = (extra: Record<string, unknown> = {}, as = officerA) => {
    const t = today();
    return w.mutate(
      'receiveDossier',
      'ReceiveDossierInput',
      {
        number: `${A}-${t.yymmdd}-${String(sequence++).padStart(4, '0')}`,
        procedureCode: procedure,
        communeCode: A,
        applicant: { citizenId: residentA },
        channel: 'ONLINE',
        receivedAt: t.at,
        digitised: true,
        ...extra,
      },
      DOSSIER,
      as,
    );
  };
  const number = (r: GraphQLResult) => (r.data!.receiveDossier as { dossier: { number: string } }).dossier.number;

  beforeAll(async () => {
    hub = await openWritableTestHub();
    w = new WriteClient(hub);
    const ids = async (commune: string) =>
      (
        (await hub.db.query(
          `SELECT citizen_id AS id FROM population.resident WHERE permanent_commune_code = $1 ORDER BY citizen_id LIMIT 1`,
          [commune],
        )) as { id: string }[]
      )[0]!.id;
    residentA = await ids(A);
    residentB = await ids(B);
    procedure = (
      (await hub.db.query(
        `SELECT code FROM public_services.procedure WHERE level = 'COMMUNE' AND online_level = 'FULL' AND time_unit = 'WORKING_DAYS' ORDER BY code LIMIT 1`,
      )) as { code: string }[]
    )[0]!.code;
  });
  afterAll(async () => {
    await hub?.close();
  });

  test('receiveDossier: the applicant is checked, the due date computed, history and evaluation updated at once, a retry replayed', async () => {
    const before = await hub.run(
      `{ commune(code: "${A}") { evaluation(period: { kind: YEAR, year: ${new Date().getUTCFullYear()} }) { dossiersReceived } } }`,
    );
    const result = await receive();
    expect(result.errors).toBeUndefined();
    const dossier = (
      result.data!.receiveDossier as { dossier: { status: string; statusCode: number; history: unknown[]; applicant: unknown } }
    ).dossier;
    expect(dossier).toMatchObject({
      status: 'RECEIVED',
      statusCode: 2,
      history: [{ status: 'RECEIVED' }],
      applicant: { citizenId: residentA },
    });
    expect(await w.auditOf(result)).toEqual([expect.objectContaining({ outcome: 'ALLOWED', subjects: [residentA] })]);
    const after = await hub.run(
      `{ commune(code: "${A}") { evaluation(period: { kind: YEAR, year: ${new Date().getUTCFullYear()} }) { dossiersReceived } } }`,
    );
    const count = (r: GraphQLResult) => (r.data!.commune as { evaluation: { dossiersReceived: number } }).evaluation.dossiersReceived;
    expect(count(after)).toBe(count(before) + 1);
    const input = {
      idempotencyKey: `retry-${Date.now()}`,
      number: `${A}-${today().yymmdd}-${String(sequence++).padStart(4, '0')}`,
      procedureCode: procedure,
      communeCode: A,
      applicant: { citizenId: residentA },
      channel: 'IN_PERSON',
      receivedAt: today().at,
    };
    const first = await w.mutate('receiveDossier', 'ReceiveDossierInput', input, DOSSIER, officerA);
    const retry = await w.mutate('receiveDossier', 'ReceiveDossierInput', input, DOSSIER, officerA);
    expect((first.data!.receiveDossier as { replayed: boolean }).replayed).toBe(false);
    expect((retry.data!.receiveDossier as { replayed: boolean }).replayed).toBe(true);
    const reused = await w.mutate('receiveDossier', 'ReceiveDossierInput', { ...input, channel: 'ONLINE' }, DOSSIER, officerA);
    expect(code(reused)).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  test('refused writes leave every table of the subgraph byte-identical: malformed number, unknown procedure, illegal transition', async () => {
    const received = await receive();
    const n = number(received);
    const before = await digest(hub.db, 'public_services');
    const t = today();
    const malformed = await w.mutate(
      'receiveDossier',
      'ReceiveDossierInput',
      {
        number: `${A}-${t.yymmdd}-12`,
        procedureCode: procedure,
        communeCode: A,
        applicant: { citizenId: residentA },
        channel: 'ONLINE',
        receivedAt: t.at,
      },
      DOSSIER,
      officerA,
    );
    expect(code(malformed)).toBe('BAD_USER_INPUT');
    const wrongUnit = await receive({ communeCode: B });
    expect(code(wrongUnit)).toBe('FORBIDDEN');
    const unknown = await receive({ procedureCode: '9.999999' });
    expect(code(unknown)).toBe('BAD_USER_INPUT');
    expect(unknown.errors![0]!.extensions!.argument).toBe('input.procedureCode');
    const illegal = await w.mutate('returnResult', 'ReturnResultInput', { number: n }, DOSSIER, officerA);
    expect(code(illegal)).toBe('ILLEGAL_TRANSITION');
    expect(illegal.errors![0]!.extensions).toMatchObject({ from: 'RECEIVED', to: 'RETURNED' });
    const outside = await w.mutate(
      'changeDossierStatus',
      'ChangeDossierStatusInput',
      { number: n, status: 'DONE' },
      DOSSIER,
      AS.communeOfficer(B),
    );
    expect(code(outside)).toBe('NOT_FOUND');
    expect(await digest(hub.db, 'public_services')).toBe(before);
  });

  test('a dossier through supplement, decision and return: the time the applicant took moves the due date, the result is on time', async () => {
    const n = number(await receive());
    const step = (field: string, type: string, input: Record<string, unknown>) =>
      w.mutate(field, type, { number: n, ...input }, DOSSIER, officerA);
    const progress = await step('changeDossierStatus', 'ChangeDossierStatusInput', { status: 'IN_PROGRESS' });
    expect(progress.errors).toBeUndefined();
    const requested = await step('requestSupplement', 'RequestSupplementInput', { reason: 'Thiếu bản sao giấy tờ' });
    const due = (requested.data!.requestSupplement as { dossier: { dueAt: string } }).dossier.dueAt;
    await new Promise((r) => setTimeout(r, 20));
    const completed = await step('completeSupplement', 'CompleteSupplementInput', {});
    expect(completed.errors).toBeUndefined();
    const resumed = (completed.data!.completeSupplement as { dossier: { dueAt: string; status: string; supplementCount: number } }).dossier;
    expect(resumed.status).toBe('IN_PROGRESS');
    expect(resumed.supplementCount).toBe(1);
    expect(new Date(resumed.dueAt).getTime()).toBeGreaterThan(new Date(due).getTime());
    const done = await step('changeDossierStatus', 'ChangeDossierStatusInput', { status: 'DONE', electronicResult: true });
    expect((done.data!.changeDossierStatus as { dossier: { onTime: boolean } }).dossier.onTime).toBe(true);
    const returned = await step('returnResult', 'ReturnResultInput', {});
    expect((returned.data!.returnResult as { dossier: { statusCode: number } }).dossier.statusCode).toBe(10);
    const again = await step('withdrawDossier', 'WithdrawDossierInput', { reason: 'Không cần nữa' });
    expect(code(again)).toBe('ILLEGAL_TRANSITION');
  });

  test("a citizen reads their own dossiers and not another's; an officer only those received in their jurisdiction", async () => {
    const n = number(await receive());
    const own = await hub.run(`{ resident(citizenId: "${residentA}") { dossiers { number } } }`, {}, { identity: AS.citizen(residentA) });
    expect(own.errors).toBeUndefined();
    expect((own.data!.resident as { dossiers: { number: string }[] }).dossiers.map((d) => d.number)).toContain(n);
    const other = await hub.run(`{ dossier(number: "${n}") { number } }`, {}, { identity: AS.citizen(residentB) });
    expect(code(other)).toBe('NOT_FOUND');
    const officerB = await hub.run(`{ dossier(number: "${n}") { number } }`, {}, { identity: AS.communeOfficer(B) });
    expect(code(officerB)).toBe('NOT_FOUND');
    const province = await hub.run(`{ dossier(number: "${n}") { number commune { code } } }`, {}, { identity: AS.provinceOfficer('01') });
    expect(province.data).toEqual({ dossier: { number: n, commune: { code: A } } });
    const anonymous = await hub.run(`{ dossier(number: "${n}") { number } }`, {}, { identity: AS.anonymous });
    expect(code(anonymous)).toBe('UNAUTHENTICATED');
    const list = await hub.run(
      `{ commune(code: "${A}") { dossiers(first: 100) { totalCount edges { node { number } } } } }`,
      {},
      { identity: AS.communeOfficer(B) },
    );
    expect((list.data!.commune as { dossiers: { totalCount: number } }).dossiers.totalCount).toBe(0);
  });

  test("one query: a commune's indicators with its population and enterprises, the national ranking and its province's communes", async () => {
    await receive();
    const year = new Date().getUTCFullYear();
    const result = await hub.run(
      `query ($p: PeriodInput!) {
        commune(code: "${A}") { name residents(first: 1) { totalCount } enterprises(first: 1) { totalCount }
          evaluation(period: $p) { score dossiersReceived groups { group points maxPoints } indicators { code rate points maxPoints } } }
        provinceRanking(period: $p) { rank evaluation { unitCode score } }
        communeRanking(provinceCode: "01", period: $p) { rank evaluation { unitCode dossiersReceived } }
      }`,
      { p: { kind: 'YEAR', year } },
    );
    expect(result.errors).toBeUndefined();
    const commune = result.data!.commune as {
      evaluation: { score: number; dossiersReceived: number; groups: { maxPoints: number }[] };
      residents: { totalCount: number };
    };
    expect(commune.residents.totalCount).toBeGreaterThan(0);
    expect(commune.evaluation.dossiersReceived).toBeGreaterThan(0);
    expect(commune.evaluation.groups.map((g) => g.maxPoints)).toEqual([18, 20, 22, 22, 18]);
    expect(commune.evaluation.score).toBeGreaterThan(0);
    expect(commune.evaluation.score).toBeLessThanOrEqual(100);
    const provinces = result.data!.provinceRanking as { rank: number; evaluation: { unitCode: string } }[];
    expect(provinces).toHaveLength(34);
    expect(provinces[0]!.rank).toBe(1);
    const communes = result.data!.communeRanking as { evaluation: { unitCode: string } }[];
    expect(communes.map((c) => c.evaluation.unitCode)).toContain(A);
    const badPeriod = await hub.run(`{ nationalEvaluation(period: { kind: QUARTER, year: 2025, index: 5 }) { score } }`);
    expect(code(badPeriod)).toBe('BAD_USER_INPUT');
  });
});
