import { isValidTaxCode } from '../shared/graphql/identifiers';
import { openWritableTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { AS } from './helpers/identities';
import { digest, WriteClient } from './helpers/writes';

const A = '00004'; // Phường Ba Đình, Hà Nội (province 01)
const C = '26740'; // Phường Sài Gòn, Hồ Chí Minh City (province 79)
const registrar = AS.provinceOfficer('01');

const CHANGE = `enterprise { taxCode name status version legalRepresentative { citizenId } }
  event { kind enterpriseVersion previousStatus status reason legalRepresentative { citizenId } previousLegalRepresentative { citizenId } }
  replayed`;

const code = (r: GraphQLResult) => r.errors?.[0]?.extensions?.code;
const argument = (r: GraphQLResult) => r.errors?.[0]?.extensions?.argument;

describe('enterprise register writes (through the gateway)', () => {
  let hub: TestHub;
  let w: WriteClient;
  let residents: string[];
  let suffix = 0;
  const registration = (extra: Record<string, unknown> = {}) => ({
    name: `Công ty TNHH Thử Nghiệm ${process.pid} ${++suffix}`,
    legalForm: 'SINGLE_MEMBER_LLC',
    headOfficeCommuneCode: A,
    headOfficeAddress: '10 Kim Mã',
    charterCapital: 500_000_000,
    industryCodes: ['6201', '6202'],
    legalRepresentativeCitizenId: residents[0],
    ...extra,
  });
  const register = async () => {
    const result = await w.mutate('registerEnterprise', 'RegisterEnterpriseInput', registration(), CHANGE, registrar);
    expect(result.errors).toBeUndefined();
    return (result.data!.registerEnterprise as { enterprise: { taxCode: string; version: number } }).enterprise;
  };

  beforeAll(async () => {
    hub = await openWritableTestHub();
    w = new WriteClient(hub);
    residents = (
      (await hub.db.query(
        `SELECT citizen_id AS id FROM population.resident WHERE permanent_commune_code = $1 ORDER BY citizen_id LIMIT 5`,
        [A],
      )) as {
        id: string;
      }[]
    ).map((r) => r.id);
  });
  afterAll(async () => {
    await hub?.close();
  });

  test('registerEnterprise issues a tax code with a correct check digit and records the registration', async () => {
    const result = await w.mutate('registerEnterprise', 'RegisterEnterpriseInput', registration(), CHANGE, registrar);
    expect(result.errors).toBeUndefined();
    const change = result.data!.registerEnterprise as {
      enterprise: { taxCode: string; status: string; version: number; legalRepresentative: { citizenId: string } };
      event: { kind: string; status: string };
    };
    expect(isValidTaxCode(change.enterprise.taxCode)).toBe(true);
    expect(change.enterprise).toMatchObject({ status: 'ACTIVE', version: 1, legalRepresentative: { citizenId: residents[0] } });
    expect(change.event).toMatchObject({ kind: 'REGISTERED', status: 'ACTIVE' });
    const listed = await hub.run(`query ($t: TaxCode!) { enterprise(taxCode: $t) { name headOffice { code } } }`, {
      t: change.enterprise.taxCode,
    });
    expect(listed.data!.enterprise).toMatchObject({ headOffice: { code: A } });
    expect(await w.auditOf(result)).toEqual([
      expect.objectContaining({ outcome: 'ALLOWED', fields: ['Mutation.registerEnterprise'], subjects: [residents[0]] }),
    ]);
  });

  test('a new legal representative and a change of status, each in the history, visible at once through the cached register', async () => {
    const enterprise = await register();
    const read = () =>
      hub.run(
        `query ($t: TaxCode!) { enterprise(taxCode: $t) { status version legalRepresentative { citizenId }
           history { kind enterpriseVersion previousStatus status reason previousLegalRepresentative { citizenId } legalRepresentative { citizenId } } } }`,
        { t: enterprise.taxCode },
        { identity: registrar },
      );
    await read(); // cached now
    const represented = await w.mutate(
      'changeLegalRepresentative',
      'ChangeLegalRepresentativeInput',
      { taxCode: enterprise.taxCode, citizenId: residents[1], expectedVersion: 1 },
      CHANGE,
      registrar,
    );
    expect(represented.errors).toBeUndefined();
    const suspended = await w.mutate(
      'changeEnterpriseStatus',
      'ChangeEnterpriseStatusInput',
      { taxCode: enterprise.taxCode, status: 'SUSPENDED', reason: 'Tạm ngừng kinh doanh 6 tháng' },
      CHANGE,
      registrar,
    );
    expect(suspended.errors).toBeUndefined();
    const after = (await read()).data!.enterprise as {
      status: string;
      version: number;
      legalRepresentative: { citizenId: string };
      history: unknown[];
    };
    expect(after).toMatchObject({ status: 'SUSPENDED', version: 3, legalRepresentative: { citizenId: residents[1] } });
    expect(after.history).toEqual([
      expect.objectContaining({
        kind: 'REGISTERED',
        enterpriseVersion: 1,
        status: 'ACTIVE',
        legalRepresentative: { citizenId: residents[0] },
      }),
      expect.objectContaining({
        kind: 'LEGAL_REPRESENTATIVE_CHANGED',
        enterpriseVersion: 2,
        previousLegalRepresentative: { citizenId: residents[0] },
        legalRepresentative: { citizenId: residents[1] },
      }),
      expect.objectContaining({
        kind: 'STATUS_CHANGED',
        enterpriseVersion: 3,
        previousStatus: 'ACTIVE',
        status: 'SUSPENDED',
        reason: 'Tạm ngừng kinh doanh 6 tháng',
      }),
    ]);
    // The public sees the history, not who represented the enterprise.
    const publicRead = await hub.run(
      `query ($t: TaxCode!) { enterprise(taxCode: $t) { history { kind } } }`,
      { t: enterprise.taxCode },
      { identity: AS.anonymous },
    );
    expect(publicRead.errors).toBeUndefined();
    const personal = await hub.run(
      `query ($t: TaxCode!) { enterprise(taxCode: $t) { history { legalRepresentative { citizenId } } } }`,
      { t: enterprise.taxCode },
      {
        identity: AS.anonymous,
      },
    );
    expect(code(personal)).toBe('UNAUTHENTICATED');
  });

  test('a dissolved enterprise stays dissolved; concurrent status changes from one version: one applies', async () => {
    const enterprise = await register();
    const results = await Promise.all(
      ['SUSPENDED', 'DISSOLVED', 'SUSPENDED', 'DISSOLVED'].map((status) =>
        w.mutate(
          'changeEnterpriseStatus',
          'ChangeEnterpriseStatusInput',
          { taxCode: enterprise.taxCode, status, reason: 'Quyết định', expectedVersion: 1 },
          CHANGE,
          registrar,
        ),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => code(r) === 'CONFLICT')).toHaveLength(3);
    await w.mutate(
      'changeEnterpriseStatus',
      'ChangeEnterpriseStatusInput',
      { taxCode: enterprise.taxCode, status: 'DISSOLVED', reason: 'Giải thể' },
      CHANGE,
      registrar,
    );
    const back = await w.mutate(
      'changeEnterpriseStatus',
      'ChangeEnterpriseStatusInput',
      { taxCode: enterprise.taxCode, status: 'ACTIVE', reason: 'x' },
      CHANGE,
      registrar,
    );
    expect([code(back), argument(back)]).toEqual(['BAD_USER_INPUT', 'input.status']);
  });

  test('a retried registration with its idempotency key registers one enterprise', async () => {
    const input = { ...registration(), idempotencyKey: `register-${process.pid}-${Date.now()}` };
    const results = await Promise.all(
      [0, 1, 2].map(() => w.mutate('registerEnterprise', 'RegisterEnterpriseInput', input, CHANGE, registrar)),
    );
    const codes = new Set(results.map((r) => (r.data!.registerEnterprise as { enterprise: { taxCode: string } }).enterprise.taxCode));
    expect(codes.size).toBe(1);
    const named = (await hub.db.query(`SELECT count(*)::int AS n FROM enterprise.enterprise WHERE name = $1`, [input.name])) as {
      n: number;
    }[];
    expect(named[0]!.n).toBe(1);
  });

  describe('a refused write changes nothing and names the offending field', () => {
    let existing: { taxCode: string };
    let existingName: string;
    beforeAll(async () => {
      const input = registration();
      existingName = input.name;
      const result = await w.mutate('registerEnterprise', 'RegisterEnterpriseInput', input, CHANGE, registrar);
      existing = (result.data!.registerEnterprise as { enterprise: { taxCode: string } }).enterprise;
    });
    const cases: [string, () => [string, string, Record<string, unknown>], string, string | undefined][] = [
      [
        'a representative who is not a registered resident',
        () => ['registerEnterprise', 'RegisterEnterpriseInput', registration({ legalRepresentativeCitizenId: '001099000001' })],
        'BAD_USER_INPUT',
        'input.legalRepresentativeCitizenId',
      ],
      [
        'a name already taken',
        () => ['registerEnterprise', 'RegisterEnterpriseInput', registration({ name: existingName.toUpperCase() })],
        'BAD_USER_INPUT',
        'input.name',
      ],
      [
        'a malformed industry code',
        () => ['registerEnterprise', 'RegisterEnterpriseInput', registration({ industryCodes: ['62A1'] })],
        'BAD_USER_INPUT',
        'input.industryCodes[0]',
      ],
      [
        'a fractional capital',
        () => ['registerEnterprise', 'RegisterEnterpriseInput', registration({ charterCapital: 10.5 })],
        'BAD_USER_INPUT',
        'input.charterCapital',
      ],
      [
        'a head office in another province',
        () => ['registerEnterprise', 'RegisterEnterpriseInput', registration({ headOfficeCommuneCode: C })],
        'FORBIDDEN',
        undefined,
      ],
      [
        'a tax code with a wrong check digit (the scalar)',
        () => ['changeEnterpriseStatus', 'ChangeEnterpriseStatusInput', { taxCode: '0100000001', status: 'SUSPENDED', reason: 'x' }],
        'BAD_USER_INPUT',
        undefined,
      ],
      [
        'the same representative again',
        () => ['changeLegalRepresentative', 'ChangeLegalRepresentativeInput', { taxCode: existing.taxCode, citizenId: residents[0] }],
        'BAD_USER_INPUT',
        'input.citizenId',
      ],
      [
        'an outdated version',
        () => [
          'changeLegalRepresentative',
          'ChangeLegalRepresentativeInput',
          { taxCode: existing.taxCode, citizenId: residents[2], expectedVersion: 5 },
        ],
        'CONFLICT',
        undefined,
      ],
      [
        'an empty reason',
        () => ['changeEnterpriseStatus', 'ChangeEnterpriseStatusInput', { taxCode: existing.taxCode, status: 'SUSPENDED', reason: ' ' }],
        'BAD_USER_INPUT',
        'input.reason',
      ],
    ];
    test.each(cases)('%s', async (_name, make, expectedCode, expectedArgument) => {
      const before = await digest(hub.db, 'enterprise');
      const [field, type, input] = make();
      const result = await w.mutate(field, type, input, 'replayed', registrar);
      expect(code(result)).toBe(expectedCode);
      if (expectedArgument) expect(argument(result)).toBe(expectedArgument);
      expect(await digest(hub.db, 'enterprise')).toBe(before);
    });

    test('only registrars within their province write; the refusal is audited', async () => {
      const before = await digest(hub.db, 'enterprise');
      const input = { taxCode: existing.taxCode, status: 'SUSPENDED', reason: 'x' };
      const elsewhere = await w.mutate(
        'changeEnterpriseStatus',
        'ChangeEnterpriseStatusInput',
        input,
        'replayed',
        AS.provinceOfficer('79'),
      );
      expect(code(elsewhere)).toBe('FORBIDDEN');
      const commune = await w.mutate('changeEnterpriseStatus', 'ChangeEnterpriseStatusInput', input, 'replayed', AS.communeOfficer(A));
      expect(code(commune)).toBe('FORBIDDEN');
      expect(await digest(hub.db, 'enterprise')).toBe(before);
      expect(await w.auditOf(elsewhere)).toEqual([
        expect.objectContaining({ outcome: 'DENIED', fields: ['Mutation.changeEnterpriseStatus'] }),
      ]);
    });
  });
});
