import { In, type DataSource } from 'typeorm';
import { scopeCondition, type Jurisdiction, type ScopeColumns } from '../../shared/jurisdiction';
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

/**
 * Jurisdiction over the link between an enterprise and its legal representative (the register
 * itself is public): the head office's commune or province; a citizen sees the enterprises they
 * represent.
 */
export const REPRESENTATIVE_SCOPE: ScopeColumns = {
  commune: ['enterprise.head_office_commune_code'],
  province: ['enterprise.head_office_province_code'],
  self: (p) => `enterprise.legal_representative_id = ${p}`,
};

/** Per-request loaders of this subgraph: one SQL statement per batch, whatever the batch size. */
export function createLoaders(db: DataSource, jurisdiction: Jurisdiction) {
  return {
    enterpriseByTaxCode: keyedLoader(
      (codes: readonly string[]) => db.getRepository(Enterprise).findBy({ taxCode: In([...codes]) }),
      (e) => e.taxCode,
    ),
    /** Enterprises a resident represents, within the caller's jurisdiction over that link. */
    enterprisesOfRepresentative: groupedLoader(
      (ids: readonly string[]): Promise<Enterprise[]> => {
        const scope = scopeCondition(jurisdiction, REPRESENTATIVE_SCOPE, 2);
        return db.query(
          `SELECT ${enterpriseColumns('enterprise')} FROM enterprise.enterprise
         WHERE legal_representative_id = ANY($1) AND ${scope.sql} ORDER BY tax_code`,
          [ids, ...scope.params],
        );
      },
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
