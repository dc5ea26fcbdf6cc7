import type { DataSource } from 'typeorm';
import { loaderCaches, type EntityCaching } from '../../shared/cache/entityCache';
import { provinceOfCommunes, scopeCondition, type Jurisdiction, type ScopeColumns } from '../../shared/auth/jurisdiction';
import { keysetSource } from '../../shared/db/keyset';
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
  self: (p) => `EXISTS (SELECT 1 FROM population.resident m WHERE m.household_id = household.id AND m.citizen_id = ${p})`,
};

/** Which column links a resident to a commune, per ResidenceKind (never user text in SQL). */
const RESIDENCE_COLUMN = { PERMANENT: 'permanent_commune_code', CURRENT: 'current_commune_code' } as const;
export type Residence = keyof typeof RESIDENCE_COLUMN;

/** Order of members in a household: head first, then by relationship and age. */
const MEMBER_ORDER = `CASE relationship_to_head WHEN 'HEAD' THEN 0 WHEN 'SPOUSE' THEN 1 ELSE 2 END, birth_date, citizen_id`;

/**
 * Per-request loaders of this subgraph, reading only what `jurisdiction` may see (a resident
 * outside it is indistinguishable from one that does not exist): one SQL statement per batch,
 * whatever the batch size. Everything here is personal: every cache key carries the caller's scope.
 */
export function createLoaders(db: DataSource, jurisdiction: Jurisdiction, cache: EntityCaching) {
  const { scoped } = loaderCaches(cache, 'population', jurisdiction);
  const residents = (first: number) => scopeCondition(jurisdiction, RESIDENT_SCOPE, first);
  const households = (first: number) => scopeCondition(jurisdiction, HOUSEHOLD_SCOPE, first);
  return {
    residentById: keyedLoader(
      (ids: readonly string[]): Promise<Resident[]> => {
        const scope = residents(2);
        return db.query(`SELECT ${RESIDENT_COLUMNS} FROM population.resident WHERE citizen_id = ANY($1) AND ${scope.sql}`, [
          ids,
          ...scope.params,
        ]);
      },
      (r) => r.citizenId,
      scoped('residentById', ['Resident']),
    ),
    /** Unscoped existence, only to tell a denied read from a miss in the audit log; never returned to a client. */
    residentExists: keyedLoader(
      (ids: readonly string[]): Promise<{ citizenId: string }[]> =>
        db.query(`SELECT citizen_id AS "citizenId" FROM population.resident WHERE citizen_id = ANY($1)`, [ids]),
      (r) => r.citizenId,
      scoped('residentExists', ['Resident']),
    ),
    householdById: keyedLoader(
      (ids: readonly string[]): Promise<Household[]> => {
        const scope = households(2);
        return db.query(`SELECT ${HOUSEHOLD_COLUMNS} FROM population.household WHERE id = ANY($1::bigint[]) AND ${scope.sql}`, [
          ids,
          ...scope.params,
        ]);
      },
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
        // Residents are partitioned by their permanent residence's province: known for a commune officer's own commune.
        partition: (parents, residence) => {
          const province = residence === 'PERMANENT' ? provinceOfCommunes(jurisdiction, parents) : null;
          return province ? { column: 'permanent_province_code', value: province } : null;
        },
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
      }),
      scoped('householdsOfCommune', ['Household', 'Resident']),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
