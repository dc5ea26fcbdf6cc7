import type { DataSource } from 'typeorm';
import { loaderCaches, type EntityCaching } from '../../shared/cache/entityCache';
import { scopeCondition, type Jurisdiction, type ScopeColumns } from '../../shared/auth/jurisdiction';
import { keysetSource } from '../../shared/db/keyset';
import { communeProvincesLookup, readByKey, type KeyTable, type ProvinceIndex } from '../../shared/db/partitions';
import { groupedLoader, keyedLoader } from '../../shared/db/loaders';
import { connectionLoaders, type ListKind } from '../../shared/db/pagination';
import type { Household, Resident } from './entities';

export const RESIDENT_LIST: ListKind = { name: 'resident', keyPattern: /^\d{12}$/ };
export const HOUSEHOLD_LIST: ListKind = { name: 'household', keyPattern: /^[1-9]\d{0,17}$/ };

export const RESIDENT_COLUMNS = `citizen_id AS "citizenId", full_name AS "fullName", birth_date::text AS "birthDate", sex,
  permanent_commune_code AS "permanentCommuneCode", current_commune_code AS "currentCommuneCode",
  permanent_province_code AS "permanentProvinceCode", current_province_code AS "currentProvinceCode",
  household_id::text AS "householdId", relationship_to_head AS "relationshipToHead", death_date::text AS "deathDate", version`;
export const HOUSEHOLD_COLUMNS = `id::text AS id, commune_code AS "communeCode", province_code AS "provinceCode", address, head_citizen_id AS "headCitizenId", version`;

/**
 * Jurisdiction over residents: a commune officer sees those whose permanent or current residence is
 * their commune, a provincial officer those of their province, a citizen themself.
 */
const RESIDENT_SCOPE: ScopeColumns = {
  commune: ['resident.permanent_commune_code', 'resident.current_commune_code'],
  province: ['resident.permanent_province_code', 'resident.current_province_code'],
  self: (p) => `resident.citizen_id = ${p}`,
};

/** Jurisdiction over households: where they are registered; a citizen sees the household they belong to. */
const HOUSEHOLD_SCOPE: ScopeColumns = {
  commune: ['household.commune_code'],
  province: ['household.province_code'],
  communeProvince: { commune: 'household.commune_code', province: 'household.province_code' },
  // The citizen's province, from the key table, lets PostgreSQL prune the lookup to their partition at run time.
  self: (p) =>
    `EXISTS (SELECT 1 FROM population.resident m WHERE m.household_id = household.id AND m.citizen_id = ${p}
       AND m.permanent_province_code = (SELECT k.province_code FROM population.citizen_key k WHERE k.citizen_id = ${p}))`,
};

/**
 * The key tables of the partitioned tables (migration 1769000000001-PartitionPopulation): reads by
 * citizen ID or household id go through them to the partition of the row's province ({@link readByKey}).
 */
export const CITIZEN_KEY: KeyTable = {
  table: 'population.resident',
  keyTable: 'population.citizen_key',
  key: 'citizen_id',
  keyType: 'varchar(12)',
  province: 'permanent_province_code',
};
export const HOUSEHOLD_KEY: KeyTable = {
  table: 'population.household',
  keyTable: 'population.household_key',
  key: 'id',
  keyType: 'bigint',
  province: 'province_code',
};

/**
 * The provinces holding a commune's residents (by permanent residence, the partition key) and
 * households, from this subgraph's own rows (migration 1770000000001-CommuneProvinces): a read of a
 * commune's list states them, so it reads that province's partition alone ({@link ProvinceIndex}).
 * Not the administrative-units subgraph's communes: a subgraph reads only its own tables, and these
 * are exactly the provinces the rows were written with.
 */
export const COMMUNE_PROVINCES: ProvinceIndex = {
  table: 'population.commune_province',
  keys: [{ name: 'commune_code', type: 'varchar(5)' }],
  sources: [
    { table: 'population.resident', keys: ['permanent_commune_code'], province: 'permanent_province_code' },
    { table: 'population.household', keys: ['commune_code'], province: 'province_code' },
  ],
};

/** Which column links a resident to a commune, per ResidenceKind (never user text in SQL). */
const RESIDENCE_COLUMN = { PERMANENT: 'permanent_commune_code', CURRENT: 'current_commune_code' } as const;
export type Residence = keyof typeof RESIDENCE_COLUMN;

/** Order of members in a household: head first, then by relationship and age. */
const MEMBER_ORDER = `CASE relationship_to_head WHEN 'HEAD' THEN 0 WHEN 'SPOUSE' THEN 1 ELSE 2 END, birth_date, citizen_id`;

/**
 * Per-request loaders of this subgraph, reading only what `jurisdiction` may see (a resident
 * outside it is indistinguishable from one that does not exist): one SQL statement per batch,
 * whatever the batch size (by citizen ID or household id a fixed few: the key table's, then the
 * partitions'; see readByKey; a commune's lists: their provinces once, then the list). Everything here is personal: every cache key carries the caller's scope.
 */
export function createLoaders(db: DataSource, jurisdiction: Jurisdiction, cache: EntityCaching) {
  const { scoped } = loaderCaches(cache, 'population', jurisdiction);
  const residents = (first: number) => scopeCondition(jurisdiction, RESIDENT_SCOPE, first);
  const households = (first: number) => scopeCondition(jurisdiction, HOUSEHOLD_SCOPE, first);
  /** Rows by their national key (through its key table, {@link readByKey}) that the caller's jurisdiction covers. */
  const inScopeByKey = <T>(
    key: KeyTable,
    ids: readonly string[],
    select: string,
    scopeOf: (first: number) => { sql: string; params: unknown[] },
    keyOf: (row: T) => string,
  ): Promise<T[]> =>
    readByKey(
      db,
      key,
      ids,
      (where) => {
        const scope = scopeOf(where.params.length + 1);
        return db.query(`${select} WHERE ${where.sql} AND ${scope.sql}`, [...where.params, ...scope.params]) as Promise<T[]>;
      },
      keyOf,
    );
  /** The provinces of a list's communes: the officer's own when their token states it, else COMMUNE_PROVINCES (once per request). */
  const provincesOfCommunes = communeProvincesLookup(db, COMMUNE_PROVINCES, jurisdiction);
  return {
    residentById: keyedLoader(
      (ids: readonly string[]) =>
        inScopeByKey(CITIZEN_KEY, ids, `SELECT ${RESIDENT_COLUMNS} FROM population.resident`, residents, (r: Resident) => r.citizenId),
      (r) => r.citizenId,
      scoped('residentById', ['Resident']),
    ),
    /**
     * Unscoped existence, only to tell a denied read from a miss in the audit log; never returned to a
     * client. The key table holds every resident's citizen ID: one index, no partition read.
     */
    residentExists: keyedLoader(
      (ids: readonly string[]): Promise<{ citizenId: string }[]> =>
        db.query(`SELECT citizen_id AS "citizenId" FROM population.citizen_key WHERE citizen_id = ANY($1)`, [ids]),
      (r) => r.citizenId,
      scoped('residentExists', ['Resident']),
    ),
    householdById: keyedLoader(
      (ids: readonly string[]) =>
        inScopeByKey(HOUSEHOLD_KEY, ids, `SELECT ${HOUSEHOLD_COLUMNS} FROM population.household`, households, (h: Household) => h.id),
      (h) => h.id,
      scoped('householdById', ['Household', 'Resident']),
    ),
    membersOfHousehold: groupedLoader(
      (ids: readonly string[]): Promise<Resident[]> => {
        const scope = residents(2);
        return db.query(
          `SELECT ${RESIDENT_COLUMNS} FROM population.resident WHERE household_id = ANY($1::bigint[]) AND ${scope.sql} ORDER BY ${MEMBER_ORDER}`,
          [ids, ...scope.params],
        );
      },
      (r) => r.householdId ?? '',
      scoped('membersOfHousehold', ['Resident', 'Household']),
    ),
    residentsOfCommune: connectionLoaders(
      keysetSource<Resident, Residence>(db, {
        kind: RESIDENT_LIST,
        table: 'population.resident',
        columns: RESIDENT_COLUMNS,
        parentColumn: (residence) => RESIDENCE_COLUMN[residence],
        keyColumn: 'citizen_id',
        keyType: 'text',
        keyOf: (r) => r.citizenId,
        scope: residents,
        // Residents are partitioned by their permanent residence's province: a current residence says nothing of it.
        partition: async (parents, residence) =>
          residence === 'PERMANENT' ? { column: 'permanent_province_code', values: await provincesOfCommunes(parents) } : null,
      }),
      scoped('residentsOfCommune', ['Resident']),
    ),
    householdsOfCommune: connectionLoaders(
      keysetSource<Household, undefined>(db, {
        kind: HOUSEHOLD_LIST,
        table: 'population.household',
        columns: HOUSEHOLD_COLUMNS,
        parentColumn: 'commune_code',
        keyColumn: 'id',
        keyType: 'bigint',
        keyOf: (h) => h.id,
        scope: households,
        partition: async (parents) => ({ column: 'province_code', values: await provincesOfCommunes(parents) }),
      }),
      scoped('householdsOfCommune', ['Household', 'Resident']),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
