import { OPERATIONS } from '../hub/operations';
import { AS } from './helpers/identities';
import { openExplainedHub, type ExplainedHub } from './helpers/explain';

/**
 * Every hot query is index-backed: the statements the bench's operations send (the foundation
 * operations, a resident lookup, a pre-reform code lookup, a resident's household, parcels and
 * enterprises) are captured with their parameters, then EXPLAINed on PostgreSQL over a seeded and
 * ANALYZEd data set (test/helpers/explain.ts says why with `enable_seqscan = off`). No plan may
 * read a big table (one that grows with the population) with a sequential scan, or walk a whole
 * index. The bench shows the consequence at scale (latency flat from 100,000 to 1,000,000 residents).
 */
const postgres = process.env.LT_TEST_DATABASE === 'postgres';

/** Tables that grow with the country's population: a sequential scan of one is a national scan. */
const BIG_TABLES = new Set(['resident', 'household', 'land_parcel', 'parcel_holder', 'enterprise', 'entry', 'parcel_transfer']);

/** The tables partitioned by province (shared/db/partitions.ts): `resident_p01` … `resident_pdefault` are `resident`'s. */
const PARTITIONED = new Set(['resident', 'household', 'land_parcel', 'parcel_holder']);
const PARTITION = /^(.+)_p(\d{2}|default)$/;
const tableOf = (relation: string): string => PARTITION.exec(relation)?.[1] ?? relation;
const partitionOf = (relation: string): string | null => {
  const table = PARTITION.exec(relation)?.[1];
  return table && PARTITIONED.has(table) ? table : null;
};

const COMMUNE_HOUSEHOLDS = `query ($code: ID!) { commune(code: $code) { households(first: 20) { totalCount edges { node { id address } } } } }`;

(postgres ? describe : describe.skip)('hot queries are index-backed on PostgreSQL (EXPLAIN over a seeded, analyzed data set)', () => {
  let hub: ExplainedHub;
  /**
   * Partitions with no row (the default ones, and any province without seeded rows) are left out
   * of the scan check, as in test/public-services-indexes.test.ts: with no statistics the planner
   * may walk any index of an empty table, which reads nothing.
   */
  let empty: Set<string>;

  beforeAll(async () => {
    // Enough residents for realistic statistics (ANALYZE); the plans' shape, not the table sizes, is under test.
    hub = await openExplainedHub('indexes', { residents: 10_000, seed: 3 });
    const { db, run } = hub;
    const [{ code: commune, province }] = await db.query(
      `SELECT permanent_commune_code AS code, min(permanent_province_code) AS province FROM population.resident GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    const [{ citizen_id: citizenId }] = await db.query(
      `SELECT citizen_id FROM population.resident WHERE permanent_commune_code = $1 LIMIT 1`,
      [commune],
    );
    const [{ id: householdId }] = await db.query(
      `SELECT household_id::text AS id FROM population.resident WHERE household_id IS NOT NULL LIMIT 1`,
    );
    const [{ code: legacyCode }] = await db.query(
      `SELECT legacy_code AS code FROM administrative_units.legacy_successor WHERE level = 'COMMUNE' ORDER BY 1 LIMIT 1`,
    );
    await run('CommuneResidents (central)', OPERATIONS.CommuneResidents, { code: commune });
    await run('CommuneResidents (commune officer)', OPERATIONS.CommuneResidents, { code: commune }, AS.communeOfficer(commune));
    // With the commune's province stated (the token's `province` claim): the partitioned tables read one partition.
    await run(
      'CommuneResidents (commune officer, province stated)',
      OPERATIONS.CommuneResidents,
      { code: commune },
      AS.communeOfficer(commune, province),
    );
    await run(
      'commune households (commune officer, province stated)',
      COMMUNE_HOUSEHOLDS,
      { code: commune },
      AS.communeOfficer(commune, province),
    );
    await run('commune households (province officer)', COMMUNE_HOUSEHOLDS, { code: commune }, AS.provinceOfficer(province));
    await run('ProvinceLand', OPERATIONS.ProvinceLand, { province: '01' });
    await run('ProvinceLand (province officer)', OPERATIONS.ProvinceLand, { province: '01' }, AS.provinceOfficer('01'));
    await run('Units', OPERATIONS.Units, {});
    await run('Legacy', OPERATIONS.Legacy, {});
    await run('legacy unit', `query ($code: ID!) { legacyUnit(code: $code, level: COMMUNE) { name successors { code name } } }`, {
      code: legacyCode,
    });
    await run(
      'resident lookup',
      `query ($id: CitizenId!) { resident(citizenId: $id) { fullName permanentResidence { name } household { id members { relationship resident { fullName } } } landParcels { id } representedEnterprises { name } } }`,
      { id: citizenId },
    );
    await run('household lookup', `query ($id: ID!) { household(id: $id) { address } }`, { id: householdId });
  });
  afterAll(async () => {
    await hub?.close();
  });

  test('no statement the hot operations send scans a big table: each reads it through an index condition', async () => {
    empty = new Set(
      (
        (await hub.db.query(
          `SELECT relname FROM pg_class WHERE relnamespace IN ('population'::regnamespace, 'land'::regnamespace) AND relkind = 'r' AND reltuples <= 0`,
        )) as { relname: string }[]
      ).map((r) => r.relname),
    );
    expect(empty.has('resident_p01')).toBe(false);
    const { covered, offenders } = await hub.unboundedReads((relation) => BIG_TABLES.has(tableOf(relation)) && !empty.has(relation));
    // The capture saw the operations' reads of residents, households, parcels, holders, enterprises.
    expect([...covered].sort()).toEqual([
      'CommuneResidents (central)',
      'CommuneResidents (commune officer)',
      'CommuneResidents (commune officer, province stated)',
      'ProvinceLand',
      'ProvinceLand (province officer)',
      'commune households (commune officer, province stated)',
      'commune households (province officer)',
      'household lookup',
      'resident lookup',
    ]);
    expect(offenders).toEqual([]);
  });

  test.each([
    ['CommuneResidents (commune officer, province stated)', ['land_parcel', 'parcel_holder', 'resident']],
    // Without the province in the token, or as a central officer: the commune's province is read from
    // the subgraphs' own province indexes (ProvinceIndex, shared/db/partitions.ts), then one partition.
    ['CommuneResidents (commune officer)', ['land_parcel', 'parcel_holder', 'resident']],
    ['CommuneResidents (central)', ['land_parcel', 'parcel_holder', 'resident']],
    // Its holders' Resident records are looked up by citizen ID: a holder may live in any province (their provinces' partitions).
    ['ProvinceLand (province officer)', ['land_parcel', 'parcel_holder']],
    ['commune households (commune officer, province stated)', ['household']],
    ['commune households (province officer)', ['household']],
  ])('%s: each statement reads one partition of the province-partitioned tables', async (operation, tables) => {
    const reads = (await hub.partitionsRead(operation, partitionOf)).filter((r) => tables.includes(r.table));
    expect([...new Set(reads.map((r) => r.table))].sort()).toEqual(tables);
    for (const read of reads) expect({ ...read, partitions: read.partitions.length }).toEqual({ ...read, partitions: 1 });
  });

  test.each([
    ['resident lookup', 'resident', /WHERE citizen_id = ANY\(\$1::text\[\]\) AND/],
    ['household lookup', 'household', /WHERE id = ANY\(\$1::bigint\[\]\) AND/],
  ])('%s: the read by key alone reads one partition, the one the key table names', async (operation, table, byKey) => {
    const reads = (await hub.partitionsRead(operation, partitionOf)).filter((r) => byKey.test(r.sql));
    expect(reads.map((r) => r.table)).toEqual([table]);
    for (const read of reads) expect({ ...read, partitions: read.partitions.length }).toEqual({ ...read, partitions: 1 });
  });
});
