import type { DataSource } from 'typeorm';
import type { PageRequest } from '../../shared/db/pagination';
import type { Enterprise } from './entities';
import { enterpriseColumns } from './loaders';

/** A validated enterprise filter. */
export interface EnterpriseFilter {
  provinceCode: string | null;
  communeCode: string | null;
  status: string | null;
  /** A LIKE pattern over the folded name. */
  search: string | null;
}

/** Root-level lists (nested lists go through loaders). */
export function createRepository(db: DataSource) {
  return {
    async enterprises(filter: EnterpriseFilter, page: PageRequest): Promise<{ rows: Enterprise[]; total: number }> {
      const where = `($1::text IS NULL OR head_office_province_code = $1) AND ($2::text IS NULL OR head_office_commune_code = $2)
        AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR search_name LIKE $4)`;
      const params = [filter.provinceCode, filter.communeCode, filter.status, filter.search];
      const [rows, count] = await Promise.all([
        db.query(
          `SELECT ${enterpriseColumns('enterprise')} FROM enterprise.enterprise WHERE ${where}
               AND ($5::text IS NULL OR tax_code > $5) ORDER BY tax_code LIMIT $6`,
          [...params, page.after, page.limit + 1],
        ),
        db.query(`SELECT count(*)::int AS n FROM enterprise.enterprise WHERE ${where}`, params),
      ]);
      return { rows, total: (count as { n: number }[])[0]?.n ?? 0 };
    },
  };
}
