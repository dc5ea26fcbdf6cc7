import { In, type DataSource } from 'typeorm';
import { groupedLoader, keyedLoader } from '../../shared/loaders';
import { keysetSource } from '../../shared/keyset';
import { connectionLoaders, type ListKind } from '../../shared/pagination';
import { Household, Resident } from './entities';

export const RESIDENT_LIST: ListKind = { name: 'resident', keyPattern: /^\d{12}$/ };
export const HOUSEHOLD_LIST: ListKind = { name: 'household', keyPattern: /^[1-9]\d{0,17}$/ };

const RESIDENT_COLUMNS = `citizen_id AS "citizenId", full_name AS "fullName", birth_date::text AS "birthDate", sex,
  permanent_commune_code AS "permanentCommuneCode", current_commune_code AS "currentCommuneCode",
  household_id::text AS "householdId", relationship_to_head AS "relationshipToHead"`;

/** Which column links a resident to a commune, per ResidenceKind (never user text in SQL). */
const RESIDENCE_COLUMN = { PERMANENT: 'permanent_commune_code', CURRENT: 'current_commune_code' } as const;
export type Residence = keyof typeof RESIDENCE_COLUMN;

/** Order of members in a household: head first, then by relationship and age. */
const MEMBER_ORDER = `CASE relationship_to_head WHEN 'HEAD' THEN 0 WHEN 'SPOUSE' THEN 1 ELSE 2 END, birth_date, citizen_id`;

/** Per-request loaders of this subgraph: one SQL statement per batch, whatever the batch size. */
export function createLoaders(db: DataSource) {
  return {
    residentById: keyedLoader(
      (ids: readonly string[]) => db.getRepository(Resident).findBy({ citizenId: In([...ids]) }),
      (r) => r.citizenId,
    ),
    householdById: keyedLoader(
      (ids: readonly string[]) => db.getRepository(Household).findBy({ id: In([...ids]) }),
      (h) => h.id,
    ),
    membersOfHousehold: groupedLoader(
      (ids: readonly string[]): Promise<Resident[]> =>
        db.query(`SELECT ${RESIDENT_COLUMNS} FROM population.resident WHERE household_id = ANY($1::bigint[]) ORDER BY ${MEMBER_ORDER}`, [
          ids,
        ]),
      (r) => r.householdId ?? '',
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
      }),
    ),
    householdsOfCommune: connectionLoaders(
      keysetSource<Household, undefined>(db, {
        kind: HOUSEHOLD_LIST,
        table: 'population.household',
        columns: `id::text AS id, commune_code AS "communeCode", address, head_citizen_id AS "headCitizenId"`,
        parentColumn: 'commune_code',
        keyColumn: 'id',
        keyType: 'bigint',
        keyOf: (h) => h.id,
      }),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
