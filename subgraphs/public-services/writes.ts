import type { EntityManager } from 'typeorm';
import { badInput, ErrorCode, PublicError } from '../../shared/graphql/errors';
import { authorizePlace, checkVersion, missing, type Change, type MutationContext } from '../../shared/subgraph/mutations';
import {
  applyDeltas,
  contributionOf,
  difference,
  FACT_COLUMNS,
  feedbackContribution,
  type DossierFacts,
  type Unit,
} from './evaluation/counters';
import { dossierEvents, evaluationEvents } from './live';
import { provincesOfNumbers } from './dossierKey';
import { parseDossierNumber } from './numbers';
import { isLegalTransition, type DossierStatus } from './status';

/**
 * The changes one-stop systems record in the dossier register. Each function runs inside the
 * mutation's transaction (shared/subgraph/mutations.ts) with its EntityManager only; every change
 * of a dossier also moves its contribution to the evaluation counters (evaluation/counters.ts) in
 * that transaction, so the scores are never out of step with the dossiers.
 */

/** What a dossier write returns: the dossier's number (the payload reads it back). */
export interface DossierChange {
  number: string;
}

/** Everything a new dossier row holds. */
export interface NewDossier extends Unit {
  number: string;
  receivedOn: string;
  procedureCode: string;
  communeCode: string | null;
  applicantType: 'RESIDENT' | 'ENTERPRISE';
  applicantId: string;
  channel: 'IN_PERSON' | 'ONLINE' | 'POSTAL';
  status: DossierStatus;
  submittedAt: Date;
  receivedAt: Date;
  dueAt: Date;
  finishedAt: Date | null;
  returnedAt: Date | null;
  supplementCount: number;
  onlineOffered: boolean;
  feeRequired: boolean;
  paidOnline: boolean;
  digitised: boolean;
  reusedData: boolean;
  fromDataStore: boolean;
  vneidVerified: boolean;
  electronicResult: boolean;
  reportingSystem: string;
  reportedAt: Date;
  lastEventAt: Date;
}

const INSERT_COLUMNS = `number, received_on, procedure_code, unit_type, unit_code, commune_code, province_code, applicant_type, applicant_id,
  channel, status, submitted_at, received_at, due_at, finished_at, returned_at, supplement_count, online_offered, fee_required, paid_online,
  digitised, reused_data, from_data_store, vneid_verified, electronic_result, reporting_system, reported_at, last_event_at`;

const INSERT_TYPES = [
  'text',
  'date',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'timestamptz',
  'timestamptz',
  'timestamptz',
  'timestamptz',
  'timestamptz',
  'int',
  'bool',
  'bool',
  'bool',
  'bool',
  'bool',
  'bool',
  'bool',
  'bool',
  'text',
  'timestamptz',
  'timestamptz',
];

const insertValues = (rows: readonly NewDossier[]): unknown[][] => [
  rows.map((r) => r.number),
  rows.map((r) => r.receivedOn),
  rows.map((r) => r.procedureCode),
  rows.map((r) => r.unitType),
  rows.map((r) => r.unitCode),
  rows.map((r) => r.communeCode),
  rows.map((r) => r.provinceCode),
  rows.map((r) => r.applicantType),
  rows.map((r) => r.applicantId),
  rows.map((r) => r.channel),
  rows.map((r) => r.status),
  rows.map((r) => r.submittedAt.toISOString()),
  rows.map((r) => r.receivedAt.toISOString()),
  rows.map((r) => r.dueAt.toISOString()),
  rows.map((r) => r.finishedAt?.toISOString() ?? null),
  rows.map((r) => r.returnedAt?.toISOString() ?? null),
  rows.map((r) => r.supplementCount),
  rows.map((r) => r.onlineOffered),
  rows.map((r) => r.feeRequired),
  rows.map((r) => r.paidOnline),
  rows.map((r) => r.digitised),
  rows.map((r) => r.reusedData),
  rows.map((r) => r.fromDataStore),
  rows.map((r) => r.vneidVerified),
  rows.map((r) => r.electronicResult),
  rows.map((r) => r.reportingSystem),
  rows.map((r) => r.reportedAt.toISOString()),
  rows.map((r) => r.lastEventAt.toISOString()),
];

/**
 * Inserts dossiers (existing numbers are skipped) and adds the new ones' contributions to the
 * counters, in the caller's transaction; returns the numbers inserted. Used by receiveDossier, the
 * import and the seeder alike.
 */
export async function insertDossiers(em: EntityManager, rows: readonly NewDossier[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = (await em.query(
    `INSERT INTO public_services.dossier (${INSERT_COLUMNS})
     SELECT * FROM unnest(${INSERT_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
     ON CONFLICT DO NOTHING RETURNING number`,
    insertValues(rows),
  )) as { number: string }[];
  const numbers = new Set(inserted.map((r) => r.number));
  const fresh = rows.filter((r) => numbers.has(r.number));
  await applyDeltas(
    em,
    difference(
      [],
      fresh.flatMap((r) => contributionOf(r)),
    ),
  );
  return numbers;
}

/** Appends history entries. */
export async function recordEvents(
  em: EntityManager,
  events: readonly { number: string; at: Date; fromStatus: string | null; toStatus: string; note: string | null }[],
): Promise<void> {
  if (events.length === 0) return;
  await em.query(
    // The history is partitioned by the dossier's reception date, the second part of its number (numbers.ts).
    `INSERT INTO public_services.dossier_event (number, received_on, at, from_status, to_status, note)
     SELECT n, to_date(split_part(n, '-', 2), 'YYMMDD'), a, f, t, o FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[]) AS e(n, a, f, t, o)`,
    [
      events.map((e) => e.number),
      events.map((e) => e.at.toISOString()),
      events.map((e) => e.fromStatus),
      events.map((e) => e.toStatus),
      events.map((e) => e.note),
    ],
  );
}

/** The dossier row as stored, locked for the rest of the transaction, or null. */
export async function lockDossier(
  em: EntityManager,
  number: string,
): Promise<
  | (DossierFacts & {
      number: string;
      communeCode: string | null;
      applicantType: string;
      applicantId: string;
      version: number;
      lastEventAt: Date;
      returnedAt: Date | null;
    })
  | null
> {
  const parsed = parseDossierNumber(number);
  const province = parsed ? (await provincesOfNumbers(em, [number])).get(number) : undefined;
  if (!parsed || !province) return null;
  const [row] = (await em.query(
    `SELECT d.number, d.commune_code AS "communeCode", d.applicant_type AS "applicantType", d.applicant_id AS "applicantId", d.version,
       d.last_event_at AS "lastEventAt", d.returned_at AS "returnedAt", ${FACT_COLUMNS('d')}
     FROM public_services.dossier d WHERE d.number = $1 AND d.received_on = $2::date AND d.province_code = $3 FOR UPDATE`,
    [number, parsed.receivedOn, province],
  )) as NonNullable<Awaited<ReturnType<typeof lockDossier>>>[];
  return row ?? null;
}

/** Writes a dossier's changed columns and bumps its version; moves its counters from `before` to `after`. */
export async function updateDossier(
  em: EntityManager,
  before: DossierFacts & { number: string; receivedOn?: string },
  after: DossierFacts & Record<string, unknown>,
  set: Record<string, unknown>,
): Promise<void> {
  const columns = Object.keys(set);
  const parsed = parseDossierNumber(before.number)!;
  await em.query(
    `UPDATE public_services.dossier SET ${columns.map((c, i) => `${c} = $${i + 4}`).join(', ')}, version = version + 1
     WHERE number = $1 AND received_on = $2::date AND province_code = $3`,
    [
      before.number,
      parsed.receivedOn,
      before.provinceCode,
      ...columns.map((c) => (set[c] instanceof Date ? (set[c] as Date).toISOString() : set[c])),
    ],
  );
  await applyDeltas(em, difference(contributionOf(before), contributionOf(after)));
}

/** Records the latest delivery of a reporting system. */
export async function touchSyncStatus(
  em: EntityManager,
  system: string,
  provinceCode: string | null,
  update: { lastEventAt: Date | null; accepted: number; rejected: number; lastError: string | null; now?: Date },
): Promise<void> {
  const now = update.now ?? new Date();
  await em.query(
    `INSERT INTO public_services.sync_status AS s (system, province_code, last_event_at, last_received_at, lag_seconds, accepted_rows, rejected_rows, last_error)
     VALUES ($1, $2, $3::timestamptz, $4::timestamptz, extract(epoch FROM $4::timestamptz - $3::timestamptz), $5, $6, $7)
     ON CONFLICT (system) DO UPDATE SET
       province_code = CASE WHEN s.province_code IS NOT DISTINCT FROM EXCLUDED.province_code THEN s.province_code ELSE NULL END,
       last_event_at = greatest(s.last_event_at, EXCLUDED.last_event_at),
       last_received_at = EXCLUDED.last_received_at,
       lag_seconds = coalesce(EXCLUDED.lag_seconds, s.lag_seconds),
       accepted_rows = s.accepted_rows + EXCLUDED.accepted_rows,
       rejected_rows = s.rejected_rows + EXCLUDED.rejected_rows,
       last_error = coalesce(EXCLUDED.last_error, s.last_error)`,
    [
      system,
      provinceCode,
      update.lastEventAt?.toISOString() ?? null,
      now.toISOString(),
      update.accepted,
      update.rejected,
      update.lastError,
    ],
  );
}

/** The one-stop system a caller's writes come from, for the sync status. */
export const systemOf = (ctx: MutationContext): string => `${ctx.identity.role}:${ctx.identity.organisation ?? ctx.identity.subject}`;

const subjectsOf = (d: { applicantType: string; applicantId: string }) => (d.applicantType === 'RESIDENT' ? [d.applicantId] : []);

/** Tiếp nhận hồ sơ: a new dossier, RECEIVED, with its first history entry. */
export async function receive(ctx: MutationContext, em: EntityManager, dossier: NewDossier): Promise<Change<DossierChange>> {
  const inserted = await insertDossiers(em, [dossier]);
  if (!inserted.has(dossier.number)) {
    throw new PublicError(ErrorCode.CONFLICT, `Dossier ${dossier.number} was already received; a number is issued once`, {
      argument: 'input.number',
      value: dossier.number,
    });
  }
  await recordEvents(em, [{ number: dossier.number, at: dossier.receivedAt, fromStatus: null, toStatus: dossier.status, note: null }]);
  await touchSyncStatus(em, dossier.reportingSystem, dossier.provinceCode, {
    lastEventAt: dossier.receivedAt,
    accepted: 1,
    rejected: 0,
    lastError: null,
  });
  return {
    result: { number: dossier.number },
    subjects: subjectsOf(dossier),
    events: [...dossierEvents(dossier), ...evaluationEvents(contributionOf(dossier))],
  };
}

/** A status change, and what else it sets. */
export interface Transition {
  number: string;
  field: string;
  expectedVersion?: number | null;
  to: DossierStatus;
  at: Date;
  note: string | null;
  /** Columns to set besides the status (finished_at …), and the facts they change. */
  set?: Record<string, unknown>;
  facts?: Partial<DossierFacts>;
  /** Checks against the locked row, after the transition was found legal. */
  check?: (row: NonNullable<Awaited<ReturnType<typeof lockDossier>>>) => Promise<void> | void;
}

/**
 * Moves a dossier along a legal transition: locks it, checks the caller's jurisdiction over its
 * receiving unit (outside it: NOT_FOUND, as on reads), its version, the transition
 * (ILLEGAL_TRANSITION otherwise) and the time (not before its latest event); updates it, its
 * history, its counters and its system's sync status.
 */
export async function transition(ctx: MutationContext, em: EntityManager, t: Transition): Promise<Change<DossierChange>> {
  const row = await lockDossier(em, t.number);
  if (!row) throw missing('Dossier', 'input.number', t.number);
  authorizePlace(
    ctx,
    t.field,
    { communeCodes: row.communeCode ? [row.communeCode] : [], provinceCodes: [row.provinceCode] },
    subjectsOf(row),
    { type: 'Dossier', key: 'input.number', value: t.number },
  );
  checkVersion('Dossier', t.number, row.version, t.expectedVersion);
  if (!isLegalTransition(row.status, t.to)) {
    throw new PublicError(ErrorCode.ILLEGAL_TRANSITION, `A dossier ${row.status} cannot become ${t.to}`, {
      argument: 'input.status',
      from: row.status,
      to: t.to,
    });
  }
  if (t.at.getTime() < new Date(row.lastEventAt).getTime()) {
    throw badInput('input.at', t.at.toISOString(), `is before the dossier's latest event (${new Date(row.lastEventAt).toISOString()})`);
  }
  await t.check?.(row);
  const after = { ...row, ...t.facts, status: t.to };
  await updateDossier(em, row, after, { status: t.to, last_event_at: t.at, ...t.set });
  await recordEvents(em, [{ number: t.number, at: t.at, fromStatus: row.status, toStatus: t.to, note: t.note }]);
  await touchSyncStatus(em, systemOf(ctx), row.provinceCode, { lastEventAt: t.at, accepted: 1, rejected: 0, lastError: null });
  return {
    result: { number: t.number },
    subjects: subjectsOf(row),
    events: [...dossierEvents(row), ...evaluationEvents(difference(contributionOf(row), contributionOf(after)))],
  };
}

/** Yêu cầu bổ sung: a new supplement round; the clock stops. */
export function requestSupplement(
  ctx: MutationContext,
  em: EntityManager,
  input: { number: string; expectedVersion?: number | null; reason: string; at: Date },
): Promise<Change<DossierChange>> {
  return transitionWith(ctx, em, { ...input, note: input.reason }, 'requestSupplement', 'SUPPLEMENT_REQUESTED', async (row) => {
    const round = row.supplementCount + 1;
    await em.query(
      `INSERT INTO public_services.dossier_supplement (number, round, requested_at, previous_due_at, reason) VALUES ($1, $2, $3, $4, $5)`,
      [row.number, round, input.at.toISOString(), new Date(row.dueAt).toISOString(), input.reason],
    );
    return { set: { supplement_count: round }, facts: { supplementCount: round } };
  });
}

/** Hoàn thành bổ sung: the due time moves by the time the applicant took. */
export function completeSupplement(
  ctx: MutationContext,
  em: EntityManager,
  input: { number: string; expectedVersion?: number | null; at: Date },
): Promise<Change<DossierChange>> {
  return transitionWith(ctx, em, input, 'completeSupplement', 'IN_PROGRESS', async (row) => {
    if (row.status !== 'SUPPLEMENT_REQUESTED') {
      throw new PublicError(ErrorCode.ILLEGAL_TRANSITION, `A dossier ${row.status} has no supplement to complete`, {
        argument: 'input.number',
        from: row.status,
        to: 'IN_PROGRESS',
      });
    }
    const [round] = (await em.query(
      `SELECT round, requested_at AS "requestedAt" FROM public_services.dossier_supplement WHERE number = $1 ORDER BY round DESC LIMIT 1`,
      [row.number],
    )) as { round: number; requestedAt: Date }[];
    const spent = Math.max(0, input.at.getTime() - new Date(round!.requestedAt).getTime());
    const newDue = new Date(new Date(row.dueAt).getTime() + spent);
    await em.query(`UPDATE public_services.dossier_supplement SET completed_at = $3, new_due_at = $4 WHERE number = $1 AND round = $2`, [
      row.number,
      round!.round,
      input.at.toISOString(),
      newDue.toISOString(),
    ]);
    return { set: { due_at: newDue }, facts: { dueAt: newDue } };
  });
}

/**
 * A transition whose extra columns depend on the locked row: `prepare` runs after the checks and
 * returns what to set.
 */
export async function transitionWith(
  ctx: MutationContext,
  em: EntityManager,
  input: { number: string; expectedVersion?: number | null; at: Date; note?: string | null },
  field: string,
  to: DossierStatus,
  prepare: (
    row: NonNullable<Awaited<ReturnType<typeof lockDossier>>>,
  ) =>
    | Promise<{ set?: Record<string, unknown>; facts?: Partial<DossierFacts> } | void>
    | { set?: Record<string, unknown>; facts?: Partial<DossierFacts> }
    | void,
): Promise<Change<DossierChange>> {
  const holder: { set?: Record<string, unknown>; facts?: Partial<DossierFacts> } = {};
  const t: Transition = {
    number: input.number,
    field,
    expectedVersion: input.expectedVersion ?? null,
    to,
    at: input.at,
    note: input.note ?? null,
    check: async (row) => {
      const extra = await prepare(row);
      if (extra) {
        holder.set = extra.set;
        holder.facts = extra.facts;
      }
      t.set = holder.set;
      t.facts = holder.facts;
    },
  };
  return transition(ctx, em, t);
}

/** Ghi nhận phản ánh: a feedback and its counters. */
export async function recordFeedback(
  em: EntityManager,
  f: Unit & { category: string; dossierNumber: string | null; receivedAt: Date; handledAt: Date | null; satisfied: boolean | null },
): Promise<Change<{ feedbackId: string }>> {
  const [{ id }] = (await em.query(
    `INSERT INTO public_services.feedback (category, unit_type, unit_code, province_code, dossier_number, received_at, handled_at, satisfied)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text AS id`,
    [
      f.category,
      f.unitType,
      f.unitCode,
      f.provinceCode,
      f.dossierNumber,
      f.receivedAt.toISOString(),
      f.handledAt?.toISOString() ?? null,
      f.satisfied,
    ],
  )) as [{ id: string }];
  const deltas = feedbackContribution(f);
  await applyDeltas(em, deltas);
  return { result: { feedbackId: id }, subjects: [], events: evaluationEvents(deltas) };
}
