import { coldCache } from './helpers/cache';
import { DENSE_COMMUNE, DENSE_PROVINCE } from './helpers/dataset';
import { openTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { OPERATIONS } from '../hub/operations';

type Node = Record<string, unknown>;
const codeOf = (r: GraphQLResult, i = 0) => r.errors?.[i]?.extensions?.code;

/** No stack traces, SQL or file paths ever reach a client. */
function expectClean(result: GraphQLResult): void {
  for (const error of result.errors ?? []) {
    expect(error.extensions?.stacktrace).toBeUndefined();
    expect(error.message).not.toMatch(/SELECT|FROM |\.ts:|node_modules|\n\s+at /);
  }
}

/** Shared by the PostgreSQL suite and the embedded (PGlite) suite. */
function describeGateway(label: string, open: () => Promise<TestHub>): void {
  describe(label, () => {
    let hub: TestHub;
    beforeAll(async () => {
      hub = await open();
    });
    afterAll(async () => {
      await hub?.close();
    });

    test('CommuneResidents: a commune, its province and a page of residents with household, land and enterprises', async () => {
      const result = await hub.run(OPERATIONS.CommuneResidents, { code: DENSE_COMMUNE });
      expect(result.errors).toBeUndefined();
      const commune = result.data?.commune as Node;
      expect(commune.name).toBe('Ba Đình');
      expect(commune.province).toEqual({ name: 'Hà Nội' });
      const residents = commune.residents as { totalCount: number; pageInfo: Node; edges: { node: Node }[] };
      const [{ n }] = await hub.db.query(`SELECT count(*)::int AS n FROM population.resident WHERE permanent_commune_code = $1`, [
        DENSE_COMMUNE,
      ]);
      expect(residents.totalCount).toBe(n);
      expect(n).toBeGreaterThan(100);
      expect(residents.edges).toHaveLength(50);
      expect(residents.pageInfo.hasNextPage).toBe(true);
      const ids = residents.edges.map((e) => e.node.citizenId as string);
      const expectedIds = (
        await hub.db.query(`SELECT citizen_id FROM population.resident WHERE permanent_commune_code = $1 ORDER BY citizen_id LIMIT 50`, [
          DENSE_COMMUNE,
        ])
      ).map((r: { citizen_id: string }) => r.citizen_id);
      expect(ids).toEqual(expectedIds);
      // Cross-subgraph links agree with each subgraph's own tables.
      const parcels: { holder_id: string; id: string }[] = await hub.db.query(
        `SELECT holder_id, parcel_id::text AS id FROM land.parcel_holder WHERE holder_type = 'RESIDENT' AND holder_id = ANY($1) ORDER BY parcel_id`,
        [ids],
      );
      const enterprises: { legal_representative_id: string; tax_code: string }[] = await hub.db.query(
        `SELECT legal_representative_id, tax_code FROM enterprise.enterprise WHERE legal_representative_id = ANY($1) ORDER BY tax_code`,
        [ids],
      );
      for (const { node } of residents.edges) {
        expect(node.household).toEqual({ id: expect.stringMatching(/^\d+$/) });
        expect((node.landParcels as Node[]).map((p) => p.id)).toEqual(
          parcels.filter((p) => p.holder_id === node.citizenId).map((p) => p.id),
        );
        expect((node.representedEnterprises as Node[]).map((e) => e.taxCode)).toEqual(
          enterprises.filter((e) => e.legal_representative_id === node.citizenId).map((e) => e.tax_code),
        );
      }
      expect(parcels.length).toBeGreaterThan(0);
      expect(enterprises.length).toBeGreaterThan(0);
    });

    test('ProvinceLand: urban residential parcels of a province with commune names and typed holders', async () => {
      const result = await hub.run(OPERATIONS.ProvinceLand, { province: DENSE_PROVINCE });
      expect(result.errors).toBeUndefined();
      const list = result.data?.landParcels as { totalCount: number; edges: { node: Node }[] };
      const [{ n }] = await hub.db.query(
        `SELECT count(*)::int AS n FROM land.land_parcel WHERE province_code = $1 AND land_use_code = 'ODT'`,
        [DENSE_PROVINCE],
      );
      expect(list.totalCount).toBe(n);
      expect(list.edges.length).toBe(Math.min(n, 100));
      expect(n).toBeGreaterThan(0);
      const kinds = new Set<string>();
      for (const { node } of list.edges) {
        expect(typeof (node.commune as Node).name).toBe('string');
        expect((node.holders as Node[]).length).toBeGreaterThan(0);
        for (const holder of node.holders as Node[]) {
          kinds.add(holder.__typename as string);
          expect(typeof (holder.fullName ?? holder.name)).toBe('string');
        }
      }
      expect(kinds.has('Resident')).toBe(true);
      // A holder's name is the one its own subgraph holds.
      const first = list.edges[0]!.node;
      const [holder] = await hub.db.query(
        `SELECT holder_type, holder_id FROM land.parcel_holder WHERE parcel_id = $1 ORDER BY share DESC, holder_type, holder_id LIMIT 1`,
        [first.id],
      );
      const [named] =
        holder.holder_type === 'RESIDENT'
          ? await hub.db.query(`SELECT full_name AS name FROM population.resident WHERE citizen_id = $1`, [holder.holder_id])
          : await hub.db.query(`SELECT name FROM enterprise.enterprise WHERE tax_code = $1`, [holder.holder_id]);
      const shown = (first.holders as Node[])[0]!;
      expect(shown.fullName ?? shown.name).toBe(named.name);
    });

    test('Units: 34 provinces with their commune counts, 3,321 communes in all', async () => {
      const result = await hub.run(OPERATIONS.Units);
      expect(result.errors).toBeUndefined();
      const provinces = result.data?.provinces as { code: string; name: string; communes: { totalCount: number } }[];
      expect(provinces).toHaveLength(34);
      expect(provinces.reduce((sum, p) => sum + p.communes.totalCount, 0)).toBe(3321);
      expect(provinces.find((p) => p.code === '01')).toEqual({ code: '01', name: 'Hà Nội', communes: { totalCount: 126 } });
      expect(provinces.find((p) => p.code === '79')?.communes.totalCount).toBe(168);
    });

    test('Legacy: pre-reform province 02 (Hà Giang) now lies in Tuyên Quang', async () => {
      const result = await hub.run(OPERATIONS.Legacy);
      expect(result).toEqual({ data: { legacyUnit: { name: 'Tỉnh Hà Giang', successors: [{ code: '08', name: 'Tuyên Quang' }] } } });
    });

    test('a commune lists its households, parcels and enterprises from their own subgraphs', async () => {
      const result = await hub.run(
        `query ($code: ID!) { commune(code: $code) {
        households(first: 2) { totalCount edges { node { head { fullName } } } }
        landParcels(first: 2, landUseCode: "ODT") { totalCount edges { node { landUseCode landUse { name } } } }
        enterprises(first: 2) { totalCount edges { node { name headOffice { name } } } }
      } }`,
        { code: DENSE_COMMUNE },
      );
      expect(result.errors).toBeUndefined();
      const commune = result.data?.commune as Record<string, { totalCount: number; edges: { node: Node }[] }>;
      const count = async (sql: string) => (await hub.db.query(sql, [DENSE_COMMUNE]))[0].n as number;
      expect(commune.households!.totalCount).toBe(
        await count(`SELECT count(*)::int AS n FROM population.household WHERE commune_code = $1`),
      );
      expect(commune.landParcels!.totalCount).toBe(
        await count(`SELECT count(*)::int AS n FROM land.land_parcel WHERE commune_code = $1 AND land_use_code = 'ODT'`),
      );
      expect(commune.enterprises!.totalCount).toBe(
        await count(`SELECT count(*)::int AS n FROM enterprise.enterprise WHERE head_office_commune_code = $1`),
      );
      expect(commune.landParcels!.edges[0]!.node).toEqual({ landUseCode: 'ODT', landUse: { name: 'Đất ở tại đô thị' } });
      expect(commune.enterprises!.edges.every((e) => (e.node.headOffice as Node).name === 'Ba Đình')).toBe(true);
    });

    test('pagination walks every resident of a commune exactly once, in order', async () => {
      const query = `query ($code: ID!, $after: String) { commune(code: $code) { residents(first: 100, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { cursor node { citizenId } } } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const result = await hub.run(query, { code: DENSE_COMMUNE, after });
        expect(result.errors).toBeUndefined();
        const page = (result.data?.commune as Node).residents as { pageInfo: Node; edges: { cursor: string; node: Node }[] };
        seen.push(...page.edges.map((e) => e.node.citizenId as string));
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1]?.cursor ?? null);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor as string;
      }
      const all = (
        await hub.db.query(`SELECT citizen_id FROM population.resident WHERE permanent_commune_code = $1 ORDER BY citizen_id`, [
          DENSE_COMMUNE,
        ])
      ).map((r: { citizen_id: string }) => r.citizen_id);
      expect(seen).toEqual(all);
    });

    test('first: 0 gives the total without rows; an unknown but valid commune has no residents', async () => {
      const result = await hub.run(
        `{ commune(code: "00004") { residents(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } } }`,
      );
      const residents = (result.data?.commune as Node).residents as Node;
      expect(residents.edges).toEqual([]);
      expect(residents.totalCount).toBeGreaterThan(0);
      expect(residents.pageInfo).toEqual({ hasNextPage: true, endCursor: null });
    });

    test.each([
      ['first over the cap', `{ commune(code: "00004") { residents(first: 101) { totalCount } } }`, 'PAGE_SIZE_OUT_OF_RANGE'],
      ['negative first', `{ communes(first: -1) { totalCount } }`, 'PAGE_SIZE_OUT_OF_RANGE'],
      ['malformed cursor', `{ commune(code: "00004") { residents(after: "not a cursor!") { totalCount } } }`, 'INVALID_CURSOR'],
      ['cursor of another list', `{ commune(code: "00004") { residents(after: "Y29tbXVuZTowMDAwNA") { totalCount } } }`, 'INVALID_CURSOR'],
      ['unknown commune', `{ commune(code: "99999") { name } }`, 'NOT_FOUND'],
      ['malformed commune code', `{ commune(code: "4") { name } }`, 'BAD_USER_INPUT'],
      ['unknown province', `{ province(code: "03") { name } }`, 'NOT_FOUND'],
      ['malformed legacy code', `{ legacyUnit(code: "0004", level: COMMUNE) { name } }`, 'BAD_USER_INPUT'],
      ['unknown legacy code', `{ legacyUnit(code: "99998", level: COMMUNE) { name } }`, 'NOT_FOUND'],
      // Scalars are enforced at the gateway (gateway/door.ts): BAD_USER_INPUT before any subgraph is called.
      ['malformed citizen id', `{ resident(citizenId: "12345") { fullName } }`, 'BAD_USER_INPUT'],
      ['citizen id with an impossible province of birth', `{ resident(citizenId: "003099000001") { fullName } }`, 'BAD_USER_INPUT'],
      ['unknown citizen id', `{ resident(citizenId: "001099000000") { fullName } }`, 'NOT_FOUND'],
      ['malformed tax code', `{ enterprise(taxCode: "12") { name } }`, 'BAD_USER_INPUT'],
      ['tax code with a wrong check digit', `{ enterprise(taxCode: "0100109107") { name } }`, 'BAD_USER_INPUT'],
      ['unknown land-use code', `{ landParcels(filter: { provinceCode: "01", landUseCode: "XYZ" }) { totalCount } }`, 'BAD_USER_INPUT'],
      ['national parcel scan', `{ landParcels(filter: { landUseCode: "ODT" }) { totalCount } }`, 'FILTER_TOO_BROAD'],
      ['empty search', `{ provinces(search: "  ") { code } }`, 'BAD_USER_INPUT'],
    ])('%s gives a clear error with a stable code', async (_label, query, code) => {
      const result = await hub.run(query);
      expect(codeOf(result)).toBe(code);
      expect(result.errors?.[0]?.message).toBeTruthy();
      expectClean(result);
    });

    test.each([
      ['CitizenId', 'resident(citizenId: $v) { fullName }', '001299000001x'],
      ['TaxCode', 'enterprise(taxCode: $v) { name }', '0100109107'],
      ['ProvinceCode', 'province(code: $v) { name }', '1'],
    ])('a malformed %s in a variable is BAD_USER_INPUT, naming the value', async (type, field, value) => {
      const result = await hub.run(`query ($v: ${type}!) { ${field} }`, { v: value });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toContain(value);
      expectClean(result);
    });

    test('a wrong argument type is refused by validation, with a code', async () => {
      const result = await hub.run(`{ communes(first: "ten") { totalCount } }`);
      expect(codeOf(result)).toBe('GRAPHQL_VALIDATION_FAILED');
      expectClean(result);
    });

    test.each([
      [
        'CommuneResidents',
        OPERATIONS.CommuneResidents.replace('residents(first: 50)', 'residents(first: $first)').replace(
          '($code: ID!)',
          '($code: ID!, $first: Int!)',
        ),
        { code: DENSE_COMMUNE },
      ],
      [
        'ProvinceLand',
        OPERATIONS.ProvinceLand.replace('first: 100)', 'first: $first)').replace('($province: ID!)', '($province: ID!, $first: Int!)'),
        { province: DENSE_PROVINCE },
      ],
      [
        'Units',
        OPERATIONS.Units.replace('communes(first: 3)', 'communes(first: $first)').replace('query Units', 'query Units($first: Int!)'),
        {},
      ],
    ])('%s: the number of SQL statements does not grow with the page size', async (_name, query, variables) => {
      const counts: number[] = [];
      const holderTypes: number[] = [];
      for (const first of [5, 100]) {
        // Cold: the entity cache would hide the statements this test counts.
        await coldCache(hub.cache);
        hub.counter.reset();
        const result = await hub.run(query, { ...variables, first });
        expect(result.errors).toBeUndefined();
        counts.push(hub.counter.count);
        holderTypes.push(new Set(JSON.stringify(result.data).match(/"__typename":"\w+"/g)).size);
      }
      // A page whose holders include a second entity type (Enterprise beside Resident) makes the
      // gateway fetch one more subgraph: one more statement, however many rows. (Each subgraph
      // request that reads personal data also appends its audit entry: a constant 5 statements.)
      expect(counts[1]! - counts[0]!).toBe(holderTypes[1]! - holderTypes[0]!);
      expect(counts[1]).toBeLessThanOrEqual(30);
    });

    test('name search ignores diacritics and tone-mark placement', async () => {
      const byName = async (search: string) =>
        (
          await hub.run(`query ($s: String) { communes(filter: { search: $s }, first: 100) { totalCount edges { node { code } } } }`, {
            s: search,
          })
        ).data?.communes as Node;
      const a = await byName('Hoà Bình');
      const b = await byName('Hòa Bình');
      const c = await byName('hoa binh');
      expect(a.totalCount).toBeGreaterThan(0);
      expect(a).toEqual(b);
      expect(a).toEqual(c);
      const provinces = await hub.run(`{ provinces(search: "ha noi") { code name } }`);
      expect(provinces.data).toEqual({ provinces: [{ code: '01', name: 'Hà Nội' }] });
      const thanhHoa = await hub.run(`{ provinces(search: "Thanh Hoá") { code } }`);
      expect(thanhHoa.data).toEqual({ provinces: [{ code: '38' }] });
    });

    test("legacy codes resolve to today's units without ever being confused with them", async () => {
      const result = await hub.run(`{
        old: legacyUnit(code: "00004", level: COMMUNE) { name legacyDistrict { name } legacyProvince { name } successors { code name } }
        today: commune(code: "00004") { name predecessors { code name level } }
        bacGiang: legacyUnit(code: "24", level: PROVINCE) { name successors { code name } }
        island: legacyUnit(code: "318", level: DISTRICT) { name successors { __typename code name } }
        byName: legacyUnits(search: "truc bach", level: COMMUNE) { totalCount edges { node { code name successorProvince { name } } } }
      }`);
      expect(result.errors).toBeUndefined();
      const data = result.data as Record<string, Node>;
      expect(data.old).toEqual({
        name: 'Phường Trúc Bạch',
        legacyDistrict: { name: 'Quận Ba Đình' },
        legacyProvince: { name: 'Thành phố Hà Nội' },
        successors: [{ code: '00004', name: 'Ba Đình' }],
      });
      expect(data.today!.name).toBe('Ba Đình');
      expect(data.today!.predecessors).toContainEqual({ code: '00004', name: 'Phường Trúc Bạch', level: 'COMMUNE' });
      expect(data.bacGiang).toEqual({ name: 'Tỉnh Bắc Giang', successors: [{ code: '24', name: 'Bắc Ninh' }] });
      expect(data.island).toEqual({
        name: 'Huyện Bạch Long Vĩ',
        successors: [{ __typename: 'Commune', code: '11948', name: 'Bạch Long Vĩ' }],
      });
      expect(data.byName).toMatchObject({
        totalCount: 1,
        edges: [{ node: { code: '00004', name: 'Phường Trúc Bạch', successorProvince: { name: 'Hà Nội' } } }],
      });
    });

    test('a split pre-reform commune lists every successor', async () => {
      const result = await hub.run(`{ legacyUnit(code: "18796", level: COMMUNE) { name successors { code } } }`);
      const unit = result.data?.legacyUnit as { successors: unknown[] };
      expect(unit.successors.length).toBeGreaterThan(1);
    });

    test("the graph shows today's units: changes after 1 July 2025 applied with their effective dates", async () => {
      const result = await hub.run(`{
        province(code: "75") { fullName type effectiveFrom changes { field from to effectiveFrom legalBasis } }
        commune(code: "26368") { fullName type changes { field to effectiveFrom } }
        wards: communes(filter: { type: WARD }, first: 0) { totalCount }
        rural: communes(filter: { type: COMMUNE }, first: 0) { totalCount }
        zones: communes(filter: { type: SPECIAL_ZONE }, first: 0) { totalCount }
      }`);
      expect(result.errors).toBeUndefined();
      const data = result.data as Record<string, Node>;
      expect(data.province).toMatchObject({ fullName: 'Thành phố Đồng Nai', type: 'CENTRAL_CITY', effectiveFrom: '2026-04-30' });
      expect(data.province!.changes).toContainEqual({
        field: 'type',
        from: 'PROVINCE',
        to: 'CENTRAL_CITY',
        effectiveFrom: '2026-04-30',
        legalBasis: ['30/2026/QH16', '237/NQ-UBTVQH16'],
      });
      expect(data.commune).toMatchObject({ fullName: 'Phường Long Thành', type: 'WARD' });
      expect([data.wards!.totalCount, data.rural!.totalCount, data.zones!.totalCount]).toEqual([697, 2611, 13]);
    });

    test('a household, its head and members, and the parcels of an enterprise', async () => {
      const [row] = await hub.db.query(
        `SELECT id::text AS id, head_citizen_id FROM population.household WHERE commune_code = $1 ORDER BY id LIMIT 1`,
        [DENSE_COMMUNE],
      );
      const result = await hub.run(
        `query ($id: ID!) { household(id: $id) { id commune { name } head { citizenId } members { relationship resident { citizenId household { id } } } } }`,
        { id: row.id },
      );
      expect(result.errors).toBeUndefined();
      const household = result.data?.household as { head: Node; members: { relationship: string; resident: Node }[]; commune: Node };
      expect(household.head.citizenId).toBe(row.head_citizen_id);
      expect(household.commune.name).toBe('Ba Đình');
      expect(household.members.filter((m) => m.relationship === 'HEAD')).toEqual([
        { relationship: 'HEAD', resident: { citizenId: row.head_citizen_id, household: { id: row.id } } },
      ]);
      const [company] = await hub.db.query(`SELECT holder_id FROM land.parcel_holder WHERE holder_type = 'ENTERPRISE' LIMIT 1`);
      const enterprise = await hub.run(
        `query ($t: TaxCode!) { enterprise(taxCode: $t) { taxCode legalRepresentative { fullName } headOffice { name province { name } } landParcels { id holdings { share holder { ... on Enterprise { taxCode } } } } } }`,
        { t: company.holder_id },
      );
      expect(enterprise.errors).toBeUndefined();
      const e = enterprise.data?.enterprise as { legalRepresentative: Node; landParcels: { holdings: { holder: Node }[] }[] };
      expect(typeof e.legalRepresentative.fullName).toBe('string');
      expect(e.landParcels.length).toBeGreaterThan(0);
      expect(e.landParcels[0]!.holdings).toContainEqual(expect.objectContaining({ holder: { taxCode: company.holder_id } }));
    });
  });
}

if (process.env.LT_TEST_DATABASE === 'postgres') {
  describeGateway('gateway over PostgreSQL (subgraphs in-process)', () => openTestHub());
}
// The embedded default runs the same suite on PGlite in every run, with or without a server.
describeGateway('gateway over the embedded PGlite', () => openTestHub({ embedded: true }));
