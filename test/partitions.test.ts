import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, openPglite, type DatabaseTarget, type MigrationSet } from '../shared/db';
import { PROVINCE_CODES } from '../shared/db/partitions';
import { identityFromClaims } from '../shared/auth/identity';
import { jurisdictionOf, provinceOfCommunes, scopeCondition } from '../shared/auth/jurisdiction';
import { disabledEntityCaching } from '../shared/cache/entityCache';
import { land } from '../subgraphs/land/subgraph';
import { createLoaders } from '../subgraphs/population/loaders';
import { population } from '../subgraphs/population/subgraph';
import { PartitionLand1769000000002 } from '../subgraphs/land/migrations/1769000000002-PartitionLand';
import { PartitionPopulation1769000000001 } from '../subgraphs/population/migrations/1769000000001-PartitionPopulation';
import { createDatabase, dropDatabase } from './helpers/postgres';

/** A node of `EXPLAIN (ANALYZE, FORMAT JSON)`. */
interface ExplainNode {
  'Relation Name'?: string;
  'Actual Loops'?: number;
  Plans?: ExplainNode[];
}

/**
 * The province partitioning of population and land (shared/db/partitions.ts): the migrations
 * convert tables that already hold rows (each row lands in its province's partition), the global
 * keys stay unique across provinces through the key tables, a row that moves province moves
 * partition and key, and a province no partition names is stored in the default partition. On
 * PostgreSQL (a database of this suite's own) or on PGlite without a server: both run the migrations.
 */
const postgres = process.env.LT_TEST_DATABASE === 'postgres';

const before = (set: MigrationSet, last: Function): MigrationSet => ({ ...set, migrations: set.migrations.filter((m) => m !== last) });

describe('province partitions: conversion of existing rows and national keys', () => {
  let db: DataSource;
  let target: DatabaseTarget;
  let close: () => Promise<void>;

  const partitionOf = async (table: string, where: string, params: unknown[]): Promise<string[]> =>
    ((await db.query(`SELECT tableoid::regclass::text AS p FROM ${table} WHERE ${where} ORDER BY 1`, params)) as { p: string }[]).map(
      (r) => r.p,
    );
  const refused = async (sql: string, params: unknown[] = []): Promise<string | undefined> => {
    try {
      await db.query(sql, params);
      return undefined;
    } catch (error) {
      return (error as { driverError?: { code?: string } }).driverError?.code;
    }
  };

  beforeAll(async () => {
    if (postgres) {
      const url = await createDatabase('partitions');
      target = { kind: 'postgres', url };
      close = async () => {
        await db.destroy();
        await dropDatabase(url);
      };
    } else {
      const pglite = await openPglite();
      target = { kind: 'pglite', pglite };
      close = async () => {
        await db.destroy();
        await pglite.close();
      };
    }
    // The tables as they were before partitioning, with rows in them.
    await migrate(target, [before(population, PartitionPopulation1769000000001), before(land, PartitionLand1769000000002)]);
    db = await createDataSource({ target, entities: [] });
    await db.initialize();
    await db.transaction(async (m) => {
      await m.query(`INSERT INTO population.household (id, commune_code, province_code, address, head_citizen_id)
        VALUES (1, '00004', '01', 'Ba Đình', '001085000001'), (2, '26734', '79', 'Sài Gòn', '079190000002')`);
      await m.query(`INSERT INTO population.resident (citizen_id, full_name, search_name, birth_date, sex, permanent_commune_code,
          current_commune_code, permanent_province_code, current_province_code, household_id, relationship_to_head)
        VALUES ('001085000001', 'A', 'a', '1985-01-01', 'MALE', '00004', '00004', '01', '01', 1, 'HEAD'),
               ('079190000002', 'B', 'b', '1990-01-01', 'FEMALE', '26734', '26734', '79', '79', 2, 'HEAD'),
               ('079190000003', 'C', 'c', '1990-01-01', 'FEMALE', '26734', '00004', '79', '01', NULL, NULL)`);
    });
    await db.query(`INSERT INTO land.land_use_type (code, name, category) VALUES ('ODT', 'Đất ở tại đô thị', 'NON_AGRICULTURAL')`);
    await db.query(`INSERT INTO land.land_parcel (id, province_code, commune_code, map_sheet_number, parcel_number, area, land_use_code,
        certificate_number, address) VALUES (10, '01', '00004', 1, 1, 100, 'ODT', 'AA 000001', 'x'), (11, '79', '26734', 1, 1, 80, 'ODT', NULL, 'y')`);
    await db.query(`INSERT INTO land.parcel_holder (parcel_id, holder_type, holder_id, share)
      VALUES (10, 'RESIDENT', '001085000001', 100), (11, 'RESIDENT', '079190000002', 100)`);
    await db.destroy();
    // Now the partitioning migrations, over those rows.
    await migrate(target, [population, land]);
    db = await createDataSource({ target, entities: [] });
    await db.initialize();
  }, 300_000);
  afterAll(async () => {
    await close?.();
  });

  test('the 34 partitions are those of the administrative-units reference data', () => {
    const file = join(__dirname, '../subgraphs/administrative-units/seed/data/provinces.json');
    const provinces = JSON.parse(readFileSync(file, 'utf8')) as { code: string }[];
    expect([...PROVINCE_CODES].sort()).toEqual(provinces.map((p) => p.code).sort());
  });

  test('existing rows were moved into their province partitions, keys and references with them', async () => {
    expect(await partitionOf('population.resident', 'true', [])).toEqual([
      'population.resident_p01',
      'population.resident_p79',
      'population.resident_p79',
    ]);
    expect(await partitionOf('population.household', 'true', [])).toEqual(['population.household_p01', 'population.household_p79']);
    expect(await partitionOf('land.land_parcel', 'true', [])).toEqual(['land.land_parcel_p01', 'land.land_parcel_p79']);
    expect(await partitionOf('land.parcel_holder', 'true', [])).toEqual(['land.parcel_holder_p01', 'land.parcel_holder_p79']);
    expect(await db.query(`SELECT citizen_id, province_code FROM population.citizen_key ORDER BY 1`)).toEqual([
      { citizen_id: '001085000001', province_code: '01' },
      { citizen_id: '079190000002', province_code: '79' },
      { citizen_id: '079190000003', province_code: '79' },
    ]);
    expect(await db.query(`SELECT certificate_number FROM land.certificate_key`)).toEqual([{ certificate_number: 'AA 000001' }]);
    // The parent tables hold no row of their own (a partitioned table cannot).
    expect(await db.query(`SELECT count(*)::int AS n FROM ONLY population.resident`)).toEqual([{ n: 0 }]);
  });

  test('a citizen ID, household id, parcel id or certificate number is unique across provinces', async () => {
    const resident = `INSERT INTO population.resident (citizen_id, full_name, search_name, birth_date, sex, permanent_commune_code,
      current_commune_code, permanent_province_code, current_province_code) VALUES ($1, 'D', 'd', '1990-01-01', 'MALE', $2, $2, $3, $3)`;
    expect(await refused(resident, ['001085000001', '26734', '79'])).toBe('23505');
    expect(
      await refused(`INSERT INTO population.household (id, commune_code, province_code, address, head_citizen_id)
        VALUES (1, '26734', '79', 'z', '079190000002')`),
    ).toBe('23505');
    const parcel = `INSERT INTO land.land_parcel (id, province_code, commune_code, map_sheet_number, parcel_number, area, land_use_code,
      certificate_number, address) VALUES ($1, $2, $3, 9, 9, 1, 'ODT', $4, 'z')`;
    expect(await refused(parcel, [10, '79', '26734', null])).toBe('23505');
    expect(await refused(parcel, [12, '79', '26734', 'AA 000001'])).toBe('23505');
    // A referenced household or parcel must exist, in any province.
    expect(
      await refused(`UPDATE population.resident SET household_id = 999, relationship_to_head = 'CHILD' WHERE citizen_id = '079190000003'`),
    ).toBe('23503');
  });

  test('a resident who moves province moves partition, and the key follows; a new certificate takes over the key', async () => {
    await db.query(
      `UPDATE population.resident SET permanent_commune_code = '00004', permanent_province_code = '01' WHERE citizen_id = '079190000003'`,
    );
    expect(await partitionOf('population.resident', 'citizen_id = $1', ['079190000003'])).toEqual(['population.resident_p01']);
    expect(await db.query(`SELECT province_code FROM population.citizen_key WHERE citizen_id = '079190000003'`)).toEqual([
      { province_code: '01' },
    ]);
    await db.query(`UPDATE land.land_parcel SET certificate_number = 'BB 000002' WHERE id = 10`);
    expect(await db.query(`SELECT certificate_number FROM land.certificate_key ORDER BY 1`)).toEqual([{ certificate_number: 'BB 000002' }]);
    // The old number is free again; the new one is taken nationally.
    expect(await refused(`UPDATE land.land_parcel SET certificate_number = 'BB 000002' WHERE id = 11`)).toBe('23505');
  });

  /**
   * The loaders' reads by citizen ID and household id (readByKey), EXPLAINed with ANALYZE: the
   * statements they send are recorded, then run again under EXPLAIN. A partition counts as read
   * when its node ran (`Actual Loops` > 0): one pruned at plan time is absent, one pruned at run
   * time is there but never executed.
   */
  test("a lookup by citizen ID or household id reads one partition: its row's province, from the key table", async () => {
    const statements: { sql: string; params: unknown[] }[] = [];
    const recording = {
      query: (sql: string, params: unknown[]) => (statements.push({ sql, params }), db.query(sql, params)),
    } as unknown as DataSource;
    const partitionsRead = async (table: string): Promise<string[][]> => {
      const reads: string[][] = [];
      for (const { sql, params } of statements.filter((st) => st.sql.includes(`FROM ${table} `))) {
        const [row] = (await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)) as { 'QUERY PLAN': { Plan: ExplainNode }[] }[];
        const plan = row!['QUERY PLAN'];
        const ran = (n: ExplainNode): string[] => [
          ...(n['Relation Name']?.startsWith(`${table.split('.')[1]}_p`) && n['Actual Loops']! > 0 ? [n['Relation Name']] : []),
          ...(n.Plans ?? []).flatMap(ran),
        ];
        reads.push(ran((typeof plan === 'string' ? (JSON.parse(plan) as { Plan: ExplainNode }[]) : plan)[0]!.Plan));
      }
      return reads;
    };

    const central = createLoaders(recording, { kind: 'NATIONAL' }, disabledEntityCaching());
    expect((await central.residentById.load('079190000002'))?.fullName).toBe('B');
    expect(await central.householdById.load('2')).toMatchObject({ id: '2', provinceCode: '79' });
    // Unknown keys: the key table answers, no partition is read; a known one beside them is found.
    expect(await central.residentById.loadMany(['079199999999', '001085000001'])).toMatchObject([null, { citizenId: '001085000001' }]);
    expect(await central.householdById.load('999')).toBeNull();
    expect(await central.residentExists.load('079199999999')).toBeNull();
    // Plan-time pruning: the provinces are the statement's parameters.
    expect(await partitionsRead('population.resident')).toEqual([['resident_p79'], ['resident_p01']]);
    expect(await partitionsRead('population.household')).toEqual([['household_p79']]);

    // A row the province read does not return (hidden by the scope, or moved to another province between
    // the two statements) is read once more by ID alone, in one snapshot, through every partition's index.
    statements.length = 0;
    const elsewhere = createLoaders(recording, { kind: 'PROVINCE', provinceCode: '01' }, disabledEntityCaching());
    expect(await elsewhere.residentById.load('079190000002')).toBeNull();
    expect(await elsewhere.householdById.load('2')).toBeNull();
    const [pruned, again] = await partitionsRead('population.resident');
    expect(pruned).toEqual(['resident_p79']);
    expect(again).toHaveLength(PROVINCE_CODES.length + 1);
    // A province officer's scope names the province a household is in (its partition key): both reads are
    // pruned at plan time to their province's partition, here none and then theirs.
    expect(await partitionsRead('population.household')).toEqual([[], ['household_p01']]);

    // The move, between the key table's read and the partition's: the resident is still found, in their new province.
    let moved = false;
    const racing = {
      query: async (sql: string, params: unknown[]) => {
        if (!moved && sql.includes('permanent_province_code = ANY($2')) {
          moved = true;
          await db.query(
            `UPDATE population.resident SET permanent_commune_code = '26734', permanent_province_code = '79' WHERE citizen_id = '079190000003'`,
          );
        }
        return db.query(sql, params);
      },
    } as unknown as DataSource;
    const during = await createLoaders(racing, { kind: 'NATIONAL' }, disabledEntityCaching()).residentById.load('079190000003');
    expect(moved).toBe(true);
    expect(during).toMatchObject({ citizenId: '079190000003', permanentProvinceCode: '79' });
  });

  test('a province no partition names is stored in the default partition, never refused', async () => {
    await db.query(`INSERT INTO population.household (id, commune_code, province_code, address, head_citizen_id)
      VALUES (77, '99999', '99', 'new province', '001085000001')`);
    expect(await partitionOf('population.household', 'id = 77', [])).toEqual(['population.household_pdefault']);
  });
});

describe("a commune officer's province: from the token to the partition condition", () => {
  const officer = (claims: Record<string, unknown>) =>
    identityFromClaims({ role: 'COMMUNE_OFFICER', sub: 'o-1', commune: '00004', ...claims });

  test('the optional province claim reaches the jurisdiction; a malformed one refuses the token', () => {
    expect(jurisdictionOf(officer({ province: '01' }))).toEqual({ kind: 'COMMUNE', communeCode: '00004', provinceCode: '01' });
    expect(jurisdictionOf(officer({}))).toEqual({ kind: 'COMMUNE', communeCode: '00004' });
    expect(() => officer({ province: '1' })).toThrow(/province/);
  });

  test('it only narrows: the commune condition states the province where the column follows the commune', () => {
    const j = jurisdictionOf(officer({ province: '01' }));
    const columns = {
      commune: ['h.commune_code'],
      province: ['h.province_code'],
      communeProvince: { commune: 'h.commune_code', province: 'h.province_code' },
    };
    expect(scopeCondition(j, columns, 2)).toEqual({ sql: '((h.commune_code = $2 AND h.province_code = $3))', params: ['00004', '01'] });
    expect(scopeCondition(jurisdictionOf(officer({})), columns, 2)).toEqual({ sql: '(h.commune_code = $2)', params: ['00004'] });
    // Lists: only under the officer's own commune is the province known.
    expect(provinceOfCommunes(j, ['00004'])).toBe('01');
    expect(provinceOfCommunes(j, ['00004', '00008'])).toBeNull();
    expect(provinceOfCommunes({ kind: 'PROVINCE', provinceCode: '01' }, ['00004'])).toBeNull();
  });
});
