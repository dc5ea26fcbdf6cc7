import type { EntityManager } from 'typeorm';
import { MAX_SUPPLEMENTS_ON_TIME, SYNC_WINDOW_HOURS } from './config';
import { vietnamMonth } from '../numbers';
import type { DossierStatus } from '../status';

/**
 * Incremental aggregates of the evaluation: one row of counters per receiving unit and month
 * (`public_services.evaluation_counter`). Every write or import of a dossier subtracts the dossier's
 * old contribution and adds its new one, in the transaction that changes the dossier, so the
 * counters always equal a recomputation from the dossiers ({@link recomputeCounters}, and the
 * randomised test that compares both). Scores of any period and any level (commune, department,
 * province, nation) are sums of these rows: reading them never touches the dossiers.
 *
 * A dossier contributes to up to three months:
 * - its reception month: received, online, the flags (digitised, reuse, data store, VNeID), fees
 *   and online payment, synchronised within the window;
 * - once decided (DONE, RETURNED): its decision month — finished, on time, hours to decide,
 *   electronic result;
 * - while in progress (RECEIVED, IN_PROGRESS, FEE_REQUESTED): the month it is due — unfinished;
 *   judged late once that month has ended. A dossier waiting for the applicant's supplement is not
 *   judged (the citizen's time does not count). NEW and NOT_RECEIVED dossiers count nowhere.
 */
export const DOSSIER_COUNTERS = [
  'received',
  'online',
  'online_eligible',
  'online_of_eligible',
  'fee_required',
  'paid_online',
  'digitised',
  'reused_data',
  'from_data_store',
  'vneid_verified',
  'reported_timely',
  'finished',
  'finished_on_time',
  'resolution_minutes',
  'electronic_result',
  'unfinished',
] as const;
export const FEEDBACK_COUNTERS = ['feedback', 'complaints', 'feedback_handled', 'feedback_satisfied'] as const;
export const COUNTERS = [...DOSSIER_COUNTERS, ...FEEDBACK_COUNTERS] as const;
export type CounterName = (typeof COUNTERS)[number];
export type Counters = Record<CounterName, number>;

export const zeroCounters = (): Counters => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counters;

/** Where a dossier's or feedback's counters go. */
export interface Unit {
  unitType: 'COMMUNE' | 'DEPARTMENT';
  unitCode: string;
  provinceCode: string;
}

/** What the evaluation reads of a dossier: a snapshot of its row. */
export interface DossierFacts extends Unit {
  status: DossierStatus;
  channel: 'IN_PERSON' | 'ONLINE' | 'POSTAL';
  receivedAt: Date;
  dueAt: Date;
  finishedAt: Date | null;
  reportedAt: Date;
  supplementCount: number;
  /** Snapshots of the procedure at reception. */
  onlineOffered: boolean;
  feeRequired: boolean;
  paidOnline: boolean;
  digitised: boolean;
  reusedData: boolean;
  fromDataStore: boolean;
  vneidVerified: boolean;
  electronicResult: boolean;
}

/** A change of counters of one unit and month. */
export interface Delta extends Unit {
  month: string;
  counters: Partial<Counters>;
}

/** The statuses of a dossier being worked on (its due time runs; a supplement request pauses it). */
export const IN_PROGRESS: ReadonlySet<DossierStatus> = new Set(['RECEIVED', 'IN_PROGRESS', 'FEE_REQUESTED']);

/** Whether a decided dossier was decided on time: no later than due (supplements already added) and at most one supplement. */
export function decidedOnTime(d: Pick<DossierFacts, 'finishedAt' | 'dueAt' | 'supplementCount'>): boolean {
  return d.finishedAt !== null && d.finishedAt.getTime() <= d.dueAt.getTime() && d.supplementCount <= MAX_SUPPLEMENTS_ON_TIME;
}

/** The counters a dossier in this state adds, by month. */
export function contributionOf(d: DossierFacts): Delta[] {
  if (d.status === 'NEW' || d.status === 'NOT_RECEIVED') return [];
  const unit: Unit = { unitType: d.unitType, unitCode: d.unitCode, provinceCode: d.provinceCode };
  const b = (v: boolean) => (v ? 1 : 0);
  const reception: Partial<Counters> = {
    received: 1,
    online: b(d.channel === 'ONLINE'),
    online_eligible: b(d.onlineOffered),
    online_of_eligible: b(d.onlineOffered && d.channel === 'ONLINE'),
    fee_required: b(d.feeRequired),
    paid_online: b(d.feeRequired && d.paidOnline),
    digitised: b(d.digitised),
    reused_data: b(d.reusedData),
    from_data_store: b(d.fromDataStore),
    vneid_verified: b(d.vneidVerified),
    reported_timely: b(d.reportedAt.getTime() - d.receivedAt.getTime() <= SYNC_WINDOW_HOURS * 3_600_000),
  };
  const deltas: Delta[] = [{ ...unit, month: vietnamMonth(d.receivedAt), counters: reception }];
  if ((d.status === 'DONE' || d.status === 'RETURNED') && d.finishedAt) {
    deltas.push({
      ...unit,
      month: vietnamMonth(d.finishedAt),
      counters: {
        finished: 1,
        finished_on_time: b(decidedOnTime(d)),
        resolution_minutes: Math.max(0, Math.round((d.finishedAt.getTime() - d.receivedAt.getTime()) / 60_000)),
        electronic_result: b(d.electronicResult),
      },
    });
  } else if (IN_PROGRESS.has(d.status)) {
    deltas.push({ ...unit, month: vietnamMonth(d.dueAt), counters: { unfinished: 1 } });
  }
  return deltas;
}

const key = (d: Delta) => `${d.unitType}|${d.unitCode}|${d.provinceCode}|${d.month}`;

/** new − old, merged per unit and month, zero changes left out. */
export function difference(before: readonly Delta[], after: readonly Delta[]): Delta[] {
  const merged = new Map<string, Delta>();
  const add = (d: Delta, sign: number) => {
    const k = key(d);
    const into = merged.get(k) ?? {
      unitType: d.unitType,
      unitCode: d.unitCode,
      provinceCode: d.provinceCode,
      month: d.month,
      counters: {},
    };
    for (const [name, n] of Object.entries(d.counters) as [CounterName, number][])
      into.counters[name] = (into.counters[name] ?? 0) + sign * n;
    merged.set(k, into);
  };
  for (const d of before) add(d, -1);
  for (const d of after) add(d, 1);
  return [...merged.values()]
    .map((d) => ({ ...d, counters: Object.fromEntries(Object.entries(d.counters).filter(([, n]) => n !== 0)) }))
    .filter((d) => Object.keys(d.counters).length > 0);
}

/**
 * Adds `deltas` to the counters, inside the caller's transaction: one statement whatever their
 * number. Rows are locked in a fixed order (by key) so concurrent writes cannot deadlock on them.
 */
export async function applyDeltas(em: EntityManager, deltas: readonly Delta[]): Promise<void> {
  if (deltas.length === 0) return;
  const sorted = [...deltas].sort((a, b) => key(a).localeCompare(key(b)));
  const columns = COUNTERS.map((c) => sorted.map((d) => d.counters[c] ?? 0));
  const unnest = COUNTERS.map((_, i) => `$${i + 5}::bigint[]`).join(', ');
  await em.query(
    `INSERT INTO public_services.evaluation_counter (unit_type, unit_code, province_code, month, ${COUNTERS.join(', ')})
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], ${unnest})
     ON CONFLICT (unit_type, unit_code, month) DO UPDATE SET ${COUNTERS.map((c) => `${c} = evaluation_counter.${c} + EXCLUDED.${c}`).join(', ')}`,
    [
      sorted.map((d) => d.unitType),
      sorted.map((d) => d.unitCode),
      sorted.map((d) => d.provinceCode),
      sorted.map((d) => d.month),
      ...columns,
    ],
  );
  // The province roll-up (migration ProvinceCounters): the same deltas summed per province and
  // month, added to this transaction's slot; provinces in a fixed order, as the units.
  const provinces = new Map<string, { provinceCode: string; month: string; counters: Partial<Counters> }>();
  for (const d of sorted) {
    const k = `${d.provinceCode}|${d.month}`;
    const sum = provinces.get(k) ?? { provinceCode: d.provinceCode, month: d.month, counters: {} };
    for (const c of COUNTERS) sum.counters[c] = (sum.counters[c] ?? 0) + (d.counters[c] ?? 0);
    provinces.set(k, sum);
  }
  const rollup = [...provinces.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, d]) => d);
  await em.query(
    `INSERT INTO public_services.evaluation_counter_province (province_code, month, slot, ${COUNTERS.join(', ')})
     SELECT p, m, (txid_current() % ${PROVINCE_SLOTS})::smallint, ${COUNTERS.map((c) => c).join(', ')}
     FROM unnest($1::text[], $2::date[], ${COUNTERS.map((_, i) => `$${i + 3}::bigint[]`).join(', ')}) AS u(p, m, ${COUNTERS.join(', ')})
     ON CONFLICT (province_code, month, slot) DO UPDATE SET ${COUNTERS.map((c) => `${c} = evaluation_counter_province.${c} + EXCLUDED.${c}`).join(', ')}`,
    [rollup.map((d) => d.provinceCode), rollup.map((d) => d.month), ...COUNTERS.map((c) => rollup.map((d) => d.counters[c] ?? 0))],
  );
}

/** Rows per province and month of the roll-up: concurrent writes in a province spread over them. */
export const PROVINCE_SLOTS = 8;

/** The SQL of a dossier's facts, from table alias `d`. */
export const FACT_COLUMNS = (
  d: string,
) => `${d}.unit_type AS "unitType", ${d}.unit_code AS "unitCode", ${d}.province_code AS "provinceCode",
  ${d}.status, ${d}.channel, ${d}.received_at AS "receivedAt", ${d}.due_at AS "dueAt", ${d}.finished_at AS "finishedAt",
  ${d}.reported_at AS "reportedAt", ${d}.supplement_count AS "supplementCount", ${d}.online_offered AS "onlineOffered",
  ${d}.fee_required AS "feeRequired", ${d}.paid_online AS "paidOnline", ${d}.digitised, ${d}.reused_data AS "reusedData",
  ${d}.from_data_store AS "fromDataStore", ${d}.vneid_verified AS "vneidVerified", ${d}.electronic_result AS "electronicResult"`;

const MONTH = (column: string) => `date_trunc('month', (${column} AT TIME ZONE 'UTC') + interval '7 hours')::date`;

/**
 * The counters recomputed from the dossiers and the feedback, in plain SQL independent of
 * {@link contributionOf}: what the incremental rows must equal (tests), and a repair if they ever
 * did not (`replace`: rewrite the table from it, in the caller's transaction).
 */
export async function recomputeCounters(
  em: EntityManager,
  options: { replace?: boolean } = {},
): Promise<(Delta & { counters: Counters })[]> {
  const inProgress = `status IN ('RECEIVED', 'IN_PROGRESS', 'FEE_REQUESTED')`;
  const decided = `status IN ('DONE', 'RETURNED') AND finished_at IS NOT NULL`;
  const counted = `status NOT IN ('NEW', 'NOT_RECEIVED')`;
  // UNION ALL aligns columns by position: every branch lists all counters in COUNTERS order.
  const sel = (pairs: Partial<Record<CounterName, string>>) => COUNTERS.map((n) => `(${pairs[n] ?? '0'})::bigint AS ${n}`).join(', ');
  const reception = sel({
    received: '1',
    online: `(channel = 'ONLINE')::int`,
    online_eligible: 'online_offered::int',
    online_of_eligible: `(online_offered AND channel = 'ONLINE')::int`,
    fee_required: 'fee_required::int',
    paid_online: '(fee_required AND paid_online)::int',
    digitised: 'digitised::int',
    reused_data: 'reused_data::int',
    from_data_store: 'from_data_store::int',
    vneid_verified: 'vneid_verified::int',
    reported_timely: `(reported_at - received_at <= interval '${SYNC_WINDOW_HOURS} hours')::int`,
  });
  const decision = sel({
    finished: '1',
    finished_on_time: `(finished_at <= due_at AND supplement_count <= ${MAX_SUPPLEMENTS_ON_TIME})::int`,
    resolution_minutes: `greatest(0, round(extract(epoch FROM finished_at - received_at) / 60))`,
    electronic_result: 'electronic_result::int',
  });
  const pending = sel({ unfinished: '1' });
  const feedback = sel({
    feedback: '1',
    complaints: `(category = 'COMPLAINT')::int`,
    feedback_handled: '(handled_at IS NOT NULL)::int',
    feedback_satisfied: '(satisfied IS TRUE)::int',
  });
  const sql = `
    SELECT unit_type AS "unitType", unit_code AS "unitCode", province_code AS "provinceCode", to_char(month, 'YYYY-MM-DD') AS month,
      ${COUNTERS.map((c) => `sum(${c})::float8 AS ${c}`).join(', ')}
    FROM (
      SELECT unit_type, unit_code, province_code, ${MONTH('received_at')} AS month, ${reception} FROM public_services.dossier WHERE ${counted}
      UNION ALL
      SELECT unit_type, unit_code, province_code, ${MONTH('finished_at')}, ${decision} FROM public_services.dossier WHERE ${decided}
      UNION ALL
      SELECT unit_type, unit_code, province_code, ${MONTH('due_at')}, ${pending} FROM public_services.dossier WHERE ${inProgress}
      UNION ALL
      SELECT unit_type, unit_code, province_code, ${MONTH('received_at')}, ${feedback} FROM public_services.feedback
    ) x GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4`;
  const rows = (await em.query(sql)) as (Unit & { month: string } & Counters)[];
  const result = rows.map(({ unitType, unitCode, provinceCode, month, ...counters }) => ({
    unitType,
    unitCode,
    provinceCode,
    month,
    counters: Object.fromEntries(COUNTERS.map((c) => [c, Number(counters[c])])) as Counters,
  }));
  if (options.replace) {
    await em.query(`DELETE FROM public_services.evaluation_counter`);
    await em.query(`DELETE FROM public_services.evaluation_counter_province`);
    await applyDeltas(em, result);
  }
  return result;
}

/** The incremental counters as stored, rows that are all zero left out (a dossier that moved on leaves zeros behind). */
export async function storedCounters(em: EntityManager): Promise<(Delta & { counters: Counters })[]> {
  const rows = (await em.query(
    `SELECT unit_type AS "unitType", unit_code AS "unitCode", province_code AS "provinceCode", to_char(month, 'YYYY-MM-DD') AS month,
       ${COUNTERS.map((c) => `${c}::float8 AS ${c}`).join(', ')}
     FROM public_services.evaluation_counter ORDER BY 1, 2, 4`,
  )) as (Unit & { month: string } & Counters)[];
  return rows
    .map(({ unitType, unitCode, provinceCode, month, ...counters }) => ({
      unitType,
      unitCode,
      provinceCode,
      month,
      counters: Object.fromEntries(COUNTERS.map((c) => [c, Number(counters[c])])) as Counters,
    }))
    .filter((r) => COUNTERS.some((c) => r.counters[c] !== 0));
}

/** A feedback's counters. */
export function feedbackContribution(
  f: Unit & { category: string; receivedAt: Date; handledAt: Date | null; satisfied: boolean | null },
): Delta[] {
  return [
    {
      unitType: f.unitType,
      unitCode: f.unitCode,
      provinceCode: f.provinceCode,
      month: vietnamMonth(f.receivedAt),
      counters: {
        feedback: 1,
        complaints: f.category === 'COMPLAINT' ? 1 : 0,
        feedback_handled: f.handledAt ? 1 : 0,
        feedback_satisfied: f.satisfied === true ? 1 : 0,
      },
    },
  ];
}

/**
 * The province roll-up as stored, summed over its slots, and as the unit counters give it: the two
 * must be equal (tests; `recomputeCounters({ replace: true })` rebuilds both).
 */
export async function provinceRollups(em: EntityManager): Promise<{ stored: string[]; fromUnits: string[] }> {
  const read = async (table: string) =>
    (
      (await em.query(
        `SELECT province_code || '|' || to_char(month, 'YYYY-MM-DD') || '|' || concat_ws(',', ${COUNTERS.map((c) => `sum(${c})`).join(', ')}) AS row
         FROM public_services.${table} GROUP BY province_code, month
         HAVING ${COUNTERS.map((c) => `sum(${c}) <> 0`).join(' OR ')} ORDER BY 1`,
      )) as { row: string }[]
    ).map((r) => r.row);
  return { stored: await read('evaluation_counter_province'), fromUnits: await read('evaluation_counter') };
}
