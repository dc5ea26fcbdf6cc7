import type { EntityManager } from 'typeorm';
import { foldForSearch } from '../../../shared/graphql/text';

/**
 * Bulk writer for the enterprise register, fed by the synthetic seeder (hub/seed). One multi-row
 * INSERT per call; enterprises whose tax code already exists are skipped.
 */

export type LegalForm = 'SOLE_PROPRIETORSHIP' | 'PARTNERSHIP' | 'SINGLE_MEMBER_LLC' | 'MULTI_MEMBER_LLC' | 'JOINT_STOCK_COMPANY';
export type EnterpriseStatus = 'ACTIVE' | 'SUSPENDED' | 'DISSOLVED';

/** One row of enterprise.enterprise; `search_name` is derived here from `name`. */
export interface EnterpriseRow {
  taxCode: string;
  name: string;
  legalForm: LegalForm;
  status: EnterpriseStatus;
  /** ISO date, YYYY-MM-DD. */
  foundedOn: string;
  headOfficeProvinceCode: string;
  headOfficeCommuneCode: string;
  headOfficeAddress: string;
  /** Whole VND. */
  charterCapital: number;
  /** VSIC 4-digit codes, main activity first. */
  industryCodes: readonly string[];
  legalRepresentativeId: string;
}

/**
 * Writes enterprises inside the caller's transaction and returns how many were new. Industry codes
 * travel as comma-joined text because `unnest` would flatten a two-dimensional array.
 */
export async function insertEnterprises(m: EntityManager, rows: readonly EnterpriseRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (!m.queryRunner) throw new Error('insertEnterprises needs the EntityManager of a transaction (db.transaction(async (m) => …))');
  for (const row of rows) {
    if (row.industryCodes.some((code) => !/^\d{4}$/.test(code)))
      throw new Error(`Enterprise ${row.taxCode}: bad industry codes ${row.industryCodes.join(',')}`);
  }
  const result = await m.queryRunner.query(
    `INSERT INTO enterprise.enterprise (tax_code, name, search_name, legal_form, status, founded_on, head_office_province_code,
       head_office_commune_code, head_office_address, charter_capital, industry_codes, legal_representative_id)
     SELECT t, n, s, f, st, d, p, c, a, cap, string_to_array(ic, ','), r
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[], $8::text[], $9::text[],
       $10::numeric[], $11::text[], $12::text[]) AS u(t, n, s, f, st, d, p, c, a, cap, ic, r)
     ON CONFLICT DO NOTHING`,
    [
      rows.map((e) => e.taxCode),
      rows.map((e) => e.name),
      rows.map((e) => foldForSearch(e.name)),
      rows.map((e) => e.legalForm),
      rows.map((e) => e.status),
      rows.map((e) => e.foundedOn),
      rows.map((e) => e.headOfficeProvinceCode),
      rows.map((e) => e.headOfficeCommuneCode),
      rows.map((e) => e.headOfficeAddress),
      rows.map((e) => String(e.charterCapital)),
      rows.map((e) => e.industryCodes.join(',')),
      rows.map((e) => e.legalRepresentativeId),
    ],
    true,
  );
  return result.affected ?? 0;
}
