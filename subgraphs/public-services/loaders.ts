import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { loaderCaches, type EntityCaching } from '../../shared/cache/entityCache';
import { scopeCondition, type Jurisdiction, type ScopeColumns } from '../../shared/auth/jurisdiction';
import { groupedLoader, keyedLoader } from '../../shared/db/loaders';
import { keysetSource } from '../../shared/db/keyset';
import { connectionLoaders, type ListKind } from '../../shared/db/pagination';
import type { Department, Procedure } from './entities';
import { provincesOfNumbers } from './dossierKey';
import { parseDossierNumber } from './numbers';
import { createRepository, type UnitScope } from './repository';
import type { Period } from './evaluation/period';
import type { PeriodCounters } from './evaluation/score';

export const DOSSIER_LIST: ListKind = { name: 'dossier', keyPattern: /^[0-9A-Z.]{5,20}-\d{6}-\d{4,6}$/ };

/** A dossier as read: its row with instants as Date. */
export interface DossierRow {
  number: string;
  receivedOn: string;
  procedureCode: string;
  unitType: 'COMMUNE' | 'DEPARTMENT';
  unitCode: string;
  communeCode: string | null;
  provinceCode: string;
  applicantType: 'RESIDENT' | 'ENTERPRISE';
  applicantId: string;
  channel: string;
  status: string;
  submittedAt: Date;
  receivedAt: Date;
  dueAt: Date;
  finishedAt: Date | null;
  returnedAt: Date | null;
  supplementCount: number;
  paidOnline: boolean;
  digitised: boolean;
  reusedData: boolean;
  fromDataStore: boolean;
  vneidVerified: boolean;
  electronicResult: boolean;
  reportingSystem: string;
  version: number;
}

/** The columns of a dossier row, read from table alias `t` (instants as ISO text, so rows are plain JSON for the cache). */
export const dossierColumns = (t: string): string => `${t}.number, to_char(${t}.received_on, 'YYYY-MM-DD') AS "receivedOn",
  ${t}.procedure_code AS "procedureCode", ${t}.unit_type AS "unitType", ${t}.unit_code AS "unitCode", ${t}.commune_code AS "communeCode",
  ${t}.province_code AS "provinceCode", ${t}.applicant_type AS "applicantType", ${t}.applicant_id AS "applicantId", ${t}.channel, ${t}.status,
  ${t}.submitted_at AS "submittedAt", ${t}.received_at AS "receivedAt", ${t}.due_at AS "dueAt", ${t}.finished_at AS "finishedAt",
  ${t}.returned_at AS "returnedAt", ${t}.supplement_count AS "supplementCount", ${t}.paid_online AS "paidOnline", ${t}.digitised,
  ${t}.reused_data AS "reusedData", ${t}.from_data_store AS "fromDataStore", ${t}.vneid_verified AS "vneidVerified",
  ${t}.electronic_result AS "electronicResult", ${t}.reporting_system AS "reportingSystem", ${t}.version`;

/**
 * Jurisdiction over dossiers, on table alias `t`: the receiving unit's place (a commune officer sees
 * their commune's; a provincial officer their province's, departments included); a citizen sees
 * the dossiers they submitted. The public sees none.
 */
export const dossierScope = (t: string): ScopeColumns => ({
  commune: [`${t}.commune_code`],
  province: [`${t}.province_code`],
  // A commune's dossiers are in its province's partition of each quarter: a commune officer's reads say which.
  communeProvince: { commune: `${t}.commune_code`, province: `${t}.province_code` },
  self: (p) => `(${t}.applicant_type = 'RESIDENT' AND ${t}.applicant_id = ${p})`,
});

/** `TYPE:id` of an applicant. */
export const applicantKey = (type: 'RESIDENT' | 'ENTERPRISE', id: string): string => `${type}:${id}`;

const PROCEDURE_COLUMNS = `code, name, field, level, time_limit::float8 AS "timeLimit", time_unit AS "timeLimitUnit", has_fee AS "hasFee",
  online_level AS "onlineLevel", paper_result AS "paperResult", to_char(published_on, 'YYYY-MM-DD') AS "publishedOn",
  to_char(legal_basis_on, 'YYYY-MM-DD') AS "legalBasisEffectiveOn", legal_basis AS "legalBasis"`;

/**
 * Per-request loaders of this subgraph: dossiers only within `jurisdiction` (one SQL statement per
 * batch); the catalogue and departments are public and share one cache key space. Evaluations are
 * read from the counters, uncached (they must reflect a write at once).
 */
export function createLoaders(db: DataSource, jurisdiction: Jurisdiction, cache: EntityCaching) {
  const { scoped, shared } = loaderCaches(cache, 'public-services', jurisdiction);
  const scope = (alias: string, first: number) => scopeCondition(jurisdiction, dossierScope(alias), first);
  const repository = createRepository(db);
  const evaluations = new Map<string, DataLoader<string, PeriodCounters>>();
  return {
    procedureByCode: keyedLoader(
      (codes: readonly string[]): Promise<Procedure[]> =>
        db.query(`SELECT ${PROCEDURE_COLUMNS} FROM public_services.procedure WHERE code = ANY($1)`, [codes]),
      (p) => p.code,
      shared('procedureByCode', ['Procedure']),
    ),
    departmentByCode: keyedLoader(
      (codes: readonly string[]): Promise<Department[]> =>
        db.query(`SELECT code, province_code AS "provinceCode", name FROM public_services.department WHERE code = ANY($1)`, [codes]),
      (d) => d.code,
      shared('departmentByCode', ['Department']),
    ),
    departmentsOfProvince: groupedLoader(
      (codes: readonly string[]): Promise<Department[]> =>
        db.query(
          `SELECT code, province_code AS "provinceCode", name FROM public_services.department WHERE province_code = ANY($1) ORDER BY code`,
          [codes],
        ),
      (d) => d.provinceCode,
      shared('departmentsOfProvince', ['Department']),
    ),
    /**
     * By number: the date in the number names the quarter, the key table its province, so a batch
     * reads only the partitions of its dates and provinces (numbers that are no dossier: nothing).
     */
    dossierByNumber: keyedLoader(
      async (numbers: readonly string[]): Promise<DossierRow[]> => {
        const provinces = await provincesOfNumbers(db, numbers);
        const found = numbers.filter((n) => provinces.has(n) && parseDossierNumber(n));
        if (found.length === 0) return [];
        const dates = found.map((n) => parseDossierNumber(n)!.receivedOn);
        const codes = found.map((n) => provinces.get(n)!);
        const s = scope('d', 4);
        return db.query(
          `SELECT ${dossierColumns('d')} FROM public_services.dossier d
           WHERE d.received_on = ANY($2::date[]) AND d.province_code = ANY($3::text[])
             AND (d.number, d.received_on, d.province_code) IN (SELECT * FROM unnest($1::text[], $2::date[], $3::text[]))
             AND ${s.sql}`,
          [found, dates, codes, ...s.params],
        );
      },
      (d) => d.number,
      scoped('dossierByNumber', ['Dossier']),
    ),
    dossiersOfApplicant: groupedLoader(
      (keys: readonly string[]): Promise<(DossierRow & { applicant: string })[]> => {
        const s = scope('d', 3);
        return db.query(
          `SELECT a.type || ':' || a.id AS applicant, r.* FROM unnest($1::text[], $2::text[]) AS a(type, id) CROSS JOIN LATERAL (
             SELECT ${dossierColumns('d')} FROM public_services.dossier d
             WHERE d.applicant_type = a.type AND d.applicant_id = a.id AND ${s.sql}
             ORDER BY d.received_at DESC, d.number LIMIT 100) r`,
          [keys.map((k) => k.split(':')[0]), keys.map((k) => k.split(':')[1]), ...s.params],
        );
      },
      (d) => d.applicant,
      scoped('dossiersOfApplicant', ['Dossier']),
    ),
    dossiersOfUnit: connectionLoaders(
      keysetSource<DossierRow, null>(db, {
        kind: DOSSIER_LIST,
        table: 'public_services.dossier',
        columns: dossierColumns('dossier'),
        parentColumn: 'unit_code',
        keyColumn: 'number',
        keyType: 'text',
        keyOf: (d) => d.number,
        scope: (first) => scope('dossier', first),
      }),
      scoped('dossiersOfUnit', ['Dossier']),
    ),
    eventsOfDossier: groupedLoader(
      (
        numbers: readonly string[],
      ): Promise<{ number: string; at: string; fromStatus: string | null; status: string; note: string | null }[]> =>
        db.query(
          // The reception dates (in the numbers) name the partitions of the history to read.
          `SELECT number, at, from_status AS "fromStatus", to_status AS status, note FROM public_services.dossier_event
           WHERE number = ANY($1) AND received_on = ANY($2::date[]) ORDER BY number, at, id`,
          [numbers, [...new Set(numbers.map((n) => parseDossierNumber(n)?.receivedOn).filter((d) => d !== undefined))]],
        ),
      (e) => e.number,
    ),
    supplementsOfDossier: groupedLoader(
      (numbers: readonly string[]): Promise<{ number: string }[]> =>
        db.query(
          `SELECT number, round, requested_at AS "requestedAt", completed_at AS "completedAt", previous_due_at AS "previousDueAt",
             new_due_at AS "newDueAt", reason FROM public_services.dossier_supplement WHERE number = ANY($1) ORDER BY number, round`,
          [numbers],
        ),
      (s) => s.number,
    ),
    /** A unit's counters over a period; every unit of one scope and period asked in a request is read in one statement. */
    evaluation(unit: UnitScope, period: Period, now: Date): DataLoader<string, PeriodCounters> {
      const id = `${unit}|${period.fromMonth}|${period.toMonth}`;
      let loader = evaluations.get(id);
      if (!loader) {
        loader = new DataLoader<string, PeriodCounters>(async (codes) => {
          const sums = await repository.counters(unit, period, now, codes);
          return codes.map((c) => sums.get(c) ?? repository.empty());
        });
        evaluations.set(id, loader);
      }
      return loader;
    },
    /** The catalogue at a period's end, once per request and period. */
    catalogue: new DataLoader<string, Awaited<ReturnType<typeof repository.catalogue>>>(async (ends) =>
      Promise.all(ends.map((end) => repository.catalogue(end))),
    ),
    repository,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
