import { In, type DataSource } from 'typeorm';
import { groupedLoader, keyedLoader } from '../../shared/loaders';
import { connectionLoaders, groupBy, type ListKind } from '../../shared/pagination';
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
        db.query(`SELECT ${RESIDENT_COLUMNS} FROM population.resident WHERE household_id = ANY($1::bigint[]) ORDER BY ${MEMBER_ORDER}`, [ids]),
      (r) => r.householdId ?? '',
    ),
    residentsOfCommune: connectionLoaders<string, Resident, Residence>({
      kind: RESIDENT_LIST,
      keyOf: (r) => r.citizenId,
      pages: async (communes, page, residence) => {
        const column = RESIDENCE_COLUMN[residence];
        const rows: (Resident & { parent: string })[] = await db.query(
          `SELECT p.code AS parent, r.* FROM unnest($1::text[]) AS p(code) CROSS JOIN LATERAL (
             SELECT ${RESIDENT_COLUMNS} FROM population.resident
             WHERE ${column} = p.code AND ($2::text IS NULL OR citizen_id > $2) ORDER BY citizen_id LIMIT $3) r`,
          [communes, page.after, page.limit + 1],
        );
        return groupBy(rows, (r) => r.parent);
      },
      counts: async (communes, residence) => {
        const column = RESIDENCE_COLUMN[residence];
        const rows: { key: string; n: number }[] = await db.query(
          `SELECT ${column} AS key, count(*)::int AS n FROM population.resident WHERE ${column} = ANY($1) GROUP BY ${column}`,
          [communes],
        );
        return new Map(rows.map((r) => [r.key, r.n]));
      },
    }),
    householdsOfCommune: connectionLoaders<string, Household, undefined>({
      kind: HOUSEHOLD_LIST,
      keyOf: (h) => h.id,
      pages: async (communes, page) => {
        const rows: Household[] = await db.query(
          `SELECT h.* FROM unnest($1::text[]) AS p(code) CROSS JOIN LATERAL (
             SELECT id::text AS id, commune_code AS "communeCode", address, head_citizen_id AS "headCitizenId"
             FROM population.household WHERE commune_code = p.code AND ($2::bigint IS NULL OR id > $2::bigint)
             ORDER BY id LIMIT $3) h`,
          [communes, page.after, page.limit + 1],
        );
        return groupBy(rows, (r) => r.communeCode);
      },
      counts: async (communes) => {
        const rows: { key: string; n: number }[] = await db.query(
          `SELECT commune_code AS key, count(*)::int AS n FROM population.household WHERE commune_code = ANY($1) GROUP BY commune_code`,
          [communes],
        );
        return new Map(rows.map((r) => [r.key, r.n]));
      },
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
