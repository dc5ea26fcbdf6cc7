import { In, type DataSource } from 'typeorm';
import { groupedLoader, keyedLoader } from '../../shared/loaders';
import { connectionLoaders, groupBy, type ListKind } from '../../shared/pagination';
import { Enterprise } from './entities';

export const ENTERPRISE_LIST: ListKind = { name: 'enterprise', keyPattern: /^\d{10}(\d{3})?$/ };

/** The columns of an enterprise row, read from table alias `t`. */
export const enterpriseColumns = (t: string): string => `${t}.tax_code AS "taxCode", ${t}.name, ${t}.legal_form AS "legalForm",
  ${t}.status, ${t}.founded_on::text AS "foundedOn", ${t}.head_office_province_code AS "headOfficeProvinceCode",
  ${t}.head_office_commune_code AS "headOfficeCommuneCode", ${t}.head_office_address AS "headOfficeAddress",
  ${t}.charter_capital::float8 AS "charterCapital", ${t}.industry_codes AS "industryCodes",
  ${t}.legal_representative_id AS "legalRepresentativeId"`;

/** Per-request loaders of this subgraph: one SQL statement per batch, whatever the batch size. */
export function createLoaders(db: DataSource) {
  return {
    enterpriseByTaxCode: keyedLoader(
      (codes: readonly string[]) => db.getRepository(Enterprise).findBy({ taxCode: In([...codes]) }),
      (e) => e.taxCode,
    ),
    enterprisesOfRepresentative: groupedLoader(
      (ids: readonly string[]) =>
        db.getRepository(Enterprise).find({ where: { legalRepresentativeId: In([...ids]) }, order: { taxCode: 'ASC' } }),
      (e) => e.legalRepresentativeId,
    ),
    enterprisesOfCommune: connectionLoaders<string, Enterprise, string | null>({
      kind: ENTERPRISE_LIST,
      keyOf: (e) => e.taxCode,
      pages: async (communes, page, status) => {
        const rows: Enterprise[] = await db.query(
          `SELECT e.* FROM unnest($1::text[]) AS c(code) CROSS JOIN LATERAL (
             SELECT ${enterpriseColumns('enterprise')} FROM enterprise.enterprise
             WHERE head_office_commune_code = c.code AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR tax_code > $3)
             ORDER BY tax_code LIMIT $4) e`,
          [communes, status, page.after, page.limit + 1],
        );
        return groupBy(rows, (r) => r.headOfficeCommuneCode);
      },
      counts: async (communes, status) => {
        const rows: { key: string; n: number }[] = await db.query(
          `SELECT head_office_commune_code AS key, count(*)::int AS n FROM enterprise.enterprise
           WHERE head_office_commune_code = ANY($1) AND ($2::text IS NULL OR status = $2) GROUP BY head_office_commune_code`,
          [communes, status],
        );
        return new Map(rows.map((r) => [r.key, r.n]));
      },
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
