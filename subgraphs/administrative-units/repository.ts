import type { DataSource } from 'typeorm';
import type { PageRequest } from '../../shared/db/pagination';
import type { Commune, LegacyUnit, Province } from './entities';
import { COMMUNE_COLUMNS } from './loaders';

export interface CommuneFilter {
  provinceCode: string | null;
  type: string | null;
  search: string | null;
}

const LEGACY_COLUMNS = `level, code, name, legacy_province_code AS "legacyProvinceCode", legacy_district_code AS "legacyDistrictCode",
  new_province_code AS "newProvinceCode", status, correction`;

/** Root-level lists (nested lists go through loaders). */
export function createRepository(db: DataSource) {
  return {
    async provinces(search: string | null): Promise<Province[]> {
      return db.query(
        `SELECT code, name, full_name AS "fullName", type, effective_from::text AS "effectiveFrom" FROM administrative_units.province
         WHERE ($1::text IS NULL OR search_name LIKE $1) ORDER BY code`,
        [search],
      );
    },
    async communes(filter: CommuneFilter, page: PageRequest): Promise<{ rows: Commune[]; total: number }> {
      const where = `($1::text IS NULL OR province_code = $1) AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR search_name LIKE $3)`;
      const params = [filter.provinceCode, filter.type, filter.search];
      const [rows, count] = await Promise.all([
        db.query(
          `SELECT ${COMMUNE_COLUMNS} FROM administrative_units.commune WHERE ${where} AND ($4::text IS NULL OR code > $4) ORDER BY code LIMIT $5`,
          [...params, page.after, page.limit + 1],
        ),
        db.query(`SELECT count(*)::int AS n FROM administrative_units.commune WHERE ${where}`, params),
      ]);
      return { rows, total: (count as { n: number }[])[0]?.n ?? 0 };
    },
    async legacyUnits(search: string, level: string | null, page: PageRequest): Promise<{ rows: LegacyUnit[]; total: number }> {
      const where = `search_name LIKE $1 AND ($2::text IS NULL OR level = $2)`;
      const [afterLevel, afterCode] = page.after ? page.after.split(':') : [null, null];
      const [rows, count] = await Promise.all([
        db.query(
          `SELECT ${LEGACY_COLUMNS} FROM administrative_units.legacy_unit WHERE ${where}
               AND ($3::text IS NULL OR (level, code) > ($3, $4)) ORDER BY level, code LIMIT $5`,
          [search, level, afterLevel, afterCode, page.limit + 1],
        ),
        db.query(`SELECT count(*)::int AS n FROM administrative_units.legacy_unit WHERE ${where}`, [search, level]),
      ]);
      return { rows, total: (count as { n: number }[])[0]?.n ?? 0 };
    },
  };
}
