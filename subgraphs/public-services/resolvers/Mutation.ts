import { badInput, ErrorCode, PublicError } from '../../../shared/graphql/errors';
import { authorizePlace, authorizeRole, requireText, runMutation, type Outcome } from '../../../shared/subgraph/mutations';
import { findCommune } from '../../../shared/subgraph/references';
import type { Context } from '../context';
import type { DossierFacts } from '../evaluation/counters';
import { dueFrom, parseDossierNumber, vietnamDate } from '../numbers';
import type { DossierStatus } from '../status';
import * as writes from '../writes';

/** Dossiers change only through these; any other status change has its own mutation. */
const BY_STATUS_CHANGE: ReadonlySet<DossierStatus> = new Set([
  'RECEIVED',
  'NOT_RECEIVED',
  'IN_PROGRESS',
  'FEE_REQUESTED',
  'STOPPED',
  'DONE',
]);
const OWN_MUTATION: Partial<Record<DossierStatus, string>> = {
  SUPPLEMENT_REQUESTED: 'requestSupplement',
  RETURNED: 'returnResult',
  WITHDRAWN: 'withdrawDossier',
};
/** How far ahead of the server's clock a reported time may be (clocks of one-stop systems drift). */
const CLOCK_SKEW_MS = 5 * 60_000;

interface Common {
  idempotencyKey?: string | null;
  number: string;
  expectedVersion?: number | null;
  at?: Date | null;
}

/** A reported time: now when omitted, never in the future. */
function when(argument: string, at: Date | null | undefined, now = new Date()): Date {
  if (!at) return now;
  if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) throw badInput(argument, at.toISOString(), 'is in the future');
  return at;
}

const text = (argument: string, value: string | null | undefined) => (value == null ? null : requireText(argument, value, 500));

/** The receiving unit of a write: a commune (checked with administrative-units) or one of this subgraph's departments. */
async function receivingUnit(
  ctx: Context,
  field: string,
  given: { communeCode?: string | null; departmentCode?: string | null },
): Promise<{ unitType: 'COMMUNE' | 'DEPARTMENT'; unitCode: string; communeCode: string | null; provinceCode: string }> {
  if (Boolean(given.communeCode) === Boolean(given.departmentCode))
    throw badInput('input.communeCode', given.communeCode ?? null, 'give either communeCode or departmentCode');
  if (given.communeCode) {
    const place = await findCommune(ctx.references, given.communeCode, 'input.communeCode');
    authorizePlace(ctx, field, { communeCodes: [place.communeCode], provinceCodes: [place.provinceCode] });
    return { unitType: 'COMMUNE', unitCode: place.communeCode, communeCode: place.communeCode, provinceCode: place.provinceCode };
  }
  const department = await ctx.loaders.departmentByCode.load(given.departmentCode!);
  if (!department) throw badInput('input.departmentCode', given.departmentCode, 'is not a department code (see Province.departments)');
  authorizePlace(ctx, field, { communeCodes: [], provinceCodes: [department.provinceCode] });
  return { unitType: 'DEPARTMENT', unitCode: department.code, communeCode: null, provinceCode: department.provinceCode };
}

async function checkApplicant(ctx: Context, applicant: { citizenId?: string | null; taxCode?: string | null }) {
  const { citizenId, taxCode } = applicant;
  if (Boolean(citizenId) === Boolean(taxCode))
    throw badInput('input.applicant', applicant, 'give either citizenId (a resident) or taxCode (an enterprise)');
  const [type, keyField, id] = citizenId ? (['Resident', 'citizenId', citizenId] as const) : (['Enterprise', 'taxCode', taxCode!] as const);
  const found = await ctx.references.find(type, keyField, [id]);
  if (!found.has(id))
    throw badInput(
      `input.applicant.${keyField}`,
      id,
      type === 'Resident' ? 'no resident with this citizenId is registered' : 'no enterprise with this taxCode is registered',
    );
  return citizenId
    ? { applicantType: 'RESIDENT' as const, applicantId: citizenId }
    : { applicantType: 'ENTERPRISE' as const, applicantId: taxCode! };
}

export const Mutation = {
  receiveDossier: async (
    _: unknown,
    {
      input,
    }: {
      input: {
        idempotencyKey?: string | null;
        number: string;
        procedureCode: string;
        communeCode?: string | null;
        departmentCode?: string | null;
        applicant: { citizenId?: string | null; taxCode?: string | null };
        channel: 'IN_PERSON' | 'ONLINE' | 'POSTAL';
        submittedAt?: Date | null;
        receivedAt: Date;
        dueAt?: Date | null;
        digitised?: boolean | null;
        reusedData?: boolean | null;
        fromDataStore?: boolean | null;
        vneidVerified?: boolean | null;
        paidOnline?: boolean | null;
      };
    },
    ctx: Context,
  ) => {
    const field = 'receiveDossier';
    authorizeRole(ctx, field);
    const parsed = parseDossierNumber(input.number)!; // well formed: checked by the DossierNumber scalar
    const receivedAt = when('input.receivedAt', input.receivedAt);
    if (!/^\d\.\d{6}$/.test(input.procedureCode))
      throw badInput('input.procedureCode', input.procedureCode, 'a procedure code is a digit, a dot and 6 digits, e.g. 1.005129');
    const procedure = await ctx.loaders.procedureByCode.load(input.procedureCode);
    if (!procedure)
      throw badInput('input.procedureCode', input.procedureCode, 'is not a procedure of the catalogue (see Query.procedures)');
    const unit = await receivingUnit(ctx, field, input);
    if (parsed.unitCode !== unit.unitCode)
      throw badInput('input.number', input.number, `its unit code must be the receiving unit's (${unit.unitCode})`);
    if (parsed.receivedOn !== vietnamDate(receivedAt))
      throw badInput('input.number', input.number, `its date must be the reception date in Vietnam (${vietnamDate(receivedAt)})`);
    if ((procedure.level === 'COMMUNE') !== (unit.unitType === 'COMMUNE'))
      throw badInput(
        'input.procedureCode',
        input.procedureCode,
        `is a ${procedure.level.toLowerCase()}-level procedure, not received by this unit`,
      );
    if (input.channel === 'ONLINE' && procedure.onlineLevel === 'NONE')
      throw badInput('input.channel', input.channel, 'this procedure is not offered online');
    const submittedAt = input.submittedAt ?? receivedAt;
    if (submittedAt.getTime() > receivedAt.getTime()) throw badInput('input.submittedAt', submittedAt.toISOString(), 'is after receivedAt');
    const dueAt = input.dueAt ?? dueFrom(receivedAt, procedure.timeLimit, procedure.timeLimitUnit as 'HOURS' | 'WORKING_DAYS');
    if (dueAt.getTime() <= receivedAt.getTime()) throw badInput('input.dueAt', dueAt.toISOString(), 'must be after receivedAt');
    const applicant = await checkApplicant(ctx, input.applicant);
    const now = new Date();
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Dossier'],
      apply: (em) =>
        writes.receive(ctx, em, {
          number: input.number,
          receivedOn: parsed.receivedOn,
          procedureCode: procedure.code,
          ...unit,
          ...applicant,
          channel: input.channel,
          status: 'RECEIVED',
          submittedAt,
          receivedAt,
          dueAt,
          finishedAt: null,
          returnedAt: null,
          supplementCount: 0,
          onlineOffered: procedure.onlineLevel !== 'NONE',
          feeRequired: procedure.hasFee,
          paidOnline: Boolean(input.paidOnline) && procedure.hasFee,
          digitised: Boolean(input.digitised),
          reusedData: Boolean(input.reusedData),
          fromDataStore: Boolean(input.fromDataStore),
          vneidVerified: Boolean(input.vneidVerified),
          electronicResult: false,
          reportingSystem: writes.systemOf(ctx),
          reportedAt: now,
          lastEventAt: receivedAt,
        }),
    });
  },

  changeDossierStatus: async (
    _: unknown,
    {
      input,
    }: { input: Common & { status: DossierStatus; note?: string | null; electronicResult?: boolean | null; paidOnline?: boolean | null } },
    ctx: Context,
  ) => {
    const field = 'changeDossierStatus';
    authorizeRole(ctx, field);
    const own = OWN_MUTATION[input.status];
    if (own || !BY_STATUS_CHANGE.has(input.status))
      throw badInput('input.status', input.status, `use ${own ?? 'another mutation'} for this change`);
    const at = when('input.at', input.at);
    const note = text('input.note', input.note);
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Dossier'],
      apply: (em) =>
        writes.transitionWith(ctx, em, { ...input, at, note }, field, input.status, (row) => {
          if (row.status === 'SUPPLEMENT_REQUESTED' && input.status === 'IN_PROGRESS') {
            throw new PublicError(ErrorCode.ILLEGAL_TRANSITION, 'A dossier waiting for a supplement resumes through completeSupplement', {
              argument: 'input.status',
              from: row.status,
              to: input.status,
            });
          }
          const set: Record<string, unknown> = {};
          const facts: Partial<DossierFacts> = {};
          if (input.status === 'DONE') {
            set.finished_at = at;
            facts.finishedAt = at;
            if (input.electronicResult != null) {
              set.electronic_result = input.electronicResult;
              facts.electronicResult = input.electronicResult;
            }
          }
          if (input.status === 'NOT_RECEIVED' || input.status === 'STOPPED') set.returned_at = at;
          if (input.paidOnline != null) {
            set.paid_online = input.paidOnline && row.feeRequired;
            facts.paidOnline = input.paidOnline && row.feeRequired;
          }
          return { set, facts };
        }),
    });
  },

  requestSupplement: async (_: unknown, { input }: { input: Common & { reason: string } }, ctx: Context) => {
    const field = 'requestSupplement';
    authorizeRole(ctx, field);
    const reason = requireText('input.reason', input.reason, 500);
    const at = when('input.at', input.at);
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Dossier'],
      apply: (em) => writes.requestSupplement(ctx, em, { ...input, reason, at }),
    });
  },

  completeSupplement: async (_: unknown, { input }: { input: Common }, ctx: Context) => {
    const field = 'completeSupplement';
    authorizeRole(ctx, field);
    const at = when('input.at', input.at);
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Dossier'],
      apply: (em) => writes.completeSupplement(ctx, em, { ...input, at }),
    });
  },

  returnResult: async (_: unknown, { input }: { input: Common & { electronicResult?: boolean | null } }, ctx: Context) => {
    const field = 'returnResult';
    authorizeRole(ctx, field);
    const at = when('input.at', input.at);
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Dossier'],
      apply: (em) =>
        writes.transitionWith(ctx, em, { ...input, at }, field, 'RETURNED', (row) => {
          const electronic = Boolean(input.electronicResult) || row.electronicResult;
          return { set: { returned_at: at, electronic_result: electronic }, facts: { electronicResult: electronic } };
        }),
    });
  },

  withdrawDossier: async (_: unknown, { input }: { input: Common & { reason: string } }, ctx: Context) => {
    const field = 'withdrawDossier';
    authorizeRole(ctx, field);
    const reason = requireText('input.reason', input.reason, 500);
    const at = when('input.at', input.at);
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['Dossier'],
      apply: (em) =>
        writes.transitionWith(ctx, em, { ...input, at, note: reason }, field, 'WITHDRAWN', () => ({ set: { returned_at: at } })),
    });
  },

  recordFeedback: async (
    _: unknown,
    {
      input,
    }: {
      input: {
        idempotencyKey?: string | null;
        category: string;
        communeCode?: string | null;
        departmentCode?: string | null;
        dossierNumber?: string | null;
        receivedAt?: Date | null;
        handledAt?: Date | null;
        satisfied?: boolean | null;
      };
    },
    ctx: Context,
  ) => {
    const field = 'recordFeedback';
    authorizeRole(ctx, field);
    const receivedAt = when('input.receivedAt', input.receivedAt);
    const handledAt = input.handledAt ? when('input.handledAt', input.handledAt) : null;
    if (handledAt && handledAt.getTime() < receivedAt.getTime())
      throw badInput('input.handledAt', handledAt.toISOString(), 'is before receivedAt');
    let unit: { unitType: 'COMMUNE' | 'DEPARTMENT'; unitCode: string; provinceCode: string };
    if (input.dossierNumber) {
      if (input.communeCode || input.departmentCode)
        throw badInput('input.dossierNumber', input.dossierNumber, 'give the dossier, or the unit, not both');
      const dossier = await ctx.loaders.dossierByNumber.load(input.dossierNumber);
      if (!dossier)
        throw new PublicError(ErrorCode.NOT_FOUND, `Dossier "${input.dossierNumber}" (input.dossierNumber) not found`, {
          argument: 'input.dossierNumber',
        });
      unit = { unitType: dossier.unitType, unitCode: dossier.unitCode, provinceCode: dossier.provinceCode };
    } else {
      unit = await receivingUnit(ctx, field, input);
    }
    return runMutation(ctx, {
      field,
      input,
      invalidates: [],
      apply: (em) =>
        writes.recordFeedback(em, {
          ...unit,
          category: input.category,
          dossierNumber: input.dossierNumber ?? null,
          receivedAt,
          handledAt,
          satisfied: input.satisfied ?? null,
        }),
    });
  },
};

/** The payload of a dossier write: the dossier as it is now (within the caller's jurisdiction). */
export const DossierChange = {
  dossier: (change: Outcome<writes.DossierChange>, _: unknown, ctx: Context) => ctx.loaders.dossierByNumber.load(change.number),
};

/** The payload of recordFeedback. */
export const FeedbackChange = {
  feedback: async (change: Outcome<{ feedbackId: string }>, _: unknown, ctx: Context) =>
    (
      (await ctx.db.query(
        `SELECT id::text AS id, category, unit_type AS "unitType", unit_code AS "unitCode", dossier_number AS "dossierNumber",
           received_at AS "receivedAt", handled_at AS "handledAt", satisfied FROM public_services.feedback WHERE id = $1::bigint`,
        [change.feedbackId],
      )) as unknown[]
    )[0],
};
