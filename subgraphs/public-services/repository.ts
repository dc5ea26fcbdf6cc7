import type { DataSource } from 'typeorm';
import { COUNTERS, zeroCounters } from './evaluation/counters';
import type { Period } from './evaluation/period';
import type { CatalogueStats, PeriodCounters } from './evaluation/score';
import { vietnamMonth } from './numbers';

/** Which units counters are summed for: each commune, department, province, or the nation. */
export type UnitScope = 'COMMUNE' | 'DEPARTMENT' | 'PROVINCE' | 'NATION';

/** The catalogue per level at a date: procedures in force, published, offered online. */
export type Catalogue = Record<'COMMUNE' | 'PROVINCE' | 'ALL', CatalogueStats>;

/**
 * Reads of the evaluation's aggregates and of public lists. Nothing here reads a dossier: scores,
 * rankings and trends are sums of `evaluation_counter` rows (at most 12 months per unit) or, for
 * provinces and the nation, of their roll-up `evaluation_counter_province`, so their cost does not
 * grow with the number of dossiers.
 */
export function createRepository(db: DataSource) {
  const sums = `${COUNTERS.map((c) => `coalesce(sum(${c}), 0)::float8 AS ${c}`).join(', ')}`;
  // Property by property: zeroCounters' Object.fromEntries per row cost more than the row's parsing.
  const parse = (row: Record<string, unknown>): PeriodCounters => {
    const counters = {} as PeriodCounters;
    for (const c of COUNTERS) counters[c] = Number(row[c] ?? 0);
    counters.unfinished_overdue = Number(row.unfinished_overdue ?? 0);
    return counters;
  };
  return {
    empty: (): PeriodCounters => ({ ...zeroCounters(), unfinished_overdue: 0 }),
    /**
     * Counters of units of `unit` scope over `period`, by unit code (`VN` for the nation), in one
     * statement. Unfinished dossiers count as overdue once their due month has ended before `now`.
     */
    async counters(unit: UnitScope, period: Period, now: Date, codes: readonly string[] | null): Promise<Map<string, PeriodCounters>> {
      // Provinces and the nation read the province roll-up (a few rows per province and month);
      // communes and departments their own rows.
      const perUnit = unit === 'COMMUNE' || unit === 'DEPARTMENT';
      const table = perUnit ? 'evaluation_counter' : 'evaluation_counter_province';
      const group = unit === 'NATION' ? `'VN'` : unit === 'PROVINCE' ? 'province_code' : 'unit_code';
      const where = perUnit
        ? `unit_type = '${unit}' AND ($4::text[] IS NULL OR unit_code = ANY($4))`
        : // $4 is referenced in every form of the statement: the protocol refuses unused parameters.
          `($4::text[] IS NULL OR ${unit === 'NATION' ? 'TRUE' : 'province_code = ANY($4)'})`;
      const rows = (await db.query(
        `SELECT ${group} AS code, ${sums}, coalesce(sum(unfinished) FILTER (WHERE month < $3::date), 0)::float8 AS unfinished_overdue
         FROM public_services.${table} WHERE month BETWEEN $1::date AND $2::date AND ${where} GROUP BY 1`,
        [period.fromMonth, period.toMonth, vietnamMonth(now), codes ? [...codes] : null],
      )) as (Record<string, unknown> & { code: string })[];
      return new Map(rows.map((r) => [r.code, parse(r)]));
    },
    /** The units of one province (communes or departments) with counters in the period, and their province. */
    async unitsOfProvince(
      unit: 'COMMUNE' | 'DEPARTMENT',
      provinceCode: string,
      period: Period,
      now: Date,
    ): Promise<Map<string, PeriodCounters>> {
      const rows = (await db.query(
        `SELECT unit_code AS code, ${sums}, coalesce(sum(unfinished) FILTER (WHERE month < $3::date), 0)::float8 AS unfinished_overdue
         FROM public_services.evaluation_counter
         WHERE month BETWEEN $1::date AND $2::date AND province_code = $4 AND unit_type = $5 GROUP BY 1`,
        [period.fromMonth, period.toMonth, vietnamMonth(now), provinceCode, unit],
      )) as (Record<string, unknown> & { code: string })[];
      return new Map(rows.map((r) => [r.code, parse(r)]));
    },
    /** One unit's counters per month of a year. */
    async monthly(unit: UnitScope, code: string, year: number, now: Date): Promise<Map<string, PeriodCounters>> {
      const where = unit === 'NATION' ? 'TRUE' : unit === 'PROVINCE' ? 'province_code = $4' : `unit_type = '${unit}' AND unit_code = $4`;
      const table = unit === 'NATION' || unit === 'PROVINCE' ? 'evaluation_counter_province' : 'evaluation_counter';
      const rows = (await db.query(
        `SELECT to_char(month, 'YYYY-MM-DD') AS code, ${sums}, coalesce(sum(unfinished) FILTER (WHERE month < $3::date), 0)::float8 AS unfinished_overdue
         FROM public_services.${table} WHERE month BETWEEN $1::date AND $2::date AND ${where} AND $4::text IS NOT NULL GROUP BY 1`,
        [`${year}-01-01`, `${year}-12-01`, vietnamMonth(now), code],
      )) as (Record<string, unknown> & { code: string })[];
      return new Map(rows.map((r) => [r.code, parse(r)]));
    },
    /** Procedures per level: in force, published by `end` (YYYY-MM-DD), offered online (partially or fully). */
    async catalogue(end: string): Promise<Catalogue> {
      const rows = (await db.query(
        `SELECT level, count(*)::int AS total, count(*) FILTER (WHERE published_on <= $1::date)::int AS published,
           count(*) FILTER (WHERE online_level <> 'NONE')::int AS online
         FROM public_services.procedure WHERE legal_basis_on <= $1::date GROUP BY level`,
        [end],
      )) as ({ level: 'COMMUNE' | 'PROVINCE' } & CatalogueStats)[];
      const none = { total: 0, published: 0, online: 0 };
      const of = (level: string) => rows.find((r) => r.level === level) ?? none;
      const commune = of('COMMUNE');
      const province = of('PROVINCE');
      return {
        COMMUNE: commune,
        PROVINCE: province,
        ALL: {
          total: commune.total + province.total,
          published: commune.published + province.published,
          online: commune.online + province.online,
        },
      };
    },
    provinceOfDepartment: async (code: string): Promise<string | null> =>
      ((await db.query(`SELECT province_code AS p FROM public_services.department WHERE code = $1`, [code])) as { p: string }[])[0]?.p ??
      null,
    provinces: async (): Promise<string[]> =>
      ((await db.query(`SELECT DISTINCT province_code AS p FROM public_services.department ORDER BY 1`)) as { p: string }[]).map(
        (r) => r.p,
      ),
    procedures: (level: string | null) =>
      db.query(
        `SELECT code, name, field, level, time_limit::float8 AS "timeLimit", time_unit AS "timeLimitUnit", has_fee AS "hasFee",
           online_level AS "onlineLevel", paper_result AS "paperResult", to_char(published_on, 'YYYY-MM-DD') AS "publishedOn",
           to_char(legal_basis_on, 'YYYY-MM-DD') AS "legalBasisEffectiveOn", legal_basis AS "legalBasis"
         FROM public_services.procedure WHERE ($1::text IS NULL OR level = $1) ORDER BY code`,
        [level],
      ),
    serviceCentres: (provinceCode: string) =>
      db.query(
        `SELECT code, name, level, province_code AS "provinceCode", commune_code AS "communeCode"
         FROM public_services.service_centre WHERE province_code = $1 ORDER BY code`,
        [provinceCode],
      ),
    syncStatus: (provinceCode: string | null) =>
      db.query(
        `SELECT system, province_code AS "provinceCode", last_event_at AS "lastEventAt", last_received_at AS "lastReceivedAt",
           lag_seconds AS "lagSeconds", accepted_rows::int AS "acceptedRows", rejected_rows::int AS "rejectedRows", last_error AS "lastError"
         FROM public_services.sync_status WHERE ($1::text IS NULL OR province_code = $1) ORDER BY system`,
        [provinceCode],
      ),
  };
}
