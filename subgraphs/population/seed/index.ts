import type { EntityManager } from 'typeorm';
import { foldForSearch } from '../../../shared/graphql/text';

/**
 * Bulk writers for households and residents, fed by the synthetic seeder (hub/seed). Each call
 * sends one multi-row INSERT per table (`unnest` of column arrays) and skips rows whose key
 * already exists, so re-running a seed is idempotent and a larger seed only adds rows.
 */

export type Sex = 'MALE' | 'FEMALE';
export type RelationshipToHead = 'HEAD' | 'SPOUSE' | 'CHILD' | 'PARENT' | 'SIBLING' | 'GRANDCHILD' | 'GRANDPARENT' | 'OTHER';

/** One row of population.household. */
export interface HouseholdRow {
  id: number;
  communeCode: string;
  provinceCode: string;
  address: string;
  headCitizenId: string;
}

/** One row of population.resident; `search_name` is derived here from `fullName`. */
export interface ResidentRow {
  citizenId: string;
  fullName: string;
  /** ISO date, YYYY-MM-DD. */
  birthDate: string;
  sex: Sex;
  permanentCommuneCode: string;
  permanentProvinceCode: string;
  currentCommuneCode: string;
  currentProvinceCode: string;
  householdId: number | null;
  relationshipToHead: RelationshipToHead | null;
}

export interface PopulationRows {
  households: readonly HouseholdRow[];
  residents: readonly ResidentRow[];
}

/** Rows actually written (rows already present are skipped). */
export interface PopulationInserted {
  households: number;
  residents: number;
}

async function insertRows(m: EntityManager, sql: string, columns: unknown[][]): Promise<number> {
  if (!m.queryRunner) throw new Error('insertPopulation needs the EntityManager of a transaction (db.transaction(async (m) => …))');
  const result = await m.queryRunner.query(sql, columns, true);
  return result.affected ?? 0;
}

/**
 * Writes households and their residents inside the caller's transaction. The household → head
 * foreign key is DEFERRABLE INITIALLY DEFERRED, so both tables must be written in the same
 * transaction (checked at commit), in either order.
 */
export async function insertPopulation(m: EntityManager, rows: PopulationRows): Promise<PopulationInserted> {
  const { households, residents } = rows;
  let insertedHouseholds = 0;
  let insertedResidents = 0;
  if (households.length > 0) {
    insertedHouseholds = await insertRows(
      m,
      `INSERT INTO population.household (id, commune_code, province_code, address, head_citizen_id)
       SELECT * FROM unnest($1::bigint[], $2::text[], $5::text[], $3::text[], $4::text[])
       ON CONFLICT DO NOTHING`,
      [
        households.map((h) => h.id),
        households.map((h) => h.communeCode),
        households.map((h) => h.address),
        households.map((h) => h.headCitizenId),
        households.map((h) => h.provinceCode),
      ],
    );
  }
  if (residents.length > 0) {
    insertedResidents = await insertRows(
      m,
      `INSERT INTO population.resident (citizen_id, full_name, search_name, birth_date, sex, permanent_commune_code,
         current_commune_code, household_id, relationship_to_head, permanent_province_code, current_province_code)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[],
         $10::text[], $11::text[])
       ON CONFLICT DO NOTHING`,
      [
        residents.map((r) => r.citizenId),
        residents.map((r) => r.fullName),
        residents.map((r) => foldForSearch(r.fullName)),
        residents.map((r) => r.birthDate),
        residents.map((r) => r.sex),
        residents.map((r) => r.permanentCommuneCode),
        residents.map((r) => r.currentCommuneCode),
        residents.map((r) => r.householdId),
        residents.map((r) => r.relationshipToHead),
        residents.map((r) => r.permanentProvinceCode),
        residents.map((r) => r.currentProvinceCode),
      ],
    );
  }
  return { households: insertedHouseholds, residents: insertedResidents };
}
