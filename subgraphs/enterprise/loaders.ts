import { In, type DataSource } from 'typeorm';
import { groupedLoader, keyedLoader } from '../../shared/loaders';
import { keysetSource } from '../../shared/keyset';
import { connectionLoaders, type ListKind } from '../../shared/pagination';
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
    enterprisesOfCommune: connectionLoaders(
      keysetSource<Enterprise, string | null>(db, {
        kind: ENTERPRISE_LIST,
        table: 'enterprise.enterprise',
        columns: enterpriseColumns('enterprise'),
        parentColumn: 'head_office_commune_code',
        keyColumn: 'tax_code',
        keyType: 'text',
        filterColumn: 'status',
        keyOf: (e) => e.taxCode,
      }),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
