import { In, type DataSource } from 'typeorm';
import { loaderCaches, type EntityCaching } from '../../shared/cache/entityCache';
import { scopeCondition, type Jurisdiction, type ScopeColumns } from '../../shared/auth/jurisdiction';
import { groupedLoader, keyedLoader } from '../../shared/db/loaders';
import { keysetSource } from '../../shared/db/keyset';
import { connectionLoaders, type ListKind } from '../../shared/db/pagination';
import { Enterprise, type EnterpriseEvent } from './entities';

export const ENTERPRISE_LIST: ListKind = { name: 'enterprise', keyPattern: /^\d{10}(\d{3})?$/ };

/** The columns of an enterprise row, read from table alias `t`. */
export const enterpriseColumns = (t: string): string => `${t}.tax_code AS "taxCode", ${t}.name, ${t}.legal_form AS "legalForm",
  ${t}.status, ${t}.founded_on::text AS "foundedOn", ${t}.head_office_province_code AS "headOfficeProvinceCode",
  ${t}.head_office_commune_code AS "headOfficeCommuneCode", ${t}.head_office_address AS "headOfficeAddress",
  ${t}.charter_capital::float8 AS "charterCapital", ${t}.industry_codes AS "industryCodes",
  ${t}.legal_representative_id AS "legalRepresentativeId", ${t}.version`;

const EVENT_COLUMNS = `id::text AS id, tax_code AS "taxCode",
  to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt", kind, enterprise_version AS "enterpriseVersion",
  from_status AS "fromStatus", to_status AS "toStatus", from_representative_id AS "fromRepresentativeId",
  to_representative_id AS "toRepresentativeId", reason`;

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

/**
 * Per-request loaders of this subgraph: one SQL statement per batch, whatever the batch size. The
 * register is public (one cache key space for every caller); the link to a representative is
 * personal (keys carry the caller's scope).
 */
export function createLoaders(db: DataSource, jurisdiction: Jurisdiction, cache: EntityCaching) {
  const { scoped, shared } = loaderCaches(cache, 'enterprise', jurisdiction);
  return {
    enterpriseByTaxCode: keyedLoader(
      (codes: readonly string[]) => db.getRepository(Enterprise).findBy({ taxCode: In([...codes]) }),
      (e) => e.taxCode,
      shared('enterpriseByTaxCode', ['Enterprise']),
    ),
    /** The register's history of enterprises, oldest first (public; representatives are shown per jurisdiction by the resolver). */
    eventsOfEnterprise: groupedLoader(
      (codes: readonly string[]): Promise<EnterpriseEvent[]> =>
        db.query(`SELECT ${EVENT_COLUMNS} FROM enterprise.enterprise_event WHERE tax_code = ANY($1) ORDER BY id`, [codes]),
      (e) => e.taxCode,
      shared('eventsOfEnterprise', ['Enterprise']),
    ),
    eventById: keyedLoader(
      (ids: readonly string[]): Promise<EnterpriseEvent[]> =>
        db.query(`SELECT ${EVENT_COLUMNS} FROM enterprise.enterprise_event WHERE id = ANY($1::bigint[])`, [ids]),
      (e) => e.id,
      shared('eventById', ['Enterprise']),
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
      scoped('enterprisesOfRepresentative', ['Enterprise']),
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
      shared('enterprisesOfCommune', ['Enterprise']),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
