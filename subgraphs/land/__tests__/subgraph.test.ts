import { openTestDatabase, type TestDatabase } from '../../../test/helpers/hub';
import { subgraphClient } from '../../../test/helpers/subgraph';
import { land } from '../subgraph';

describe('land subgraph', () => {
  let database: TestDatabase;
  let client: Awaited<ReturnType<typeof subgraphClient>>;
  beforeAll(async () => {
    database = await openTestDatabase();
    client = await subgraphClient(land, database.db);
  });
  afterAll(async () => {
    await client?.stop();
    await database?.close();
  });

  test('_entities resolves LandParcel by id with typed holders whose shares sum to 100', async () => {
    const [p] = await database.db.query(
      `SELECT parcel_id::text AS id FROM land.parcel_holder GROUP BY parcel_id HAVING count(*) > 1 ORDER BY parcel_id LIMIT 1`,
    );
    const result = await client.entities(
      [
        { __typename: 'LandParcel', id: p.id },
        { __typename: 'LandParcel', id: '999999999' },
      ],
      '... on LandParcel { id area landUse { code category } holdings { share holder { __typename ... on Resident { citizenId } ... on Enterprise { taxCode } } } }',
    );
    expect(result.errors).toBeUndefined();
    const [parcel, unknown] = result.data?._entities as { holdings: { share: number }[] }[];
    expect(unknown).toBeNull();
    expect(parcel!.holdings.length).toBeGreaterThan(1);
    expect(parcel!.holdings.reduce((s, h) => s + h.share, 0)).toBeCloseTo(100);
  });

  test('_entities on Resident, Enterprise and Commune add their parcels', async () => {
    const [r] = await database.db.query(`SELECT holder_id FROM land.parcel_holder WHERE holder_type = 'RESIDENT' LIMIT 1`);
    const [e] = await database.db.query(`SELECT holder_id FROM land.parcel_holder WHERE holder_type = 'ENTERPRISE' LIMIT 1`);
    const [c] = await database.db.query(`SELECT commune_code, count(*)::int AS n FROM land.land_parcel GROUP BY 1 ORDER BY 2 DESC LIMIT 1`);
    const result = await client.entities(
      [
        { __typename: 'Resident', citizenId: r.holder_id },
        { __typename: 'Enterprise', taxCode: e.holder_id },
        { __typename: 'Commune', code: c.commune_code },
      ],
      '... on Resident { landParcels { id } } ... on Enterprise { landParcels { id } } ... on Commune { page: landParcels(first: 1) { totalCount } }',
    );
    expect(result.errors).toBeUndefined();
    const [resident, enterprise, commune] = result.data?._entities as Record<string, unknown>[];
    expect((resident!.landParcels as unknown[]).length).toBeGreaterThan(0);
    expect((enterprise!.landParcels as unknown[]).length).toBeGreaterThan(0);
    expect(commune).toEqual({ page: { totalCount: c.n } });
  });

  test('parcels by owner, parcel number, land-use type and commune', async () => {
    const [p] = await database.db.query(
      `SELECT p.id::text AS id, p.commune_code, p.map_sheet_number, p.parcel_number, p.land_use_code, h.holder_id
       FROM land.land_parcel p JOIN land.parcel_holder h ON h.parcel_id = p.id AND h.holder_type = 'RESIDENT' ORDER BY p.id LIMIT 1`,
    );
    const result = await client.run(`query ($f: LandParcelFilter!) { landParcels(filter: $f) { totalCount edges { node { id } } } }`, {
      f: {
        communeCode: p.commune_code,
        mapSheetNumber: p.map_sheet_number,
        parcelNumber: p.parcel_number,
        landUseCode: p.land_use_code,
        holderCitizenId: p.holder_id,
      },
    });
    expect(result.data).toEqual({ landParcels: { totalCount: 1, edges: [{ node: { id: p.id } }] } });
  });
});
