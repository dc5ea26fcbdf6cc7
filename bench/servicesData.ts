import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { seedSynthetic } from '../hub/seed';
import { openHubDatabase } from '../hub/database';
import { prepareQuarter } from '../shared/db/partitions';
import { recomputeCounters } from '../subgraphs/public-services/evaluation/counters';
import { DOSSIER_PERIOD_TABLES } from '../subgraphs/public-services/migrations/1769100000005-PartitionDossiersByProvince';
import { ensureDatabase, siblingDatabase, sizeLabel } from './dataset';
import type { Progress } from './lifecycle';
import { redacted } from './setup';

/**
 * The public-services part's data sets: N dossiers in a database of their own
 * (`<DATABASE_URL>_services_<N>`), made once and reused.
 *
 * The project's seeder writes dossiers through the subgraph's seed hook at roughly the rate
 * bench/README.md states (measured: far too slow for 10 million in a bench run), so the bench makes
 * its large dossier table in bulk inside PostgreSQL: one `INSERT … SELECT` over `generate_series`
 * per million rows, drawing every dossier's unit from the real 2025 commune codes and the seeded
 * provincial departments, its procedure from the seeded catalogue of that level, its applicant from
 * the seeded residents. The draws are synthetic (documented in bench/README.md), not the seeder's
 * calibration. The evaluation counters are then rebuilt with the same plain recomputation the
 * tests compare the incremental counters with ({@link recomputeCounters}): the reads measured are
 * the product's own reads of those counters.
 */

/** The world around the dossiers: residents (applicants), units, catalogue; no dossiers of its own. */
const WORLD_RESIDENTS = 20_000;
/** Rows per INSERT statement (one progress line each). */
const CHUNK = 1_000_000;

/** A prepared data set of the public-services part. */
export interface ServicesDataset {
  url: string;
  dossiers: number;
  reused: boolean;
  /** Seconds to insert the dossiers, and to rebuild the counters, when made in this run. */
  insertSeconds: number;
  countersSeconds: number;
  counterRows: number;
  /** The province with the most communes with counters, and the one with the fewest. */
  largestProvince: { code: string; communes: number };
  smallestProvince: { code: string; communes: number };
  /** The commune whose scorecard is read (most dossiers received). */
  commune: string;
}

/**
 * The bulk INSERT of dossiers `lo`…`hi` (1-based). Every draw is a `random()` of its own row
 * (setseed before the first chunk makes the whole table reproducible); the number's sequence is
 * derived from the row's ordinal, and the rare collision of a unit-day-sequence is skipped
 * (ON CONFLICT DO NOTHING), so the count may fall short of N by a few rows in a million.
 */
/** Numbered copies of what the dossiers draw from, so that a draw is a join on an ordinal (arrays would be detoasted per row). */
const DRAW_TABLES = [
  `CREATE TEMP TABLE bench_unit AS
     SELECT 'COMMUNE' AS kind, row_number() OVER (ORDER BY code)::int AS i, code, province_code FROM administrative_units.commune
     UNION ALL
     SELECT 'DEPARTMENT', row_number() OVER (ORDER BY code)::int, code, province_code FROM public_services.department`,
  `CREATE TEMP TABLE bench_procedure AS
     SELECT level AS kind, row_number() OVER (PARTITION BY level ORDER BY code)::int AS i, code, online_level <> 'NONE' AS online, has_fee AS fee,
       time_limit * CASE time_unit WHEN 'HOURS' THEN 1 ELSE 8 END AS hours
     FROM public_services.procedure WHERE published_on IS NOT NULL`,
  `CREATE TEMP TABLE bench_applicant AS SELECT row_number() OVER (ORDER BY citizen_id)::int AS i, citizen_id FROM population.resident`,
  `CREATE TEMP TABLE bench_sizes AS SELECT
     (SELECT count(*) FROM bench_unit WHERE kind = 'COMMUNE')::int AS communes,
     (SELECT count(*) FROM bench_unit WHERE kind = 'DEPARTMENT')::int AS departments,
     (SELECT count(*) FROM bench_procedure WHERE kind = 'COMMUNE')::int AS commune_procedures,
     (SELECT count(*) FROM bench_procedure WHERE kind = 'PROVINCE')::int AS provincial_procedures,
     (SELECT count(*) FROM bench_applicant)::int AS applicants`,
  'ANALYZE bench_unit',
  'ANALYZE bench_procedure',
  'ANALYZE bench_applicant',
];

const INSERT_CHUNK = `
WITH draws AS (
  SELECT g, random() AS r_unit, random() AS r_kind, random() AS r_proc, random() AS r_day, random() AS r_hour, random() AS r_fate,
    random() AS r_late, random() AS r_speed, random() AS r_channel, random() AS r_flags, random() AS r_flags2, random() AS r_applicant,
    random() AS r_supplement
  FROM generate_series($1::int, $2::int) AS g
), placed AS (
  SELECT d.*,
    d.r_kind < 0.25 AS provincial,
    1 + floor(d.r_unit * CASE WHEN d.r_kind < 0.25 THEN n.departments ELSE n.communes END)::int AS ui,
    1 + floor(d.r_proc * CASE WHEN d.r_kind < 0.25 THEN n.provincial_procedures ELSE n.commune_procedures END)::int AS pi,
    1 + floor(d.r_applicant * n.applicants)::int AS ai,
    timestamptz '2025-07-01 00:00:00+00' + floor(d.r_day * 184) * interval '1 day' + (0.5 + d.r_hour * 9.5) * interval '1 hour' AS received_at
  FROM draws d, bench_sizes n
), shaped AS (
  SELECT p.*, u.code AS unit_code, u.province_code, pr.code AS procedure_code, pr.online AS online_offered, pr.fee AS fee_required,
    -- Working hours as calendar time: 8 working hours a day, five days a week (× 3 × 7/5); holidays not modelled.
    p.received_at + pr.hours * interval '1 hour' * 3 * 7 / 5 AS due0,
    a.citizen_id AS applicant_id
  FROM placed p
  JOIN bench_unit u ON u.kind = CASE WHEN p.provincial THEN 'DEPARTMENT' ELSE 'COMMUNE' END AND u.i = p.ui
  JOIN bench_procedure pr ON pr.kind = CASE WHEN p.provincial THEN 'PROVINCE' ELSE 'COMMUNE' END AND pr.i = p.pi
  JOIN bench_applicant a ON a.i = p.ai
), fated AS (
  SELECT s.*,
    s.r_supplement < 0.1 AS supplemented,
    s.due0 + CASE WHEN s.r_supplement < 0.1 THEN (1 + s.r_speed * 4) * interval '1 day' ELSE interval '0' END AS due_at,
    -- On time about 91% of the time, with a spread across provinces (the province's code shifts its rate).
    s.r_late > 0.87 + (hashtext(s.province_code) & 63) / 1000.0 AS late,
    CASE WHEN s.online_offered AND s.r_channel < 0.6 THEN 'ONLINE' WHEN s.r_channel > 0.97 THEN 'POSTAL' ELSE 'IN_PERSON' END AS channel
  FROM shaped s
), decided AS (
  SELECT f.*,
    CASE
      WHEN f.r_fate < 0.01 THEN 'NOT_RECEIVED'
      WHEN f.r_fate < 0.02 THEN 'WITHDRAWN'
      WHEN f.r_fate < 0.025 THEN 'STOPPED'
      WHEN f.r_fate > 0.97 THEN 'IN_PROGRESS'
      ELSE 'DECIDED'
    END AS fate,
    CASE WHEN f.late THEN f.due_at + (0.1 + f.r_speed * 5) * interval '1 day'
         ELSE f.received_at + (f.due_at - f.received_at) * (0.2 + f.r_speed * 0.8) END AS decided_at
  FROM fated f
)
INSERT INTO public_services.dossier (number, received_on, procedure_code, unit_type, unit_code, commune_code, province_code,
  applicant_type, applicant_id, channel, status, submitted_at, received_at, due_at, finished_at, returned_at, supplement_count,
  online_offered, fee_required, paid_online, digitised, reused_data, from_data_store, vneid_verified, electronic_result,
  reporting_system, reported_at, last_event_at)
SELECT
  d.unit_code || '-' || to_char(d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-' || lpad((100000 + d.g % 900000)::text, 6, '0'),
  (d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
  d.procedure_code,
  CASE WHEN d.provincial THEN 'DEPARTMENT' ELSE 'COMMUNE' END,
  d.unit_code,
  CASE WHEN d.provincial THEN NULL ELSE d.unit_code END,
  d.province_code,
  'RESIDENT',
  d.applicant_id,
  d.channel,
  CASE WHEN d.fate = 'DECIDED' THEN CASE WHEN d.r_flags2 < 0.85 THEN 'RETURNED' ELSE 'DONE' END ELSE d.fate END,
  d.received_at,
  d.received_at,
  d.due_at,
  CASE WHEN d.fate = 'DECIDED' THEN d.decided_at END,
  CASE WHEN d.fate = 'DECIDED' AND d.r_flags2 < 0.85 THEN d.decided_at + interval '1 day'
       WHEN d.fate IN ('NOT_RECEIVED', 'WITHDRAWN', 'STOPPED') THEN d.received_at + interval '1 hour' END,
  CASE WHEN d.supplemented THEN 1 ELSE 0 END,
  d.online_offered,
  d.fee_required,
  d.fee_required AND d.r_flags < CASE WHEN d.channel = 'ONLINE' THEN 0.78 ELSE 0.1 END,
  d.r_flags2 < 0.8,
  d.r_flags < 0.5,
  d.channel = 'ONLINE' AND d.r_flags < 0.35,
  d.r_flags2 < CASE WHEN d.channel = 'ONLINE' THEN 0.9 ELSE 0.2 END,
  d.fate = 'DECIDED' AND d.r_flags < CASE WHEN d.channel = 'ONLINE' THEN 0.85 ELSE 0.4 END,
  CASE WHEN d.provincial THEN 'mot-cua-' || d.province_code ELSE 'mot-cua-xa-' || d.unit_code END,
  d.received_at + CASE WHEN d.r_speed < 0.04 THEN interval '30 hours' ELSE d.r_hour * interval '1 hour' END,
  CASE WHEN d.fate = 'DECIDED' AND d.r_flags2 < 0.85 THEN d.decided_at + interval '1 day'
       WHEN d.fate = 'DECIDED' THEN d.decided_at
       WHEN d.fate IN ('NOT_RECEIVED', 'WITHDRAWN', 'STOPPED') THEN d.received_at + interval '1 hour'
       ELSE d.received_at END
FROM decided d
ON CONFLICT DO NOTHING`;

async function dossierCount(pg: Client): Promise<number> {
  return Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM public_services.dossier')).rows[0]!.n);
}

/** The counters rebuilt from the dossiers by the tests' plain recomputation, then the statistics; returns the seconds it took. */
async function rebuildCounters(db: DataSource, pg: Client, progress: Progress): Promise<number> {
  progress('public services: rebuilding the evaluation counters from the dossiers (recomputeCounters)');
  const started = Date.now();
  await db.transaction(async (m) => {
    // One GROUP BY over every dossier: longer than the hub's statement timeout at 10 million.
    await m.query('SET LOCAL statement_timeout = 0');
    await recomputeCounters(m, { replace: true });
  });
  const seconds = (Date.now() - started) / 1000;
  await pg.query('ANALYZE');
  return seconds;
}

/** The provinces by communes with counters, the densest commune: what the reads measure. */
async function describe(pg: Client): Promise<Pick<ServicesDataset, 'largestProvince' | 'smallestProvince' | 'commune' | 'counterRows'>> {
  const provinces = (
    await pg.query<{ code: string; n: number }>(
      `SELECT province_code AS code, count(DISTINCT unit_code)::int AS n FROM public_services.evaluation_counter
       WHERE unit_type = 'COMMUNE' GROUP BY 1 ORDER BY 2 DESC, 1`,
    )
  ).rows;
  const commune = (
    await pg.query<{ code: string }>(
      `SELECT unit_code AS code FROM public_services.evaluation_counter WHERE unit_type = 'COMMUNE' GROUP BY 1 ORDER BY sum(received) DESC, 1 LIMIT 1`,
    )
  ).rows[0];
  const counterRows = Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM public_services.evaluation_counter')).rows[0]!.n);
  if (provinces.length === 0 || !commune) throw new Error('The public-services data set has no counters');
  return {
    largestProvince: { code: provinces[0]!.code, communes: provinces[0]!.n },
    smallestProvince: { code: provinces.at(-1)!.code, communes: provinces.at(-1)!.n },
    commune: commune.code,
    counterRows,
  };
}

/**
 * `dossiers` dossiers in `<databaseUrl>_services_<size>`: reused when it holds at least that many,
 * otherwise migrated, the world seeded (without dossiers), the dossiers inserted in bulk and the
 * counters rebuilt, then ANALYZEd.
 */
export async function prepareServicesDataset(
  databaseUrl: string,
  dossiers: number,
  seed: number,
  progress: Progress,
): Promise<ServicesDataset> {
  const url = siblingDatabase(databaseUrl, `services_${sizeLabel(dossiers)}`);
  await ensureDatabase(url);
  const db = await openHubDatabase({ kind: 'postgres', url });
  const pg = new Client({ connectionString: url, application_name: 'lien-thong-bench-services' });
  await pg.connect();
  try {
    const present = await dossierCount(pg);
    const counted = Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM public_services.evaluation_counter')).rows[0]!.n);
    // A few rows in a million are lost to number collisions: 99.9% of the size counts as present.
    if (present >= dossiers * 0.999 && counted > 0) {
      progress(`public services: ${present.toLocaleString('en-US')} dossiers in ${redacted(url)} (reused)`);
      return { url, dossiers: present, reused: true, insertSeconds: 0, countersSeconds: 0, ...(await describe(pg)) };
    }
    if (present >= dossiers * 0.999) {
      // The dossiers are there but a run stopped before their counters: rebuild those only.
      const countersSeconds = await rebuildCounters(db, pg, progress);
      return { url, dossiers: present, reused: true, insertSeconds: 0, countersSeconds, ...(await describe(pg)) };
    }
    progress(`public services: making ${dossiers.toLocaleString('en-US')} dossiers in ${redacted(url)}`);
    await seedSynthetic(db, { residents: WORLD_RESIDENTS, seed, dossiers: 0 });
    // The national key table of the numbers goes too (no trigger follows a TRUNCATE).
    await pg.query(
      'TRUNCATE public_services.dossier, public_services.dossier_key, public_services.dossier_event, public_services.evaluation_counter, public_services.evaluation_counter_province',
    );
    // The generated quarters (July 2025 to New Year's Day in Vietnam) split by province, as `partitions prepare` does.
    for (const period of ['2025q3', '2025q4', '2026q1']) await prepareQuarter(db, DOSSIER_PERIOD_TABLES, period);
    await pg.query('SET synchronous_commit TO OFF');
    // The planner misjudges the generated rows and would JIT-compile each chunk for nothing.
    await pg.query('SET jit TO off');
    // Foreign-key triggers off for this session, when the role may (a superuser): every procedure code is drawn from the catalogue itself.
    await pg.query('SET session_replication_role TO replica').catch(() => undefined);
    for (const sql of DRAW_TABLES) await pg.query(sql);
    await pg.query('SELECT setseed($1)', [((seed % 1000) + 1) / 1001]);
    const insertStarted = Date.now();
    for (let lo = 1; lo <= dossiers; lo += CHUNK) {
      const hi = Math.min(dossiers, lo + CHUNK - 1);
      await pg.query(INSERT_CHUNK, [lo, hi]);
      const seconds = (Date.now() - insertStarted) / 1000;
      progress(`public services: ${hi.toLocaleString('en-US')} / ${dossiers.toLocaleString('en-US')} dossiers (${seconds.toFixed(0)} s)`);
    }
    const insertSeconds = (Date.now() - insertStarted) / 1000;
    await pg.query('RESET session_replication_role').catch(() => undefined);
    await pg.query('ANALYZE public_services.dossier');
    const countersSeconds = await rebuildCounters(db, pg, progress);
    const made = await dossierCount(pg);
    progress(
      `public services: ${made.toLocaleString('en-US')} dossiers inserted in ${insertSeconds.toFixed(0)} s, counters rebuilt in ${countersSeconds.toFixed(0)} s`,
    );
    return { url, dossiers: made, reused: false, insertSeconds, countersSeconds, ...(await describe(pg)) };
  } finally {
    await pg.end();
    await db.destroy();
  }
}
