import { openWritableTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { AS } from './helpers/identities';
import { digest, WriteClient } from './helpers/writes';

const A = '00004'; // Phường Ba Đình, Hà Nội (province 01)
const C = '26740'; // Phường Sài Gòn, Hồ Chí Minh City (province 79)
const landOffice = AS.provinceOfficer('01');

const HOLDINGS = `holdings { share holder { __typename ... on Resident { citizenId } ... on Enterprise { taxCode } } }`;
const CHANGE = `parcel { id version certificateNumber ${HOLDINGS} }
  transfer { id parcelVersion certificateNumber previousCertificateNumber from { share } to { share } }
  replayed`;

const code = (r: GraphQLResult) => r.errors?.[0]?.extensions?.code;
const argument = (r: GraphQLResult) => r.errors?.[0]?.extensions?.argument;

interface Parcel {
  id: string;
  version: number;
  holder: string;
}

describe('land writes (through the gateway)', () => {
  let hub: TestHub;
  let w: WriteClient;
  let residents: string[];
  let enterprise: string;
  let used = 0;
  /** A parcel of commune A held whole by one resident, not used by another test. */
  const soleParcel = async (): Promise<Parcel> => {
    const [row] = (await hub.db.query(
      `SELECT p.id::text AS id, p.version, h.holder_id AS holder FROM land.land_parcel p JOIN land.parcel_holder h ON h.parcel_id = p.id
       WHERE p.commune_code = $1 AND h.holder_type = 'RESIDENT' AND h.share = 100 ORDER BY p.id OFFSET $2 LIMIT 1`,
      [A, used++],
    )) as Parcel[];
    return row!;
  };
  const transfer = (parcel: Parcel, to: string, share = 100, extra: Record<string, unknown> = {}) => ({
    parcelId: parcel.id,
    expectedVersion: parcel.version,
    from: [{ holder: { citizenId: parcel.holder }, share }],
    to: [{ holder: { citizenId: to }, share }],
    ...extra,
  });

  beforeAll(async () => {
    hub = await openWritableTestHub();
    w = new WriteClient(hub);
    residents = (
      (await hub.db.query(
        `SELECT citizen_id AS id FROM population.resident WHERE permanent_commune_code = $1 ORDER BY citizen_id LIMIT 30`,
        [A],
      )) as {
        id: string;
      }[]
    ).map((r) => r.id);
    enterprise = (
      (await hub.db.query(`SELECT tax_code AS id FROM enterprise.enterprise ORDER BY tax_code LIMIT 1`)) as { id: string }[]
    )[0]!.id;
  });
  afterAll(async () => {
    await hub?.close();
  });

  test('registerLandParcel: holders checked with population and the register, a certificate issued, readable at once', async () => {
    const input = {
      communeCode: A,
      mapSheetNumber: 901,
      parcelNumber: 17,
      area: 152.5,
      landUseCode: 'ODT',
      address: '3 Hoàng Diệu',
      holdings: [
        { holder: { citizenId: residents[0] }, share: 60 },
        { holder: { taxCode: enterprise }, share: 40 },
      ],
    };
    const result = await w.mutate('registerLandParcel', 'RegisterLandParcelInput', input, CHANGE, landOffice);
    expect(result.errors).toBeUndefined();
    const parcel = (result.data!.registerLandParcel as { parcel: { id: string; certificateNumber: string; version: number } }).parcel;
    expect(parcel).toMatchObject({ version: 1, certificateNumber: expect.stringMatching(/^[A-Z]{2} \d{6}$/) });
    const read = await hub.run(
      `query ($id: ID!) { landParcel(id: $id) { area landUseCode ${HOLDINGS} } }`,
      { id: parcel.id },
      { identity: landOffice },
    );
    expect(read.data!.landParcel).toEqual({
      area: 152.5,
      landUseCode: 'ODT',
      holdings: [
        { share: 60, holder: { __typename: 'Resident', citizenId: residents[0] } },
        { share: 40, holder: { __typename: 'Enterprise', taxCode: enterprise } },
      ],
    });
    expect(await w.auditOf(result)).toEqual([
      expect.objectContaining({ outcome: 'ALLOWED', fields: ['Mutation.registerLandParcel'], subjects: [residents[0]] }),
    ]);
  });

  test('transferLandUseRights: a share moves, a new certificate is issued, the history records it, cached reads see it at once', async () => {
    const parcel = await soleParcel();
    const read = () =>
      hub.run(
        `query ($id: ID!) { landParcel(id: $id) { version certificateNumber ${HOLDINGS}
           transfers { parcelVersion certificateNumber previousCertificateNumber from { share holder { ... on Resident { citizenId } } }
             to { share holder { ... on Resident { citizenId } } } holdingsAfter { share } } } }`,
        { id: parcel.id },
        { identity: landOffice },
      );
    const before = (await read()).data!.landParcel as { certificateNumber: string; transfers: unknown[] };
    expect(before.transfers).toEqual([]);
    const result = await w.mutate(
      'transferLandUseRights',
      'TransferLandUseRightsInput',
      transfer(parcel, residents[1]!, 30),
      CHANGE,
      landOffice,
    );
    expect(result.errors).toBeUndefined();
    const after = (await read()).data!.landParcel as {
      version: number;
      certificateNumber: string;
      holdings: { share: number; holder: { citizenId: string } }[];
      transfers: { parcelVersion: number; certificateNumber: string; previousCertificateNumber: string }[];
    };
    expect(after.version).toBe(parcel.version + 1);
    expect(after.certificateNumber).not.toBe(before.certificateNumber);
    expect(after.holdings.map((h) => [h.holder.citizenId, h.share])).toEqual([
      [parcel.holder, 70],
      [residents[1], 30],
    ]);
    expect(after.transfers).toEqual([
      expect.objectContaining({
        parcelVersion: parcel.version + 1,
        certificateNumber: after.certificateNumber,
        previousCertificateNumber: before.certificateNumber,
      }),
    ]);
    expect(await w.auditOf(result)).toEqual([
      expect.objectContaining({
        outcome: 'ALLOWED',
        fields: ['Mutation.transferLandUseRights'],
        subjects: [parcel.holder, residents[1]].sort(),
      }),
    ]);
  });

  test('20 concurrent transfers of one parcel: exactly one applies, the others get CONFLICT, the history stays consistent', async () => {
    const parcel = await soleParcel();
    const results = await Promise.all(
      residents
        .slice(2, 22)
        .map((to) => w.mutate('transferLandUseRights', 'TransferLandUseRightsInput', transfer(parcel, to), CHANGE, landOffice)),
    );
    const applied = results.filter((r) => !r.errors);
    expect(applied).toHaveLength(1);
    expect(results.filter((r) => code(r) === 'CONFLICT')).toHaveLength(19);
    const winner = (applied[0]!.data!.transferLandUseRights as { parcel: { holdings: { holder: { citizenId: string } }[] } }).parcel
      .holdings[0]!.holder.citizenId;
    const holders = (await hub.db.query(
      `SELECT holder_id AS id, share::float8 AS share FROM land.parcel_holder WHERE parcel_id = $1::bigint`,
      [parcel.id],
    )) as { id: string; share: number }[];
    expect(holders).toEqual([{ id: winner, share: 100 }]);
    const history = (await hub.db.query(
      `SELECT parcel_version AS v, holdings_after AS after FROM land.parcel_transfer WHERE parcel_id = $1::bigint`,
      [parcel.id],
    )) as { v: number; after: { holderId: string; share: number }[] }[];
    expect(history).toEqual([{ v: parcel.version + 1, after: [{ holderType: 'RESIDENT', holderId: winner, share: 100 }] }]);
    const audited = (await hub.db.query(
      `SELECT count(*)::int AS n FROM audit.entry WHERE 'Mutation.transferLandUseRights' = ANY(fields) AND $1 = ANY(subjects) AND outcome = 'ALLOWED'`,
      [winner],
    )) as { n: number }[];
    expect(audited[0]!.n).toBe(1);
  });

  test('a retried transfer with its idempotency key applies once', async () => {
    const parcel = await soleParcel();
    const input = transfer(parcel, residents[25]!, 100, { idempotencyKey: `transfer-${process.pid}-${Date.now()}` });
    const results = await Promise.all(
      [0, 1, 2].map(() => w.mutate('transferLandUseRights', 'TransferLandUseRightsInput', input, CHANGE, landOffice)),
    );
    expect(results.map(code)).toEqual([undefined, undefined, undefined]);
    const ids = results.map((r) => (r.data!.transferLandUseRights as { transfer: { id: string } }).transfer.id);
    expect(new Set(ids).size).toBe(1);
    expect(results.map((r) => (r.data!.transferLandUseRights as { replayed: boolean }).replayed).sort()).toEqual([false, true, true]);
    const history = (await hub.db.query(`SELECT count(*)::int AS n FROM land.parcel_transfer WHERE parcel_id = $1::bigint`, [
      parcel.id,
    ])) as { n: number }[];
    expect(history[0]!.n).toBe(1);
  });

  describe('a refused write changes nothing and names the offending field', () => {
    let parcel: Parcel;
    beforeAll(async () => {
      parcel = await soleParcel();
    });
    const register = (extra: Record<string, unknown>) => ({
      communeCode: A,
      mapSheetNumber: 902,
      parcelNumber: 1,
      area: 100,
      landUseCode: 'ODT',
      address: '1 Điện Biên Phủ',
      holdings: [{ holder: { citizenId: residents[0] }, share: 100 }],
      ...extra,
    });
    const cases: [string, () => [string, string, Record<string, unknown>], string, string | undefined][] = [
      [
        'shares not summing to 100',
        () => [
          'registerLandParcel',
          'RegisterLandParcelInput',
          register({ holdings: [{ holder: { citizenId: residents[0] }, share: 99.5 }] }),
        ],
        'BAD_USER_INPUT',
        'input.holdings',
      ],
      [
        'a holder that is not a registered resident',
        () => [
          'registerLandParcel',
          'RegisterLandParcelInput',
          register({ holdings: [{ holder: { citizenId: '001099000001' }, share: 100 }] }),
        ],
        'BAD_USER_INPUT',
        'input.holdings[0].holder.citizenId',
      ],
      [
        'a holder with both keys',
        () => [
          'registerLandParcel',
          'RegisterLandParcelInput',
          register({ holdings: [{ holder: { citizenId: residents[0], taxCode: enterprise }, share: 100 }] }),
        ],
        'BAD_USER_INPUT',
        'input.holdings[0].holder',
      ],
      [
        'a land-use type that does not exist',
        () => ['registerLandParcel', 'RegisterLandParcelInput', register({ landUseCode: 'ZZZ' })],
        'BAD_USER_INPUT',
        'input.landUseCode',
      ],
      ['a negative area', () => ['registerLandParcel', 'RegisterLandParcelInput', register({ area: -5 })], 'BAD_USER_INPUT', 'input.area'],
      [
        'a commune of another province',
        () => ['registerLandParcel', 'RegisterLandParcelInput', register({ communeCode: C })],
        'FORBIDDEN',
        undefined,
      ],
      [
        'a parcel number already registered',
        () => ['registerLandParcel', 'RegisterLandParcelInput', register({ mapSheetNumber: 901, parcelNumber: 17 })],
        'BAD_USER_INPUT',
        'input.parcelNumber',
      ],
      [
        'giving more than the holder holds',
        () => ['transferLandUseRights', 'TransferLandUseRightsInput', transfer(parcel, residents[1]!, 100.5)],
        'BAD_USER_INPUT',
        'input.from[0].share',
      ],
      [
        'a giver who holds nothing',
        () => [
          'transferLandUseRights',
          'TransferLandUseRightsInput',
          { ...transfer(parcel, residents[1]!), from: [{ holder: { citizenId: residents[2] }, share: 100 }] },
        ],
        'BAD_USER_INPUT',
        'input.from[0].holder',
      ],
      [
        'sides that do not balance',
        () => [
          'transferLandUseRights',
          'TransferLandUseRightsInput',
          { ...transfer(parcel, residents[1]!), to: [{ holder: { citizenId: residents[1] }, share: 50 }] },
        ],
        'BAD_USER_INPUT',
        'input.to',
      ],
      [
        'an outdated version',
        () => [
          'transferLandUseRights',
          'TransferLandUseRightsInput',
          { ...transfer(parcel, residents[1]!), expectedVersion: parcel.version + 7 },
        ],
        'CONFLICT',
        undefined,
      ],
      [
        'an unknown parcel',
        () => ['transferLandUseRights', 'TransferLandUseRightsInput', { ...transfer(parcel, residents[1]!), parcelId: '999999999' }],
        'NOT_FOUND',
        'input.parcelId',
      ],
    ];
    test.each(cases)('%s', async (_name, make, expectedCode, expectedArgument) => {
      const before = await digest(hub.db, 'land');
      const [field, type, input] = make();
      const result = await w.mutate(field, type, input, 'replayed', landOffice);
      expect(code(result)).toBe(expectedCode);
      if (expectedArgument) expect(argument(result)).toBe(expectedArgument);
      expect(await digest(hub.db, 'land')).toBe(before);
    });
  });

  test('who may write: commune officers and citizens are refused; another province sees no such parcel', async () => {
    const parcel = await soleParcel();
    const before = await digest(hub.db, 'land');
    const input = transfer(parcel, residents[1]!);
    const commune = await w.mutate('transferLandUseRights', 'TransferLandUseRightsInput', input, 'replayed', AS.communeOfficer(A));
    expect(code(commune)).toBe('FORBIDDEN');
    const citizen = await w.mutate('transferLandUseRights', 'TransferLandUseRightsInput', input, 'replayed', AS.citizen(parcel.holder));
    expect(code(citizen)).toBe('FORBIDDEN');
    const elsewhere = await w.mutate('transferLandUseRights', 'TransferLandUseRightsInput', input, 'replayed', AS.provinceOfficer('79'));
    expect([code(elsewhere), argument(elsewhere)]).toEqual(['NOT_FOUND', 'input.parcelId']);
    expect(await digest(hub.db, 'land')).toBe(before);
    expect(await w.auditOf(elsewhere)).toEqual([
      expect.objectContaining({ outcome: 'DENIED', fields: ['Mutation.transferLandUseRights'] }),
    ]);
  });
});
