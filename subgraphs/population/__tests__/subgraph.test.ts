import { DENSE_COMMUNE } from '../../../test/helpers/dataset';
import { coldCache } from '../../../test/helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../../test/helpers/hub';
import { subgraphClient } from '../../../test/helpers/subgraph';
import { population } from '../subgraph';

describe('population subgraph', () => {
  let database: TestDatabase;
  let client: Awaited<ReturnType<typeof subgraphClient>>;
  beforeAll(async () => {
    database = await openTestDatabase();
    client = await subgraphClient(population, database.db, database.cache);
  });
  afterAll(async () => {
    await client?.stop();
    await database?.close();
  });

  test('_entities resolves Resident by citizenId and Household by id; unknown or malformed keys give null', async () => {
    const [r] = await database.db.query(
      `SELECT citizen_id, full_name, household_id::text AS household_id FROM population.resident WHERE household_id IS NOT NULL ORDER BY citizen_id LIMIT 1`,
    );
    const result = await client.entities(
      [
        { __typename: 'Resident', citizenId: r.citizen_id },
        { __typename: 'Household', id: r.household_id },
        { __typename: 'Resident', citizenId: '001099999999' },
        { __typename: 'Resident', citizenId: 'DROP TABLE' },
        { __typename: 'Household', id: '-1' },
      ],
      '... on Resident { citizenId fullName household { id } } ... on Household { id members { resident { citizenId } } }',
    );
    expect(result.errors).toBeUndefined();
    const [resident, household, unknown, malformed, badHousehold] = result.data?._entities as Record<string, unknown>[];
    expect(resident).toEqual({ citizenId: r.citizen_id, fullName: r.full_name, household: { id: r.household_id } });
    expect((household!.members as { resident: { citizenId: string } }[]).map((m) => m.resident.citizenId)).toContain(r.citizen_id);
    expect([unknown, malformed, badHousehold]).toEqual([null, null, null]);
  });

  test('_entities on Commune adds its residents and households', async () => {
    const result = await client.entities(
      [{ __typename: 'Commune', code: DENSE_COMMUNE }],
      '... on Commune { residents(first: 2) { totalCount edges { node { citizenId } } } households(first: 1) { totalCount } }',
    );
    const commune = (
      result.data?._entities as { residents: { totalCount: number; edges: unknown[] }; households: { totalCount: number } }[]
    )[0]!;
    expect(commune.residents.edges).toHaveLength(2);
    expect(commune.residents.totalCount).toBeGreaterThan(100);
    expect(commune.households.totalCount).toBeGreaterThan(10);
  });

  test('current residence is a list of its own', async () => {
    const [{ code, n }] = await database.db.query(
      `SELECT current_commune_code AS code, count(*)::int AS n FROM population.resident WHERE current_commune_code <> permanent_commune_code GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
    );
    const result = await client.entities(
      [{ __typename: 'Commune', code }],
      '... on Commune { residents(residence: CURRENT, first: 0) { totalCount } }',
    );
    const [{ total }] = await database.db.query(`SELECT count(*)::int AS total FROM population.resident WHERE current_commune_code = $1`, [
      code,
    ]);
    expect(n).toBeGreaterThan(0);
    expect(result.data?._entities).toEqual([{ residents: { totalCount: total } }]);
  });

  test('residents of 5 or 100 communes load in the same number of statements', async () => {
    const codes: string[] = (
      await database.db.query(`SELECT DISTINCT permanent_commune_code AS c FROM population.resident ORDER BY 1 LIMIT 100`)
    ).map((r: { c: string }) => r.c);
    const counts: number[] = [];
    for (const n of [5, 100]) {
      // Cold: what is measured is the statements of a batch, not what the entity cache keeps.
      await coldCache(database.cache);
      database.counter.reset();
      const result = await client.entities(
        codes.slice(0, n).map((code) => ({ __typename: 'Commune', code })),
        '... on Commune { residents(first: 10) { totalCount edges { node { fullName } } } }',
      );
      expect(result.errors).toBeUndefined();
      counts.push(database.counter.count);
    }
    // The communes' provinces (one lookup, so the reads prune to their partitions), two reads (pages,
    // counts) and the request's audit entry, whatever the number of communes.
    expect(counts[0]).toBe(counts[1]);
    expect(counts[0]).toBeLessThanOrEqual(8);
  });
});
