import { coldCache } from '../../../test/helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../../test/helpers/hub';
import { subgraphClient } from '../../../test/helpers/subgraph';
import { loadLegacyUnits, loadUnits } from '../seed';
import { administrativeUnits } from '../subgraph';

describe('administrative-units subgraph', () => {
  let database: TestDatabase;
  let client: Awaited<ReturnType<typeof subgraphClient>>;
  beforeAll(async () => {
    database = await openTestDatabase();
    client = await subgraphClient(administrativeUnits, database.db, database.cache);
  });
  afterAll(async () => {
    await client?.stop();
    await database?.close();
  });

  test('the data files hold exactly the official units, with later changes applied', () => {
    const { provinces, communes, changes } = loadUnits('2026-11-26');
    expect(provinces).toHaveLength(34);
    expect(communes).toHaveLength(3321);
    const byType = (type: string) => communes.filter((c) => c.type === type).length;
    expect([byType('COMMUNE'), byType('WARD'), byType('SPECIAL_ZONE')]).toEqual([2611, 697, 13]);
    expect(provinces.filter((p) => p.type === 'CENTRAL_CITY')).toHaveLength(7);
    expect(changes.every((c) => c.effectiveFrom === '2026-04-30')).toBe(true);
    // Before the change took effect, the baseline stands.
    const before = loadUnits('2026-04-29');
    expect(before.communes.filter((c) => c.type === 'COMMUNE')).toHaveLength(2621);
    expect(before.changes).toEqual([]);
    const legacy = loadLegacyUnits();
    const count = (level: string) => legacy.units.filter((u) => u.level === level).length;
    expect([count('PROVINCE'), count('DISTRICT'), count('COMMUNE')]).toEqual([63, 696, 10047]);
  });

  test('_entities resolves Province and Commune by code, unknown codes to null', async () => {
    const result = await client.entities(
      [
        { __typename: 'Province', code: '79' },
        { __typename: 'Commune', code: '26740' },
        { __typename: 'Commune', code: '99999' },
        { __typename: 'Province', code: 'x' },
      ],
      '... on Province { code name type } ... on Commune { code fullName province { code } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { code: '79', name: 'Hồ Chí Minh', type: 'CENTRAL_CITY' },
      { code: '26740', fullName: 'Phường Sài Gòn', province: { code: '79' } },
      null,
      null,
    ]);
  });

  test('_entities batches: one statement per entity type whatever the number of references', async () => {
    const reps = (n: number) =>
      (n === 5
        ? ['00004', '00008', '00025', '00031', '00070']
        : Array.from({ length: n }, (_, i) => String(4 + i * 3).padStart(5, '0'))
      ).map((code) => ({ __typename: 'Commune', code }));
    const counts: number[] = [];
    for (const n of [5, 100]) {
      await coldCache(database.cache);
      database.counter.reset();
      await client.entities(reps(n), '... on Commune { code }');
      counts.push(database.counter.count);
    }
    expect(counts).toEqual([1, 1]);
  });

  test('a commune page continues from its cursor and never overlaps', async () => {
    const first = await client.run(
      `{ province(code: "01") { communes(first: 60) { totalCount pageInfo { endCursor hasNextPage } edges { node { code } } } } }`,
    );
    const page1 = (first.data?.province as { communes: { pageInfo: { endCursor: string }; edges: { node: { code: string } }[] } }).communes;
    const second = await client.run(
      `query ($a: String) { province(code: "01") { communes(first: 100, after: $a) { pageInfo { hasNextPage } edges { node { code } } } } }`,
      { a: page1.pageInfo.endCursor },
    );
    const page2 = (second.data?.province as { communes: { pageInfo: { hasNextPage: boolean }; edges: { node: { code: string } }[] } })
      .communes;
    expect(page1.edges.length + page2.edges.length).toBe(126);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const codes = [...page1.edges, ...page2.edges].map((e) => e.node.code);
    expect(new Set(codes).size).toBe(126);
    expect([...codes].sort()).toEqual(codes);
  });
});
