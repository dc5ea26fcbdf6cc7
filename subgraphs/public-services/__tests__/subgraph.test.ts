import { openTestDatabase, type TestDatabase } from '../../../test/helpers/hub';
import { subgraphClient } from '../../../test/helpers/subgraph';
import { publicServices } from '../subgraph';

describe('public-services subgraph', () => {
  let database: TestDatabase;
  let client: Awaited<ReturnType<typeof subgraphClient>>;
  beforeAll(async () => {
    database = await openTestDatabase();
    client = await subgraphClient(publicServices, database.db);
  });
  afterAll(async () => {
    await client?.stop();
    await database?.close();
  });

  test('_entities resolves Procedure and Department by key, and Province adds its departments', async () => {
    const [p] = await database.db.query(`SELECT code FROM public_services.procedure ORDER BY code LIMIT 1`);
    const result = await client.entities(
      [
        { __typename: 'Procedure', code: p.code },
        { __typename: 'Department', code: '000.00.02.H01' },
        { __typename: 'Procedure', code: '9.999999' },
        { __typename: 'Province', code: '01' },
      ],
      '... on Procedure { code level onlineLevel } ... on Department { name province { code } } ... on Province { departments { code } }',
    );
    expect(result.errors).toBeUndefined();
    const [procedure, department, unknown, province] = result.data?._entities as Record<string, unknown>[];
    expect(procedure).toMatchObject({ code: p.code });
    expect(department).toMatchObject({ name: 'Sở Tư pháp Hà Nội', province: { code: '01' } });
    expect(unknown).toBeNull();
    expect((province!.departments as unknown[]).length).toBe(11);
  });

  test('a lookup by dossier number reads one partition of the dossier table', async () => {
    const plan = (await database.db.query(
      `EXPLAIN SELECT * FROM public_services.dossier
       WHERE received_on = ANY($2::date[]) AND (number, received_on) IN (SELECT * FROM unnest($1::text[], $2::date[]))`,
      [['00004-250915-0001'], ['2025-09-15']],
    )) as { 'QUERY PLAN': string }[];
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    const partitions = (await database.db.query(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'public_services.dossier'::regclass`,
    )) as { n: number }[];
    expect(partitions[0]!.n).toBe(17);
    expect(text).toMatch(/dossier_2025q3/);
    expect(text).not.toMatch(/dossier_2025q4|dossier_default/);
  });

  test('malformed dossier numbers are refused by the scalar before any resolver runs', async () => {
    for (const number of ['00004-251332-0001', '4-250915-0001', '00004-250915-1', 'x']) {
      const result = await client.run(`query ($n: DossierNumber!) { dossier(number: $n) { number } }`, { n: number });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
