import { Kind, parse, type DocumentNode } from 'graphql';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { createAuditLog } from '../shared/audit';
import { loadSubgraphs } from '../subgraphs';
import { population } from '../subgraphs/population/subgraph';
import { openTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { AS } from './helpers/identities';
import { subgraphClient } from './helpers/subgraph';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

const A = '00004'; // Phường Ba Đình, Hà Nội
const B = '00008'; // Phường Ngọc Hà, Hà Nội
const C = '26740'; // Phường Sài Gòn, Hồ Chí Minh City
const officerA = AS.communeOfficer(A);

const code = (r: GraphQLResult) => r.errors?.[0]?.extensions?.code;
let sequence = 0;
const requestId = () => `sec-${process.pid}-${++sequence}`;

/** Type.field coordinates of object types named `type` in a document, with whether they carry @personalData. */
function classification(document: DocumentNode, type: string): [string, boolean][] {
  return document.definitions.flatMap((d) =>
    (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && d.name.value === type
      ? (d.fields ?? []).map((f): [string, boolean] => [
          `${type}.${f.name.value}`,
          (f.directives ?? []).some((x) => x.name.value === 'personalData'),
        ])
      : [],
  );
}

describe('personal data classification (schema check)', () => {
  test.each(subgraphs.map((s) => [s.name, s] as const))('%s: every field of Resident and Household is classified', (_name, s) => {
    for (const type of ['Resident', 'Household']) {
      const unclassified = classification(s.typeDefs, type)
        .filter(([, classified]) => !classified)
        .map(([c]) => c);
      expect(unclassified).toEqual([]);
    }
  });

  test('the supergraph carries the classification of every Resident and Household field', () => {
    const document = parse(readCommittedSupergraph());
    const fields = [...classification(document, 'Resident'), ...classification(document, 'Household')];
    expect(fields.length).toBeGreaterThan(10);
    expect(fields.filter(([, classified]) => !classified)).toEqual([]);
  });
});

describe('who may see what, on every path of the graph', () => {
  let hub: TestHub;
  let a1: string;
  let b1: string;
  let c1: string;
  let bHousehold: string;
  let bParcel: string;
  let aParcel: string;
  let bEnterprise: string;
  let legacyOfA: string;
  let legacyOfB: string;
  const audit = (id: string) =>
    hub.db.query(`SELECT outcome, subjects, fields, purpose, reason, actor FROM audit.entry WHERE request_id = $1 ORDER BY id`, [
      id,
    ]) as Promise<
      { outcome: string; subjects: string[]; fields: string[]; purpose: string | null; reason: string | null; actor: string }[]
    >;

  beforeAll(async () => {
    hub = await openTestHub();
    const one = async (sql: string, params: unknown[]) => ((await hub.db.query(sql, params)) as Record<string, string>[])[0]!;
    const residentOf = (commune: string) =>
      one(
        `SELECT citizen_id AS id FROM population.resident WHERE permanent_commune_code = $1 AND current_commune_code = $1 ORDER BY citizen_id LIMIT 1`,
        [commune],
      );
    a1 = (await residentOf(A)).id!;
    b1 = (await residentOf(B)).id!;
    c1 = (await residentOf(C)).id!;
    bHousehold = (await one(`SELECT id::text AS id FROM population.household WHERE commune_code = $1 ORDER BY id LIMIT 1`, [B])).id!;
    bParcel = (await one(`SELECT id::text AS id FROM land.land_parcel WHERE commune_code = $1 ORDER BY id LIMIT 1`, [B])).id!;
    aParcel = (await one(`SELECT id::text AS id FROM land.land_parcel WHERE commune_code = $1 ORDER BY id LIMIT 1`, [A])).id!;
    bEnterprise = (
      await one(`SELECT tax_code AS id FROM enterprise.enterprise WHERE head_office_commune_code = $1 ORDER BY tax_code LIMIT 1`, [B])
    ).id!;
    const legacyOnlyTo = (commune: string) =>
      one(
        `SELECT legacy_code AS id FROM administrative_units.legacy_successor s WHERE level = 'COMMUNE' AND commune_code = $1
         AND NOT EXISTS (SELECT 1 FROM administrative_units.legacy_successor o WHERE o.level = s.level AND o.legacy_code = s.legacy_code AND o.commune_code <> $1)
         ORDER BY legacy_code LIMIT 1`,
        [commune],
      );
    legacyOfA = (await legacyOnlyTo(A)).id!;
    legacyOfB = (await legacyOnlyTo(B)).id!;
  });
  afterAll(async () => {
    await hub?.close();
  });

  test('by id: a resident of another commune looks exactly like one that does not exist', async () => {
    const own = await hub.run(`query ($id: CitizenId!) { resident(citizenId: $id) { fullName } }`, { id: a1 }, { identity: officerA });
    expect(own.errors).toBeUndefined();
    const other = await hub.run(`query ($id: CitizenId!) { resident(citizenId: $id) { fullName } }`, { id: b1 }, { identity: officerA });
    const missing = await hub.run(
      `query ($id: CitizenId!) { resident(citizenId: $id) { fullName } }`,
      { id: '001099999999' },
      { identity: officerA },
    );
    expect(other.data).toEqual({ resident: null });
    expect(code(other)).toBe('NOT_FOUND');
    const shape = (r: GraphQLResult) => JSON.stringify(r).replace(/\d{12}/g, 'ID');
    expect(shape(other)).toBe(shape(missing));
  });

  test('by list: another commune’s residents, households, parcels and representatives stay hidden', async () => {
    const result = await hub.run(
      `query ($b: ID!) { commune(code: $b) {
        residents(first: 100) { totalCount edges { node { citizenId permanentResidence { code } currentResidence { code } } } }
        households(first: 10) { totalCount }
        landParcels(first: 10) { totalCount }
        enterprises(first: 100) { totalCount edges { node { name legalRepresentative { citizenId } } } }
      } }`,
      { b: B },
      { identity: officerA },
    );
    expect(result.errors).toBeUndefined();
    const commune = result.data!.commune as Record<string, { totalCount: number; edges?: { node: Record<string, unknown> }[] }>;
    const [{ n }] = await hub.db.query(
      `SELECT count(*)::int AS n FROM population.resident WHERE permanent_commune_code = $1 AND current_commune_code = $2`,
      [B, A],
    );
    expect(commune.residents!.totalCount).toBe(n);
    for (const { node } of commune.residents!.edges!) expect([node.permanentResidence, node.currentResidence]).toContainEqual({ code: A });
    expect(commune.households!.totalCount).toBe(0);
    expect(commune.landParcels!.totalCount).toBe(0);
    // The enterprise register is public; the link to a representative is not.
    expect(commune.enterprises!.totalCount).toBeGreaterThan(0);
    expect(commune.enterprises!.edges!.every((e) => e.node.legalRepresentative === null)).toBe(true);
  });

  test('through a household, a parcel or an enterprise of another commune: nothing', async () => {
    const result = await hub.run(
      `query ($h: ID!, $p: ID!, $e: TaxCode!) {
        household(id: $h) { address members { resident { fullName } } }
        landParcel(id: $p) { area holders { ... on Resident { fullName } } }
        enterprise(taxCode: $e) { name legalRepresentative { fullName } }
      }`,
      { h: bHousehold, p: bParcel, e: bEnterprise },
      { identity: officerA },
    );
    const data = result.data as Record<string, Record<string, unknown> | null>;
    expect(data.household).toBeNull();
    expect(data.landParcel).toBeNull();
    expect(data.enterprise).toEqual({ name: expect.any(String), legalRepresentative: null });
    expect((result.errors ?? []).map((e) => e.extensions?.code).sort()).toEqual(['NOT_FOUND', 'NOT_FOUND']);
  });

  test('aliases mixing two communes: only the own one comes back', async () => {
    const result = await hub.run(
      `query ($a: CitizenId!, $b: CitizenId!, $pa: ID!, $pb: ID!) {
        mine: resident(citizenId: $a) { fullName landParcels { id } }
        theirs: resident(citizenId: $b) { fullName }
        again: resident(citizenId: $b) { citizenId }
        myParcel: landParcel(id: $pa) { id }
        theirParcel: landParcel(id: $pb) { id }
      }`,
      { a: a1, b: b1, pa: aParcel, pb: bParcel },
      { identity: officerA },
    );
    const data = result.data as Record<string, unknown>;
    expect(data.mine).toMatchObject({ fullName: expect.any(String) });
    expect([data.theirs, data.again, data.theirParcel]).toEqual([null, null, null]);
    expect(data.myParcel).toEqual({ id: aParcel });
  });

  test('a pre-reform code resolves to today’s commune, and jurisdiction follows today’s commune', async () => {
    const query = `query ($code: ID!) { legacyUnit(code: $code, level: COMMUNE) { successors { ... on Commune { code residents(first: 5) { totalCount edges { node { fullName } } } } } } }`;
    const toA = await hub.run(query, { code: legacyOfA }, { identity: officerA });
    const toB = await hub.run(query, { code: legacyOfB }, { identity: officerA });
    const residents = (r: GraphQLResult) =>
      (r.data!.legacyUnit as { successors: { residents: { totalCount: number } }[] }).successors[0]!.residents.totalCount;
    expect(residents(toA)).toBeGreaterThan(0);
    // Of commune B, only those who currently live in A are the officer's.
    const [{ n }] = await hub.db.query(
      `SELECT count(*)::int AS n FROM population.resident WHERE permanent_commune_code = $1 AND current_commune_code = $2`,
      [B, A],
    );
    expect(residents(toB)).toBe(n);
    const [{ total }] = await hub.db.query(`SELECT count(*)::int AS total FROM population.resident WHERE permanent_commune_code = $1`, [B]);
    expect(total).toBeGreaterThan(n);
  });

  test('entity references sent straight to the population subgraph obey the same rule', async () => {
    const client = await subgraphClient(population, hub.db);
    try {
      const result = await client.entities(
        [
          { __typename: 'Resident', citizenId: a1 },
          { __typename: 'Resident', citizenId: b1 },
          { __typename: 'Household', id: bHousehold },
        ],
        '... on Resident { fullName } ... on Household { address }',
        officerA,
      );
      const entities = result.data?._entities as unknown[];
      expect(entities[0]).toEqual({ fullName: expect.any(String) });
      expect(entities.slice(1)).toEqual([null, null]);
    } finally {
      await client.stop();
    }
  });

  test('a provincial officer sees the residents and land of their province, not of another', async () => {
    const hanoi = AS.provinceOfficer('01');
    const result = await hub.run(
      `query ($a: CitizenId!, $b: CitizenId!, $c: CitizenId!) { a: resident(citizenId: $a) { fullName } b: resident(citizenId: $b) { fullName } c: resident(citizenId: $c) { fullName }
        hcm: landParcels(filter: { provinceCode: "79" }) { totalCount } own: landParcels(filter: { provinceCode: "01" }) { totalCount } }`,
      { a: a1, b: b1, c: c1 },
      { identity: hanoi },
    );
    const data = result.data as Record<string, { fullName?: string; totalCount?: number } | null>;
    expect(data.a?.fullName).toBeTruthy();
    expect(data.b?.fullName).toBeTruthy();
    expect(data.c).toBeNull();
    expect(data.hcm?.totalCount).toBe(0);
    expect(data.own?.totalCount).toBeGreaterThan(0);
  });

  test('a citizen sees their own record and parcels only, without stating a purpose', async () => {
    const me = AS.citizen(a1);
    const result = await hub.run(
      `query ($a: CitizenId!, $b: CitizenId!) { me: resident(citizenId: $a) { fullName household { members { resident { citizenId } } } landParcels { id } } other: resident(citizenId: $b) { fullName } }`,
      { a: a1, b: b1 },
      { identity: me, purpose: null },
    );
    const data = result.data as Record<string, { household?: { members: { resident: { citizenId: string } }[] } } | null>;
    expect(data.me).not.toBeNull();
    expect(data.me!.household!.members.map((m) => m.resident.citizenId)).toEqual([a1]);
    expect(data.other).toBeNull();
  });

  test('the public sees administrative units and the enterprise register, never personal data or land', async () => {
    const publicData = await hub.run(
      `query ($e: TaxCode!) { provinces { code } enterprise(taxCode: $e) { name status } }`,
      { e: bEnterprise },
      { identity: AS.anonymous, purpose: null },
    );
    expect(publicData.errors).toBeUndefined();
    for (const query of [
      `{ resident(citizenId: "${a1}") { fullName } }`,
      `{ enterprise(taxCode: "${bEnterprise}") { legalRepresentative { citizenId } } }`,
      `{ landParcels(filter: { provinceCode: "01" }) { edges { node { holders { __typename } } } } }`,
      `{ commune(code: "${A}") { residents { edges { node { citizenId } } } } }`,
    ]) {
      const result = await hub.run(query, undefined, { identity: AS.anonymous, purpose: null });
      // Refused by the gateway before planning (gateway/authorization.ts): no token at all.
      expect(code(result)).toBe('UNAUTHENTICATED');
    }
    const land = await hub.run(`{ landParcels(filter: { provinceCode: "01" }) { totalCount } }`, undefined, {
      identity: AS.anonymous,
      purpose: null,
    });
    expect(land.data).toEqual({ landParcels: { totalCount: 0 } });
  });

  test('an officer must state a purpose; the refusal is audited', async () => {
    const id = requestId();
    const result = await hub.run(
      `query ($a: CitizenId!) { resident(citizenId: $a) { fullName } }`,
      { a: a1 },
      { identity: officerA, purpose: null, requestId: id },
    );
    expect(code(result)).toBe('PURPOSE_REQUIRED');
    expect(result.data?.resident ?? null).toBeNull();
    const entries = await audit(id);
    expect(entries).toEqual([
      expect.objectContaining({ outcome: 'DENIED', fields: ['Resident.fullName'], purpose: null, actor: officerA.subject }),
    ]);
  });

  test('every read is audited: who, why, which residents and fields; a denied read leaves a denied entry', async () => {
    const id = requestId();
    await hub.run(
      `query ($a: CitizenId!, $b: CitizenId!) { a: resident(citizenId: $a) { fullName birthDate } b: resident(citizenId: $b) { fullName } }`,
      { a: a1, b: b1 },
      { identity: officerA, requestId: id },
    );
    const entries = await audit(id);
    expect(entries).toContainEqual(
      expect.objectContaining({
        outcome: 'ALLOWED',
        subjects: [a1],
        fields: ['Resident.birthDate', 'Resident.fullName'],
        purpose: 'HS-2026-TEST-0001',
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ outcome: 'DENIED', subjects: [b1], reason: expect.stringContaining('jurisdiction') }),
    );
  });

  test('a citizen lists who accessed their data, newest first', async () => {
    await hub.run(
      `query ($a: CitizenId!) { resident(citizenId: $a) { fullName } }`,
      { a: a1 },
      { identity: officerA, purpose: 'HS-2026-LAST' },
    );
    const result = await hub.run(
      `{ myDataAccesses(first: 2) { totalCount pageInfo { hasNextPage } edges { node { organisation role purpose fields outcome at } } } }`,
      undefined,
      { identity: AS.citizen(a1), purpose: null },
    );
    expect(result.errors).toBeUndefined();
    const list = result.data!.myDataAccesses as { totalCount: number; edges: { node: Record<string, unknown> }[] };
    expect(list.totalCount).toBeGreaterThanOrEqual(2);
    expect(list.edges[0]!.node).toMatchObject({
      organisation: officerA.organisation,
      role: 'COMMUNE_OFFICER',
      purpose: 'HS-2026-LAST',
      outcome: 'ALLOWED',
    });
    expect(list.edges[0]!.node.at! > list.edges[1]!.node.at!).toBe(true);
    const officer = await hub.run(`{ myDataAccesses { totalCount } }`, undefined, { identity: officerA });
    expect(code(officer)).toBe('FORBIDDEN');
  });

  test('loaders never carry one caller’s data to another (per-request memo)', async () => {
    const query = `query ($b: CitizenId!) { resident(citizenId: $b) { fullName } }`;
    const asB = await hub.run(query, { b: b1 }, { identity: AS.communeOfficer(B) });
    const asA = await hub.run(query, { b: b1 }, { identity: officerA });
    expect(asB.data?.resident).not.toBeNull();
    expect(asA.data?.resident).toBeNull();
  });

  test('the audit chain stays intact through all of it', async () => {
    expect(await createAuditLog(hub.db).verify()).toMatchObject({ ok: true });
  });
});
