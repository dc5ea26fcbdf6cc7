import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource, Logger } from 'typeorm';
import { createDataSource, migrate, type DatabaseTarget, type MigrationSet } from '../shared/db';
import { PROVINCE_CODES } from '../shared/db/partitions';
import { identityFromClaims } from '../shared/auth/identity';
import { jurisdictionOf, provinceOfCommunes, scopeCondition } from '../shared/auth/jurisdiction';
import { disabledEntityCaching } from '../shared/cache/entityCache';
import { land } from '../subgraphs/land/subgraph';
import { createLoaders as createLandLoaders } from '../subgraphs/land/loaders';
import { createRepository as createLandRepository } from '../subgraphs/land/repository';
import { createLoaders as createPopulationLoaders } from '../subgraphs/population/loaders';
import { population } from '../subgraphs/population/subgraph';
import { publicServices } from '../subgraphs/public-services/subgraph';
import { createLoaders, dossierScope as dossierScopeOf } from '../subgraphs/public-services/loaders';
import { PartitionDossiersByProvince1769100000005 } from '../subgraphs/public-services/migrations/1769100000005-PartitionDossiersByProvince';
import { PartitionLand1769000000002 } from '../subgraphs/land/migrations/1769000000002-PartitionLand';
import { PartitionPopulation1769000000001 } from '../subgraphs/population/migrations/1769000000001-PartitionPopulation';
import { AS } from './helpers/identities';
import { openOwnTarget } from './helpers/postgres';

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

/** `set` as it was before `next` (and the migrations after it). */
const before = (set: MigrationSet, next: Function): MigrationSet => ({
  ...set,
  migrations: set.migrations.slice(0, set.migrations.indexOf(next)),
});

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
    const own = await openOwnTarget('partitions');
    target = own.target;
    close = async () => {
      await db.destroy();
      await own.release();
    };
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
        certificate_number, address) VALUES (10, '01', '00004', 1, 1, 100, 'ODT', 'AA 000001', 'x'), (11, '79', '26734', 1, 1, 80, 'ODT', NULL, 'y'),
        (13, '01', '00004', 1, 2, 50, 'ODT', NULL, 'z')`);
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
    expect(await partitionOf('land.land_parcel', 'true', [])).toEqual([
      'land.land_parcel_p01',
      'land.land_parcel_p01',
      'land.land_parcel_p79',
    ]);
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
  /** Per recorded statement reading `table`, the partitions of it whose node ran, under EXPLAIN ANALYZE. */
  const partitionsRan = async (statements: readonly { sql: string; params: unknown[] }[], table: string): Promise<string[][]> => {
    const reads: string[][] = [];
    for (const { sql, params } of statements.filter((st) => new RegExp(`${table.replace('.', '\\.')}\\s`).test(st.sql))) {
      const [row] = (await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)) as { 'QUERY PLAN': { Plan: ExplainNode }[] }[];
      const plan = row!['QUERY PLAN'];
      const ran = (n: ExplainNode): string[] => [
        ...(n['Relation Name']?.startsWith(`${table.split('.')[1]}_p`) && n['Actual Loops']! > 0 ? [n['Relation Name']] : []),
        ...(n.Plans ?? []).flatMap(ran),
      ];
      reads.push(ran((typeof plan === 'string' ? (JSON.parse(plan) as { Plan: ExplainNode }[]) : plan)[0]!.Plan).sort());
    }
    return reads;
  };
  /** A DataSource that records the statements it sends in `statements`. */
  const recordingInto = (statements: { sql: string; params: unknown[] }[]): DataSource =>
    ({ query: (sql: string, params: unknown[]) => (statements.push({ sql, params }), db.query(sql, params)) }) as unknown as DataSource;

  test("a lookup by citizen ID or household id reads one partition: its row's province, from the key table", async () => {
    const statements: { sql: string; params: unknown[] }[] = [];
    const recording = {
      query: (sql: string, params: unknown[]) => (statements.push({ sql, params }), db.query(sql, params)),
    } as unknown as DataSource;
    const partitionsRead = (table: string) => partitionsRan(statements, table);

    const central = createPopulationLoaders(recording, { kind: 'NATIONAL' }, disabledEntityCaching());
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
    const elsewhere = createPopulationLoaders(recording, { kind: 'PROVINCE', provinceCode: '01' }, disabledEntityCaching());
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
    const during = await createPopulationLoaders(racing, { kind: 'NATIONAL' }, disabledEntityCaching()).residentById.load('079190000003');
    expect(moved).toBe(true);
    expect(during).toMatchObject({ citizenId: '079190000003', permanentProvinceCode: '79' });
  });

  /**
   * A central officer names a commune: its province comes from the subgraph's own table of the
   * provinces its rows were written with (ProvinceIndex in shared/db/partitions.ts), and every read
   * of the commune's lists states it, pruned at plan time. Before, each read planned and locked all
   * 35 partitions of its table and their indexes.
   */
  test("a central officer's commune lists and a holder's parcels read their provinces' partitions alone", async () => {
    const statements: { sql: string; params: unknown[] }[] = [];
    const recording = recordingInto(statements);
    expect(await db.query(`SELECT commune_code, province_code FROM population.commune_province ORDER BY 1, 2`)).toEqual([
      { commune_code: '00004', province_code: '01' },
      { commune_code: '26734', province_code: '79' },
    ]);
    // Filled by the migration from rows already there (two parcels in 00004: one pair).
    expect(await db.query(`SELECT commune_code, province_code FROM land.commune_province ORDER BY 1, 2`)).toEqual([
      { commune_code: '00004', province_code: '01' },
      { commune_code: '26734', province_code: '79' },
    ]);
    const population = createPopulationLoaders(recording, { kind: 'NATIONAL' }, disabledEntityCaching());
    const residents = await population.residentsOfCommune({ first: 10 }, 'PERMANENT').load('26734');
    expect(residents.totalCount).toBe(2);
    expect(residents.edges.map((e) => e.node.citizenId)).toEqual(['079190000002', '079190000003']);
    expect((await population.householdsOfCommune({ first: 10 }, undefined).load('00004')).edges.map((e) => e.node.id)).toEqual(['1']);
    // The page and the count, each in the one partition; one lookup for both.
    expect(await partitionsRan(statements, 'population.resident')).toEqual([['resident_p79'], ['resident_p79']]);
    expect(await partitionsRan(statements, 'population.household')).toEqual([['household_p01'], ['household_p01']]);
    expect(statements.filter((st) => st.sql.includes('population.commune_province')).length).toBe(2);

    // A commune no row names: an empty list, and no statement on the partitioned tables.
    statements.length = 0;
    const unknown = await createPopulationLoaders(recording, { kind: 'NATIONAL' }, disabledEntityCaching())
      .residentsOfCommune({ first: 10 }, 'PERMANENT')
      .load('99998');
    expect(unknown).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false } });
    expect(statements.filter((st) => st.sql.includes('population.resident'))).toEqual([]);

    // The scope stays: a provincial officer of 01 sees, of commune 26734 (province 79), only the resident living in 01.
    const elsewhere = createPopulationLoaders(recording, { kind: 'PROVINCE', provinceCode: '01' }, disabledEntityCaching());
    const theirs = await elsewhere.residentsOfCommune({ first: 10 }, 'PERMANENT').load('26734');
    expect([theirs.totalCount, theirs.edges.map((e) => e.node.citizenId)]).toEqual([1, ['079190000003']]);

    // Land: a commune's parcels and a holder's, in their provinces' partitions.
    statements.length = 0;
    const land = createLandLoaders(recording, { kind: 'NATIONAL' }, disabledEntityCaching());
    expect((await land.parcelsOfCommune({ first: 10 }, null).load('26734')).edges.map((e) => e.node.id)).toEqual(['11']);
    expect((await land.parcelsOfHolder.load('RESIDENT:001085000001')).map((p) => p.id)).toEqual(['10']);
    expect(await land.parcelsOfHolder.load('RESIDENT:001099999999')).toEqual([]);
    expect(await partitionsRan(statements, 'land.land_parcel')).toEqual([['land_parcel_p79'], ['land_parcel_p79'], ['land_parcel_p01']]);
    expect(await partitionsRan(statements, 'land.parcel_holder')).toEqual([['parcel_holder_p01']]);
    expect(statements.filter((st) => st.sql.includes('land.commune_province')).length).toBe(1);
    // The root list filtered by commune or holder alone: the same.
    statements.length = 0;
    const root = createLandRepository(recording, { kind: 'NATIONAL' });
    const page = { limit: 10, after: null };
    expect((await root.parcels({ communeCode: '26734' }, page)).rows.map((p) => p.id)).toEqual(['11']);
    expect((await root.parcels({ holderCitizenId: '001085000001' }, page)).total).toBe(1);
    expect(await root.parcels({ communeCode: '99998' }, page)).toEqual({ rows: [], total: 0 });
    expect(await partitionsRan(statements, 'land.land_parcel')).toEqual([
      ['land_parcel_p79'],
      ['land_parcel_p79'],
      ['land_parcel_p01'],
      ['land_parcel_p01'],
    ]);

    // Kept by the writes: rows in a province new to their commune or holder are found there too.
    await db.query(`INSERT INTO population.household (id, commune_code, province_code, address, head_citizen_id)
      VALUES (78, '00004', '79', 'moved', '001085000001')`);
    await db.query(`INSERT INTO land.parcel_holder (parcel_id, province_code, holder_type, holder_id, share)
      VALUES (11, '79', 'RESIDENT', '001085000001', 10)`);
    statements.length = 0;
    const later = createPopulationLoaders(recording, { kind: 'NATIONAL' }, disabledEntityCaching());
    expect((await later.householdsOfCommune({ first: 10 }, undefined).load('00004')).edges.map((e) => e.node.id)).toEqual(['1', '78']);
    const laterLand = createLandLoaders(recording, { kind: 'NATIONAL' }, disabledEntityCaching());
    expect((await laterLand.parcelsOfHolder.load('RESIDENT:001085000001')).map((p) => p.id)).toEqual(['10', '11']);
    expect(await partitionsRan(statements, 'population.household')).toEqual([
      ['household_p01', 'household_p79'],
      ['household_p01', 'household_p79'],
    ]);
    expect(await partitionsRan(statements, 'land.parcel_holder')).toEqual([['parcel_holder_p01', 'parcel_holder_p79']]);
    await db.query(`DELETE FROM land.parcel_holder WHERE parcel_id = 11 AND holder_id = '001085000001'`);
    await db.query(`DELETE FROM population.household WHERE id = 78`);
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

/** Every relation a plan reads (EXPLAIN FORMAT JSON). */
function relationsOf(plan: unknown): string[] {
  const node = plan as { 'Relation Name'?: string; Plans?: unknown[] };
  return [...(node['Relation Name'] ? [node['Relation Name']] : []), ...(node.Plans ?? []).flatMap(relationsOf)];
}

/** The statements sent while `label` is set, with their parameters. */
class Capture implements Logger {
  readonly statements: { sql: string; parameters: unknown[] }[] = [];
  on = false;
  logQuery(query: string, parameters?: unknown[]): void {
    if (this.on) this.statements.push({ sql: query, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

describe('dossiers by quarter and by province: conversion, national numbers, pruning', () => {
  let db: DataSource;
  let target: DatabaseTarget;
  let close: () => Promise<void>;
  const capture = new Capture();

  const DOSSIER = `INSERT INTO public_services.dossier (number, received_on, procedure_code, unit_type, unit_code, commune_code, province_code,
    applicant_type, applicant_id, channel, status, submitted_at, received_at, due_at, online_offered, fee_required, reporting_system,
    reported_at, last_event_at)
    SELECT n, to_date(split_part(n, '-', 2), 'YYMMDD'), '1.000001', 'COMMUNE', split_part(n, '-', 1), split_part(n, '-', 1), p, 'RESIDENT',
      '001085000001', 'ONLINE', 'RECEIVED', now(), now(), now(), true, false, 'test', now(), now()
    FROM unnest($1::text[], $2::text[]) AS x(n, p)`;
  const code = async (sql: string, params: unknown[] = []): Promise<string | undefined> => {
    try {
      await db.query(sql, params);
      return undefined;
    } catch (error) {
      return (error as { driverError?: { code?: string } }).driverError?.code;
    }
  };
  /** The relations the plan of each captured read of the dossier table reads. */
  const reads = async (run: () => Promise<unknown>): Promise<string[][]> => {
    capture.statements.length = 0;
    capture.on = true;
    await run().finally(() => (capture.on = false));
    const plans: string[][] = [];
    for (const { sql, parameters } of capture.statements.filter((st) => /public_services\.dossier\b/.test(st.sql))) {
      const [row] = (await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters)) as { 'QUERY PLAN': unknown }[];
      const plan = row!['QUERY PLAN'];
      plans.push(relationsOf((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan).filter((r) => r.startsWith('dossier_')));
    }
    return plans;
  };

  beforeAll(async () => {
    const own = await openOwnTarget('dossier_partitions');
    target = own.target;
    close = async () => {
      await db.destroy();
      await own.release();
    };
    // The table as it was (by quarter only), with dossiers of Hà Nội (01) and Hồ Chí Minh City (79) in it.
    await migrate(target, [before(publicServices, PartitionDossiersByProvince1769100000005)]);
    db = await createDataSource({ target, entities: [] });
    await db.initialize();
    await db.query(`INSERT INTO public_services.procedure (code, name, field, level, time_limit, time_unit, has_fee, online_level, paper_result,
      legal_basis_on, legal_basis) VALUES ('1.000001', 'Test', 'Test', 'COMMUNE', 5, 'WORKING_DAYS', false, 'FULL', false, '2025-07-01', 'x')`);
    await db.query(DOSSIER, [
      ['00004-240210-0001', '00004-250815-0001', '00004-250815-0002', '26734-250815-0001', '00004-251110-0001', '00004-260105-0001'],
      ['01', '01', '01', '79', '01', '01'],
    ]);
    await db.destroy();
    await migrate(target, [publicServices]);
    db = await createDataSource({ target, entities: [], logger: capture });
    await db.initialize();
    if (postgres) await db.query(`ANALYZE public_services.dossier`);
  }, 300_000);
  afterAll(async () => {
    await close?.();
  });

  test('existing dossiers were moved into their quarter and province partitions; quarters without rows stay whole', async () => {
    expect(await db.query(`SELECT number, tableoid::regclass::text AS p FROM public_services.dossier ORDER BY 1`)).toEqual([
      { number: '00004-240210-0001', p: 'public_services.dossier_2024q1' },
      { number: '00004-250815-0001', p: 'public_services.dossier_2025q3_p01' },
      { number: '00004-250815-0002', p: 'public_services.dossier_2025q3_p01' },
      { number: '00004-251110-0001', p: 'public_services.dossier_2025q4_p01' },
      { number: '00004-260105-0001', p: 'public_services.dossier_2026q1_p01' },
      { number: '26734-250815-0001', p: 'public_services.dossier_2025q3_p79' },
    ]);
    const count = async (parent: string) =>
      ((await db.query(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = $1::regclass`, [parent])) as { n: number }[])[0]!.n;
    expect(await count('public_services.dossier_2025q3')).toBe(35);
    expect(await count('public_services.dossier_2026q3')).toBe(1);
    expect(await count('public_services.dossier_2024q1')).toBe(0);
    expect(await db.query(`SELECT count(*)::int AS n FROM public_services.dossier_key`)).toEqual([{ n: 6 }]);
  });

  test('a dossier number is unique across provinces, matches its date, and neither it nor the province changes', async () => {
    // The same number received by a unit of another province: refused by the national key table.
    expect(await code(DOSSIER, [['00004-250815-0001'], ['79']])).toBe('23505');
    // In the same province the primary key refuses it (ON CONFLICT DO NOTHING skips it, as the writes rely on).
    expect(await code(DOSSIER, [['00004-250815-0001'], ['01']])).toBe('23505');
    expect(await code(`UPDATE public_services.dossier SET province_code = '79' WHERE number = '00004-250815-0002'`)).toBe('23514');
    expect(await code(`UPDATE public_services.dossier SET received_on = '2025-08-16' WHERE number = '00004-250815-0002'`)).toBe('23514');
    expect(await code(`UPDATE public_services.dossier SET status = 'IN_PROGRESS' WHERE number = '00004-250815-0002'`)).toBeUndefined();
  });

  test("a commune officer's dossiers read one province partition per quarter; with the period, one table", async () => {
    const officer = createLoaders(db, jurisdictionOf(AS.communeOfficer('00004', '01')), disabledEntityCaching());
    const plans = await reads(async () => {
      const page = await officer.dossiersOfUnit({ first: 10 }, null).load('00004');
      expect(page.totalCount).toBe(5);
    });
    expect(plans.length).toBe(2); // the page and the count
    for (const relations of plans) {
      const quarters = relations.map((r) => /^dossier_(\d{4}q\d|default)/.exec(r)![1]);
      // One table per quarter: its province's where it is split, its only one where it is not.
      expect(new Set(quarters).size).toBe(quarters.length);
      expect(relations).toEqual(expect.arrayContaining(['dossier_2025q3_p01', 'dossier_2025q4_p01', 'dossier_2026q1_p01']));
      expect(relations.filter((r) => /_p(?!01)\w+$/.test(r) && !r.endsWith('_pdefault'))).toEqual([]);
    }
    // A provincial officer's reads state the province as well.
    const province = createLoaders(db, jurisdictionOf(AS.provinceOfficer('79')), disabledEntityCaching());
    for (const relations of await reads(() => province.dossiersOfUnit({ first: 10 }, null).load('26734'))) {
      expect(relations).toContain('dossier_2025q3_p79');
      expect(relations.filter((r) => /_p01$/.test(r))).toEqual([]);
    }
    // Without the province, every province's table of each split quarter (through its index).
    const unstated = createLoaders(db, jurisdictionOf(AS.communeOfficer('00004')), disabledEntityCaching());
    const [all] = await reads(() => unstated.dossiersOfUnit({ first: 10 }, null).load('00004'));
    expect(all!.filter((r) => r.startsWith('dossier_2025q3_')).length).toBe(35);
    // The commune's condition and a period: one table.
    const j = scopeCondition(jurisdictionOf(AS.communeOfficer('00004', '01')), dossierScopeOf('d'), 1);
    const [row] = (await db.query(
      `EXPLAIN (FORMAT JSON) SELECT count(*) FROM public_services.dossier d
       WHERE ${j.sql} AND d.received_on >= '2025-07-01' AND d.received_on < '2025-10-01'`,
      j.params,
    )) as { 'QUERY PLAN': unknown }[];
    const plan = row!['QUERY PLAN'];
    expect(relationsOf((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan)).toEqual(['dossier_2025q3_p01']);
  });

  test('a dossier looked up by number reads its one table (the key table names the province)', async () => {
    const officer = createLoaders(db, jurisdictionOf(AS.communeOfficer('00004', '01')), disabledEntityCaching());
    const plans = await reads(async () => {
      expect((await officer.dossierByNumber.load('00004-250815-0001'))?.number).toBe('00004-250815-0001');
    });
    expect(plans).toEqual([['dossier_2025q3_p01']]);
  });
});
