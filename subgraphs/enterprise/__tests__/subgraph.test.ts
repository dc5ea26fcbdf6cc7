import { openTestDatabase, type TestDatabase } from '../../../test/helpers/hub';
import { subgraphClient } from '../../../test/helpers/subgraph';
import { enterprise } from '../subgraph';

describe('enterprise subgraph', () => {
  let database: TestDatabase;
  let client: Awaited<ReturnType<typeof subgraphClient>>;
  beforeAll(async () => {
    database = await openTestDatabase();
    client = await subgraphClient(enterprise, database.db);
  });
  afterAll(async () => {
    await client?.stop();
    await database?.close();
  });

  test('_entities resolves Enterprise by tax code, Resident adds represented enterprises, Commune its enterprises', async () => {
    const [e] = await database.db.query(
      `SELECT tax_code, name, legal_representative_id, head_office_commune_code FROM enterprise.enterprise ORDER BY tax_code LIMIT 1`,
    );
    const [{ n }] = await database.db.query(`SELECT count(*)::int AS n FROM enterprise.enterprise WHERE head_office_commune_code = $1`, [
      e.head_office_commune_code,
    ]);
    const result = await client.entities(
      [
        { __typename: 'Enterprise', taxCode: e.tax_code },
        { __typename: 'Resident', citizenId: e.legal_representative_id },
        { __typename: 'Commune', code: e.head_office_commune_code },
        { __typename: 'Enterprise', taxCode: '0000000000' },
      ],
      `... on Enterprise { taxCode name legalRepresentative { citizenId } headOffice { code } }
       ... on Resident { representedEnterprises { taxCode } }
       ... on Commune { enterprises(first: 100) { totalCount } }`,
    );
    expect(result.errors).toBeUndefined();
    const [found, resident, commune, unknown] = result.data?._entities as Record<string, unknown>[];
    expect(found).toEqual({
      taxCode: e.tax_code,
      name: e.name,
      legalRepresentative: { citizenId: e.legal_representative_id },
      headOffice: { code: e.head_office_commune_code },
    });
    expect(resident!.representedEnterprises).toContainEqual({ taxCode: e.tax_code });
    expect(commune).toEqual({ enterprises: { totalCount: n } });
    expect(unknown).toBeNull();
  });

  test('enterprises by province, status and name', async () => {
    const [e] = await database.db.query(
      `SELECT head_office_province_code AS p, status, name FROM enterprise.enterprise ORDER BY tax_code LIMIT 1`,
    );
    const result = await client.run(
      `query ($f: EnterpriseFilter!) { enterprises(filter: $f, first: 100) { totalCount edges { node { name status } } } }`,
      {
        f: {
          provinceCode: e.p,
          status: e.status,
          search: e.name
            .normalize('NFD')
            .replace(/[\u0300-\u036f]/g, '')
            .toUpperCase(),
        },
      },
    );
    expect(result.errors).toBeUndefined();
    const list = result.data?.enterprises as { edges: { node: { name: string } }[] };
    expect(list.edges.map((x) => x.node.name)).toContain(e.name);
  });

  test('a filter that would scan the national register is refused', async () => {
    const result = await client.run(`{ enterprises(filter: { status: ACTIVE }) { totalCount } }`);
    expect(result.errors?.[0]?.extensions?.code).toBe('FILTER_TOO_BROAD');
  });
});
