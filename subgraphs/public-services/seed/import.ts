import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { appendWithin } from '../../../shared/audit';
import { isValidCitizenId, isValidTaxCode } from '../../../shared/graphql/identifiers';
import type { References } from '../../../shared/subgraph/references';
import { applyDeltas, contributionOf, difference } from '../evaluation/counters';
import { DEPARTMENT_CODE, dueFrom, parseDossierNumber, parseInstant, vietnamDate, type ParsedNumber } from '../numbers';
import { STATUS_CODES, STATUS_RANK, TRANSITIONS, statusOfCode, type DossierStatus } from '../status';
import { insertDossiers, recordEvents, touchSyncStatus, type NewDossier } from '../writes';
import { provincesOfNumbers } from '../dossierKey';
import { generateDossiers, type DossierSeedOptions } from './dossiers';
import type { LiveEvent, LivePublisher } from '../../../shared/live';
import { dossierEvents, evaluationEvents, publishInChunks } from '../live';

/**
 * The bulk import of dossiers in the national public service portal's synchronisation format
 * (NDJSON, one dossier per line, Vietnamese field names; the mapping is in ../README.md).
 *
 * All or nothing: every line is validated first (against the catalogue, the departments, the
 * communes in force and the dossiers already stored, locked for the rest of the transaction); one
 * rejected line and nothing is applied. Otherwise everything goes in one transaction through the
 * same functions the mutations use (insertDossiers, recordEvents, touchSyncStatus, applyDeltas), so
 * the evaluation counters stay equal to a recomputation.
 *
 * Deliveries are snapshots that may repeat or arrive out of order: a line equal to what is stored
 * changes nothing (unchanged); a line whose event time is older than the dossier's latest event, or
 * whose status ranks below the stored one (STATUS_RANK), changes nothing either (stale). A newer
 * status must be reachable from the stored one along the legal transitions (a snapshot may skip
 * intermediate statuses: RECEIVED → RETURNED implies DONE); anything else is an illegal transition.
 */

/** Where a commune code is (its province), for the codes in force; codes not in force are absent. */
export type CommuneLookup = (codes: readonly string[]) => Promise<Map<string, string>>;

/** A commune lookup through the administrative-units subgraph's `_entities` (as a write's reference check). */
export function communeLookup(references: References): CommuneLookup {
  return async (codes) => {
    const found = await references.find('Commune', 'code', codes, 'code province { code }');
    const result = new Map<string, string>();
    for (const [code, commune] of found) {
      const province = (commune.province as { code?: unknown } | undefined)?.code;
      if (typeof province === 'string') result.set(code, province);
    }
    return result;
  };
}

/** Who runs the import, for the audit log. */
export interface ImportActor {
  subject: string;
  role: string;
  organisation: string | null;
}

export interface ImportOptions {
  /** Validate and report only; nothing is written. */
  dryRun?: boolean;
  communes: CommuneLookup;
  /**
   * The reporting system the whole file comes from. Default: each dossier's receiving unit's own
   * one-stop system, `mot-cua-xa-{commune}` or `mot-cua-{province}` for a department.
   */
  system?: string;
  actor?: ImportActor;
  /** The audited purpose (default "import of dossiers"). */
  purpose?: string;
  /** The import's time: reportedAt of new dossiers, the sync status's receipt time (default now). */
  now?: Date;
  /** Rows per statement when applying (default 2,000). */
  batchSize?: number;
  /**
   * Where the live events go once the transaction committed (none on a dry run or a refused file):
   * one per dossier written, on its commune's and its applicant's channels, and one per unit and
   * month whose evaluation moved (not one per line), published in chunks.
   */
  live?: LivePublisher;
  /** Called as lines are read, checked, then written (`done` of `total` for each phase). */
  onProgress?: (phase: ImportPhase, done: number, total: number) => void;
}

export type ImportPhase = 'read' | 'check' | 'apply';

export interface Rejection {
  line: number;
  reason: string;
  /** MaHoSo when it could be read. */
  number?: string;
}

export interface ImportReport {
  /** Non-empty lines read. */
  read: number;
  /** Lines that created a dossier. */
  created: number;
  /** Lines that changed a dossier (stored, or created earlier in the file). */
  updated: number;
  /** Lines equal to what was already there (duplicates). */
  unchanged: number;
  /** Lines older than the dossier's latest event or of a lower status (out of order). */
  stale: number;
  rejected: Rejection[];
  /** Whether anything was written (false for a dry run or when a line was rejected). */
  applied: boolean;
  dryRun: boolean;
  /** The distinct dossiers written. */
  dossiers: number;
  /** Live events published after the commit (0 without a publisher). */
  events: number;
}

const CHANNELS: Record<number, NewDossier['channel']> = { 1: 'IN_PERSON', 2: 'ONLINE', 3: 'POSTAL' };
const FLAGS = {
  DaSoHoa: 'digitised',
  TaiSuDung: 'reusedData',
  LayTuKhoDuLieu: 'fromDataStore',
  XacThucVNeID: 'vneidVerified',
  ThanhToanTrucTuyen: 'paidOnline',
  KetQuaDienTu: 'electronicResult',
} as const;
type Flag = (typeof FLAGS)[keyof typeof FLAGS];
const DECIDED: ReadonlySet<DossierStatus> = new Set(['DONE', 'RETURNED']);
const CLOSED: ReadonlySet<DossierStatus> = new Set(['NOT_RECEIVED', 'WITHDRAWN', 'STOPPED', 'RETURNED']);
/** How far ahead of the importer's clock a reported time may be (clocks of one-stop systems drift). */
const CLOCK_SKEW_MS = 5 * 60_000;
const NOTE = 'Đồng bộ từ Cổng DVC quốc gia (import)';

/** One line, read and checked on its own (no database yet). */
interface Delivery {
  line: number;
  number: string;
  parsed: ParsedNumber;
  procedureCode: string;
  channel: NewDossier['channel'];
  applicantType: NewDossier['applicantType'];
  applicantId: string;
  submittedAt: Date | null;
  receivedAt: Date;
  dueAt: Date | null;
  finishedAt: Date | null;
  returnedAt: Date | null;
  eventAt: Date;
  status: DossierStatus;
  supplementCount: number | null;
  supplementReason: string | null;
  flags: Partial<Record<Flag, boolean>>;
}

class Rejected extends Error {}
const reject = (reason: string): never => {
  throw new Rejected(reason);
};

function instant(row: Record<string, unknown>, field: string, required: boolean): Date | null {
  const raw = row[field];
  if (raw === undefined || raw === null || raw === '') return required ? reject(`bad date: ${field} is required`) : null;
  const value = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
  return (
    parseInstant(value) ??
    reject(`bad date: ${field} ${JSON.stringify(raw)} is neither yyyyMMddHHmmss (Vietnam time) nor ISO 8601 with an offset`)
  );
}

function code(row: Record<string, unknown>, field: string): number | null {
  const raw = row[field];
  if (raw === undefined || raw === null || raw === '') return null;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  return typeof n === 'number' && Number.isInteger(n) ? n : NaN;
}

function flag(row: Record<string, unknown>, field: string): boolean | undefined {
  const raw = row[field];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (raw === true || raw === 1 || raw === '1') return true;
  if (raw === false || raw === 0 || raw === '0') return false;
  return reject(`malformed flag: ${field} ${JSON.stringify(raw)} is not true/false or 1/0`);
}

/** Reads one line of the sync format; throws Rejected with the reason. */
function readLine(text: string, line: number, now: Date): Delivery {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (error) {
    return reject(`malformed JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!row || typeof row !== 'object' || Array.isArray(row)) return reject('malformed JSON: a line must be one JSON object');
  const r = row as Record<string, unknown>;
  const number = r.MaHoSo;
  if (typeof number !== 'string' || number === '') return reject('malformed number: MaHoSo is required');
  const parsed = parseDossierNumber(number);
  if (!parsed)
    return reject(`malformed number: MaHoSo ${JSON.stringify(number)} is not {unit code}-{yymmdd}-{sequence} with an existing date`);
  if (r.DonViXuLy !== undefined && r.DonViXuLy !== null && r.DonViXuLy !== parsed.unitCode)
    return reject(`unknown unit: DonViXuLy ${JSON.stringify(r.DonViXuLy)} is not the unit of MaHoSo (${parsed.unitCode})`);
  const procedureCode = r.MaTTHC;
  if (typeof procedureCode !== 'string' || !/^\d\.\d{6}$/.test(procedureCode))
    return reject(`unknown procedure: MaTTHC ${JSON.stringify(procedureCode)} is not a procedure code (a digit, a dot and 6 digits)`);
  const channelCode = code(r, 'KenhThucHien');
  const channel = channelCode === null ? null : CHANNELS[channelCode];
  if (!channel)
    return reject(`malformed channel: KenhThucHien ${JSON.stringify(r.KenhThucHien)} is not 1 (in person), 2 (online) or 3 (postal)`);
  const statusCode = code(r, 'TrangThaiHoSo');
  const status = statusCode === null || Number.isNaN(statusCode) ? null : statusOfCode(statusCode);
  if (!status) return reject(`malformed status: TrangThaiHoSo ${JSON.stringify(r.TrangThaiHoSo)} is not a national status code 1–10`);
  const citizenId = r.SoDinhDanh;
  const taxCode = r.MaSoThue;
  const hasCitizen = citizenId !== undefined && citizenId !== null && citizenId !== '';
  const hasTax = taxCode !== undefined && taxCode !== null && taxCode !== '';
  if (hasCitizen === hasTax) return reject('malformed applicant: give either SoDinhDanh (a citizen ID) or MaSoThue (a tax code)');
  if (hasCitizen && (typeof citizenId !== 'string' || !isValidCitizenId(citizenId)))
    return reject(`malformed applicant: SoDinhDanh ${JSON.stringify(citizenId)} is not a valid 12-digit citizen ID`);
  if (hasTax && (typeof taxCode !== 'string' || !isValidTaxCode(taxCode)))
    return reject(`malformed applicant: MaSoThue ${JSON.stringify(taxCode)} is not a valid tax code`);
  const receivedAt = instant(r, 'NgayTiepNhan', true)!;
  if (vietnamDate(receivedAt) !== parsed.receivedOn)
    return reject(`bad date: NgayTiepNhan is on ${vietnamDate(receivedAt)} in Vietnam, but MaHoSo says ${parsed.receivedOn}`);
  const submittedAt = instant(r, 'NgayNopHoSo', false);
  if (submittedAt && submittedAt.getTime() > receivedAt.getTime()) return reject('bad date: NgayNopHoSo is after NgayTiepNhan');
  const dueAt = instant(r, 'NgayHenTra', false);
  if (dueAt && dueAt.getTime() <= receivedAt.getTime()) return reject('bad date: NgayHenTra must be after NgayTiepNhan');
  const finishedAt = instant(r, 'NgayKetThucXuLy', false);
  if (finishedAt && finishedAt.getTime() < receivedAt.getTime()) return reject('bad date: NgayKetThucXuLy is before NgayTiepNhan');
  const returnedAt = instant(r, 'NgayTra', false);
  if (returnedAt && returnedAt.getTime() < (finishedAt ?? receivedAt).getTime())
    return reject(`bad date: NgayTra is before ${finishedAt ? 'NgayKetThucXuLy' : 'NgayTiepNhan'}`);
  const latest = [receivedAt, finishedAt, returnedAt].reduce<Date>((a, b) => (b && b.getTime() > a.getTime() ? b : a), receivedAt);
  const eventAt = instant(r, 'NgayCapNhat', false) ?? latest;
  if (eventAt.getTime() < latest.getTime()) return reject('bad date: NgayCapNhat is before a date of the dossier it reports');
  for (const [field, at] of [
    ['NgayTiepNhan', receivedAt],
    ['NgayKetThucXuLy', finishedAt],
    ['NgayTra', returnedAt],
    ['NgayCapNhat', eventAt],
  ] as const) {
    if (at && at.getTime() > now.getTime() + CLOCK_SKEW_MS) return reject(`bad date: ${field} is in the future`);
  }
  const supplements = code(r, 'SoLanBoSung');
  if (supplements !== null && (Number.isNaN(supplements) || supplements < 0 || supplements > 20))
    return reject(`malformed number: SoLanBoSung ${JSON.stringify(r.SoLanBoSung)} is not a count of supplement rounds (0–20)`);
  const reason = r.LyDoBoSung;
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 500))
    return reject('malformed text: LyDoBoSung is a text of at most 500 characters');
  const flags: Partial<Record<Flag, boolean>> = {};
  for (const [field, name] of Object.entries(FLAGS)) {
    const value = flag(r, field);
    if (value !== undefined) flags[name] = value;
  }
  return {
    line,
    number,
    parsed,
    procedureCode,
    channel,
    applicantType: hasCitizen ? 'RESIDENT' : 'ENTERPRISE',
    applicantId: (hasCitizen ? citizenId : taxCode) as string,
    submittedAt,
    receivedAt,
    dueAt,
    finishedAt,
    returnedAt,
    eventAt,
    status,
    supplementCount: supplements,
    supplementReason: typeof reason === 'string' && reason.trim() ? reason.trim() : null,
    flags,
  };
}

/** Statuses reachable from `from` along legal transitions (one step or more). */
const REACHABLE: Readonly<Record<DossierStatus, ReadonlySet<DossierStatus>>> = Object.fromEntries(
  (Object.keys(STATUS_CODES) as DossierStatus[]).map((from) => {
    const seen = new Set<DossierStatus>();
    const queue = [...TRANSITIONS[from]];
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (!seen.has(s)) {
        seen.add(s);
        queue.push(...TRANSITIONS[s]);
      }
    }
    return [from, seen];
  }),
) as unknown as Record<DossierStatus, ReadonlySet<DossierStatus>>;

interface ProcedureInfo {
  level: string;
  onlineLevel: string;
  hasFee: boolean;
  timeLimit: number;
  timeUnit: 'HOURS' | 'WORKING_DAYS';
}

/** A dossier as it stands during the import: stored, then changed by the lines read so far. */
interface Tracked {
  row: NewDossier;
  /** The stored row before the import; null for a dossier the import creates. */
  stored: NewDossier | null;
  touched: boolean;
}

const SELECT_STORED = `number, to_char(received_on, 'YYYY-MM-DD') AS "receivedOn", procedure_code AS "procedureCode", unit_type AS "unitType",
  unit_code AS "unitCode", commune_code AS "communeCode", province_code AS "provinceCode", applicant_type AS "applicantType",
  applicant_id AS "applicantId", channel, status, submitted_at AS "submittedAt", received_at AS "receivedAt", due_at AS "dueAt",
  finished_at AS "finishedAt", returned_at AS "returnedAt", supplement_count AS "supplementCount", online_offered AS "onlineOffered",
  fee_required AS "feeRequired", paid_online AS "paidOnline", digitised, reused_data AS "reusedData", from_data_store AS "fromDataStore",
  vneid_verified AS "vneidVerified", electronic_result AS "electronicResult", reporting_system AS "reportingSystem",
  reported_at AS "reportedAt", last_event_at AS "lastEventAt"`;

const toDate = (v: unknown) => (v == null ? null : new Date(v as string | Date));

async function loadStored(em: EntityManager, numbers: readonly ParsedNumber[], keys: readonly string[], lock: boolean) {
  // The key table names the province partition of each stored number (dossierKey.ts); the others are new.
  const provinces = await provincesOfNumbers(em, keys);
  const stored = keys.flatMap((k, i) =>
    provinces.has(k) ? [{ number: k, receivedOn: numbers[i]!.receivedOn, province: provinces.get(k)! }] : [],
  );
  if (stored.length === 0) return [];
  const rows = (await em.query(
    `SELECT ${SELECT_STORED} FROM public_services.dossier
     WHERE received_on = ANY($2::date[]) AND province_code = ANY($3::text[])
       AND (number, received_on, province_code) IN (SELECT * FROM unnest($1::text[], $2::date[], $3::text[]))${lock ? ' FOR UPDATE' : ''}`,
    [stored.map((s) => s.number), stored.map((s) => s.receivedOn), stored.map((s) => s.province)],
  )) as (NewDossier & Record<string, unknown>)[];
  return rows.map((r): NewDossier => ({
    ...r,
    submittedAt: toDate(r.submittedAt)!,
    receivedAt: toDate(r.receivedAt)!,
    dueAt: toDate(r.dueAt)!,
    finishedAt: toDate(r.finishedAt),
    returnedAt: toDate(r.returnedAt),
    reportedAt: toDate(r.reportedAt)!,
    lastEventAt: toDate(r.lastEventAt)!,
  }));
}

const time = (d: Date | null) => (d ? d.getTime() : null);

/** Whether two states of a dossier differ in what a delivery can change. */
function sameState(a: NewDossier, b: NewDossier): boolean {
  return (
    a.status === b.status &&
    time(a.dueAt) === time(b.dueAt) &&
    time(a.finishedAt) === time(b.finishedAt) &&
    time(a.returnedAt) === time(b.returnedAt) &&
    a.supplementCount === b.supplementCount &&
    a.paidOnline === b.paidOnline &&
    a.digitised === b.digitised &&
    a.reusedData === b.reusedData &&
    a.fromDataStore === b.fromDataStore &&
    a.vneidVerified === b.vneidVerified &&
    a.electronicResult === b.electronicResult
  );
}

/** The dossier after a delivery: what it states, what it leaves out kept from `current`. */
function after(current: NewDossier, d: Delivery): NewDossier {
  const decided = DECIDED.has(d.status);
  const finishedAt = decided ? (d.finishedAt ?? current.finishedAt) : null;
  if (decided && !finishedAt) reject(`bad date: NgayKetThucXuLy is required for TrangThaiHoSo ${STATUS_CODES[d.status]}`);
  const returnedAt = CLOSED.has(d.status) ? (d.returnedAt ?? current.returnedAt ?? d.eventAt) : null;
  const entering = d.status === 'SUPPLEMENT_REQUESTED' && current.status !== 'SUPPLEMENT_REQUESTED' ? 1 : 0;
  const supplementCount = Math.max(current.supplementCount, d.supplementCount ?? current.supplementCount + entering);
  const f = (name: Flag) => d.flags[name] ?? current[name];
  return {
    ...current,
    status: d.status,
    dueAt: d.dueAt ?? current.dueAt,
    finishedAt,
    returnedAt,
    supplementCount: d.status === 'SUPPLEMENT_REQUESTED' ? Math.max(1, supplementCount) : supplementCount,
    paidOnline: f('paidOnline') && current.feeRequired,
    digitised: f('digitised'),
    reusedData: f('reusedData'),
    fromDataStore: f('fromDataStore'),
    vneidVerified: f('vneidVerified'),
    electronicResult: f('electronicResult'),
    lastEventAt: d.eventAt,
  };
}

/** The one-stop system a dossier's rows come from when the file does not name one. */
export function reportingSystemOf(unit: { unitType: string; unitCode: string; provinceCode: string }): string {
  return unit.unitType === 'COMMUNE' ? `mot-cua-xa-${unit.unitCode}` : `mot-cua-${unit.provinceCode}`;
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Imports the NDJSON `text` (see the module comment). Returns the report; writes only when no line
 * was rejected and `dryRun` is off. When lines are rejected (and it is not a dry run), the refusal
 * is recorded in the sync status of the systems they came from (rejected rows, last error), and
 * nothing else.
 */
export async function importDossiers(db: DataSource, text: string, options: ImportOptions): Promise<ImportReport> {
  const now = options.now ?? new Date();
  const dryRun = options.dryRun ?? false;
  const batchSize = options.batchSize ?? 2_000;
  const progress = options.onProgress ?? (() => undefined);
  const lines = text.split('\n');
  const report: ImportReport = {
    read: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    stale: 0,
    rejected: [],
    applied: false,
    dryRun,
    dossiers: 0,
    events: 0,
  };
  const deliveries: Delivery[] = [];
  /** Systems of rejected lines (by the unit of their number when readable), for the sync status. */
  const rejectedBySystem = new Map<string, { count: number; province: string | null; error: string }>();
  const rejectLine = (
    line: number,
    reason: string,
    number?: string,
    unit?: { unitType: string; unitCode: string; provinceCode: string },
  ) => {
    report.rejected.push({ line, reason, ...(number ? { number } : {}) });
    const system = options.system ?? (unit ? reportingSystemOf(unit) : null);
    if (!system) return;
    const entry = rejectedBySystem.get(system) ?? { count: 0, province: unit?.provinceCode ?? null, error: '' };
    entry.count += 1;
    entry.error = `line ${line}: ${reason}`;
    rejectedBySystem.set(system, entry);
  };
  const total = lines.filter((l) => l.trim() !== '').length;
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    report.read += 1;
    try {
      deliveries.push(readLine(raw, i + 1, now));
    } catch (error) {
      if (!(error instanceof Rejected)) throw error;
      const number = /"MaHoSo"\s*:\s*"([^"]{1,40})"/.exec(raw)?.[1];
      rejectLine(i + 1, error.message, number);
    }
    if (report.read % 5_000 === 0) progress('read', report.read, total);
  });

  const procedures = new Map(
    (
      (await db.query(
        `SELECT code, level, online_level AS "onlineLevel", has_fee AS "hasFee", time_limit::float8 AS "timeLimit", time_unit AS "timeUnit" FROM public_services.procedure`,
      )) as (ProcedureInfo & { code: string })[]
    ).map((p) => [p.code, p]),
  );
  const departments = new Map(
    (
      (await db.query(`SELECT code, province_code AS "provinceCode" FROM public_services.department`)) as {
        code: string;
        provinceCode: string;
      }[]
    ).map((d) => [d.code, d.provinceCode]),
  );
  const communeCodes = [...new Set(deliveries.map((d) => d.parsed.unitCode).filter((c) => !DEPARTMENT_CODE.test(c)))];
  const communes = communeCodes.length > 0 ? await options.communes(communeCodes) : new Map<string, string>();
  const unitOf = (unitCode: string) => {
    const department = DEPARTMENT_CODE.test(unitCode);
    const province = department ? departments.get(unitCode) : communes.get(unitCode);
    return province
      ? {
          unitType: department ? ('DEPARTMENT' as const) : ('COMMUNE' as const),
          unitCode,
          communeCode: department ? null : unitCode,
          provinceCode: province,
        }
      : null;
  };

  const run = async (em: EntityManager): Promise<void> => {
    const tracked = new Map<string, Tracked>();
    const distinct = [...new Map(deliveries.map((d) => [d.number, d.parsed])).entries()];
    for (const chunk of chunks(distinct, 5_000)) {
      const stored = await loadStored(
        em,
        chunk.map(([, p]) => p),
        chunk.map(([n]) => n),
        !dryRun,
      );
      for (const s of stored) tracked.set(s.number, { row: s, stored: s, touched: false });
    }
    const events: Parameters<typeof recordEvents>[1][number][] = [];
    const rounds: { number: string; round: number; requestedAt: Date; previousDueAt: Date; reason: string }[] = [];
    const completions: { number: string; completedAt: Date; newDueAt: Date }[] = [];
    let done = 0;
    for (const d of deliveries) {
      done += 1;
      if (done % 5_000 === 0) progress('check', done, deliveries.length);
      const unit = unitOf(d.parsed.unitCode);
      try {
        if (!unit)
          reject(
            DEPARTMENT_CODE.test(d.parsed.unitCode)
              ? `unknown unit: ${d.parsed.unitCode} is not a department code (see Province.departments)`
              : `unknown unit: no commune with code ${d.parsed.unitCode} is in force`,
          );
        const procedure = procedures.get(d.procedureCode) ?? reject(`unknown procedure: MaTTHC ${d.procedureCode} is not in the catalogue`);
        if ((procedure.level === 'COMMUNE') !== (unit!.unitType === 'COMMUNE'))
          reject(
            `unknown procedure: MaTTHC ${d.procedureCode} is a ${procedure.level.toLowerCase()}-level procedure, not received by ${unit!.unitCode}`,
          );
        if (d.channel === 'ONLINE' && procedure.onlineLevel === 'NONE')
          reject(`malformed channel: KenhThucHien 2 (online), but MaTTHC ${d.procedureCode} is not offered online`);
        const current = tracked.get(d.number);
        if (!current) {
          const base: NewDossier = {
            number: d.number,
            receivedOn: d.parsed.receivedOn,
            procedureCode: d.procedureCode,
            ...unit!,
            applicantType: d.applicantType,
            applicantId: d.applicantId,
            channel: d.channel,
            status: 'NEW',
            submittedAt: d.submittedAt ?? d.receivedAt,
            receivedAt: d.receivedAt,
            dueAt: d.dueAt ?? dueFrom(d.receivedAt, procedure.timeLimit, procedure.timeUnit),
            finishedAt: null,
            returnedAt: null,
            supplementCount: 0,
            onlineOffered: procedure.onlineLevel !== 'NONE',
            feeRequired: procedure.hasFee,
            paidOnline: false,
            digitised: false,
            reusedData: false,
            fromDataStore: false,
            vneidVerified: false,
            electronicResult: false,
            reportingSystem: options.system ?? reportingSystemOf(unit!),
            reportedAt: now,
            lastEventAt: d.eventAt,
          };
          const row = after(base, d);
          tracked.set(d.number, { row, stored: null, touched: true });
          events.push({ number: d.number, at: d.eventAt, fromStatus: null, toStatus: row.status, note: NOTE });
          for (let round = 1; round <= row.supplementCount; round++)
            rounds.push({ number: d.number, round, requestedAt: d.eventAt, previousDueAt: row.dueAt, reason: d.supplementReason ?? NOTE });
          report.created += 1;
          continue;
        }
        const was = current.row;
        for (const [field, mine, theirs] of [
          ['MaTTHC', d.procedureCode, was.procedureCode],
          [
            d.applicantType === 'RESIDENT' ? 'SoDinhDanh' : 'MaSoThue',
            `${d.applicantType}:${d.applicantId}`,
            `${was.applicantType}:${was.applicantId}`,
          ],
          ['KenhThucHien', d.channel, was.channel],
          ['NgayTiepNhan', d.receivedAt.toISOString(), was.receivedAt.toISOString()],
        ] as const) {
          if (mine !== theirs)
            reject(
              `conflicting dossier: ${field} differs from the dossier ${d.number} already ${current.stored ? 'stored' : 'read on an earlier line'}`,
            );
        }
        if (d.eventAt.getTime() < was.lastEventAt.getTime() || STATUS_RANK[d.status] < STATUS_RANK[was.status]) {
          report.stale += 1;
          continue;
        }
        const next = after(was, d);
        if (sameState(was, next)) {
          report.unchanged += 1;
          continue;
        }
        if (next.status !== was.status && !REACHABLE[was.status].has(next.status))
          reject(
            `illegal transition: a dossier ${was.status} (${STATUS_CODES[was.status]}) cannot become ${next.status} (${STATUS_CODES[next.status]})`,
          );
        if (next.status !== was.status)
          events.push({ number: d.number, at: d.eventAt, fromStatus: was.status, toStatus: next.status, note: NOTE });
        if (was.status === 'SUPPLEMENT_REQUESTED' && next.status !== 'SUPPLEMENT_REQUESTED')
          completions.push({ number: d.number, completedAt: d.eventAt, newDueAt: next.dueAt });
        for (let round = was.supplementCount + 1; round <= next.supplementCount; round++)
          rounds.push({ number: d.number, round, requestedAt: d.eventAt, previousDueAt: was.dueAt, reason: d.supplementReason ?? NOTE });
        tracked.set(d.number, { ...current, row: next, touched: true });
        report.updated += 1;
      } catch (error) {
        if (!(error instanceof Rejected)) throw error;
        rejectLine(d.line, error.message, d.number, unit ?? undefined);
      }
    }
    progress('check', deliveries.length, deliveries.length);
    report.rejected.sort((a, b) => a.line - b.line);
    if (dryRun || report.rejected.length > 0) return;

    const changed = [...tracked.values()].filter((t) => t.touched);
    report.dossiers = changed.length;
    // Keys only, as a mutation's: built now, published once the transaction committed.
    const deltas = changed.flatMap((t) => difference(t.stored ? contributionOf(t.stored) : [], contributionOf(t.row)));
    pendingEvents = [...changed.flatMap((t) => dossierEvents(t.row)), ...evaluationEvents(deltas)];
    const fresh = changed.filter((t) => !t.stored).map((t) => t.row);
    const updates = changed.filter((t) => t.stored) as (Tracked & { stored: NewDossier })[];
    let written = 0;
    for (const chunk of chunks(fresh, batchSize)) {
      const inserted = await insertDossiers(em, chunk);
      // Locked above: only a concurrent reception of the same number can take one first.
      if (inserted.size !== chunk.length) throw new Error('A dossier of the file was received concurrently; nothing was imported');
      written += chunk.length;
      progress('apply', written, changed.length);
    }
    for (const chunk of chunks(updates, batchSize)) {
      await updateMany(
        em,
        chunk.map((t) => t.row),
      );
      await applyDeltas(
        em,
        difference(
          chunk.flatMap((t) => contributionOf(t.stored)),
          chunk.flatMap((t) => contributionOf(t.row)),
        ),
      );
      written += chunk.length;
      progress('apply', written, changed.length);
    }
    for (const chunk of chunks(events, batchSize * 2)) await recordEvents(em, chunk);
    for (const chunk of chunks(rounds, batchSize)) await insertRounds(em, chunk);
    for (const chunk of chunks(completions, batchSize)) await completeRounds(em, chunk);

    const accepted = new Map<string, { count: number; provinces: Set<string>; lastEventAt: Date }>();
    for (const d of deliveries) {
      const row = tracked.get(d.number)!.row;
      const system = options.system ?? reportingSystemOf(row);
      const entry = accepted.get(system) ?? { count: 0, provinces: new Set<string>(), lastEventAt: d.eventAt };
      entry.count += 1;
      entry.provinces.add(row.provinceCode);
      if (d.eventAt.getTime() > entry.lastEventAt.getTime()) entry.lastEventAt = d.eventAt;
      accepted.set(system, entry);
    }
    for (const [system, s] of [...accepted.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      await touchSyncStatus(em, system, s.provinces.size === 1 ? [...s.provinces][0]! : null, {
        lastEventAt: s.lastEventAt,
        accepted: s.count,
        rejected: 0,
        lastError: null,
        now,
      });
    }
    const actor = options.actor ?? { subject: 'import', role: 'SERVICE', organisation: null };
    const subjects = [...new Set(changed.filter((t) => t.row.applicantType === 'RESIDENT').map((t) => t.row.applicantId))].sort();
    const requestId = `import:${randomUUID()}`;
    // One entry per thousand applicants, so no single entry grows with the file.
    await appendWithin(
      em,
      (subjects.length > 0 ? chunks(subjects, 1_000) : [[]]).map((part) => ({
        requestId,
        service: 'public-services',
        actor: actor.subject,
        role: actor.role,
        organisation: actor.organisation,
        purpose: options.purpose ?? 'import of dossiers',
        subjects: part,
        fields: ['Mutation.importDossiers'],
        outcome: 'ALLOWED' as const,
        reason: null,
      })),
    );
    report.applied = true;
  };

  progress('read', total, total);
  let pendingEvents: LiveEvent[] = [];
  await db.transaction(run);
  if (report.applied && options.live) {
    await publishInChunks(options.live, pendingEvents);
    report.events = pendingEvents.length;
  }

  if (!dryRun && report.rejected.length > 0 && rejectedBySystem.size > 0) {
    await db.transaction(async (em) => {
      for (const [system, r] of [...rejectedBySystem.entries()].sort(([a], [b]) => a.localeCompare(b)))
        await touchSyncStatus(em, system, r.province, { lastEventAt: null, accepted: 0, rejected: r.count, lastError: r.error, now });
    });
  }
  return report;
}

/** Writes the changed columns of stored dossiers, one statement per batch; bumps their versions. */
async function updateMany(em: EntityManager, rows: readonly NewDossier[]): Promise<void> {
  if (rows.length === 0) return;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  await em.query(
    `UPDATE public_services.dossier d SET status = u.status, due_at = u.due_at, finished_at = u.finished_at, returned_at = u.returned_at,
       supplement_count = u.supplement_count, paid_online = u.paid_online, digitised = u.digitised, reused_data = u.reused_data,
       from_data_store = u.from_data_store, vneid_verified = u.vneid_verified, electronic_result = u.electronic_result,
       last_event_at = u.last_event_at, version = d.version + 1
     FROM unnest($1::text[], $2::date[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::int[], $8::bool[], $9::bool[],
       $10::bool[], $11::bool[], $12::bool[], $13::bool[], $14::timestamptz[], $15::text[])
       AS u(number, received_on, status, due_at, finished_at, returned_at, supplement_count, paid_online, digitised, reused_data,
         from_data_store, vneid_verified, electronic_result, last_event_at, province_code)
     WHERE d.received_on = ANY($2::date[]) AND d.province_code = ANY($15::text[])
       AND d.number = u.number AND d.received_on = u.received_on AND d.province_code = u.province_code`,
    [
      rows.map((r) => r.number),
      rows.map((r) => r.receivedOn),
      rows.map((r) => r.status),
      rows.map((r) => iso(r.dueAt)),
      rows.map((r) => iso(r.finishedAt)),
      rows.map((r) => iso(r.returnedAt)),
      rows.map((r) => r.supplementCount),
      rows.map((r) => r.paidOnline),
      rows.map((r) => r.digitised),
      rows.map((r) => r.reusedData),
      rows.map((r) => r.fromDataStore),
      rows.map((r) => r.vneidVerified),
      rows.map((r) => r.electronicResult),
      rows.map((r) => iso(r.lastEventAt)),
      rows.map((r) => r.provinceCode),
    ],
  );
}

async function insertRounds(
  em: EntityManager,
  rounds: readonly { number: string; round: number; requestedAt: Date; previousDueAt: Date; reason: string }[],
): Promise<void> {
  await em.query(
    `INSERT INTO public_services.dossier_supplement (number, round, requested_at, previous_due_at, reason)
     SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::timestamptz[], $5::text[]) ON CONFLICT DO NOTHING`,
    [
      rounds.map((r) => r.number),
      rounds.map((r) => r.round),
      rounds.map((r) => r.requestedAt.toISOString()),
      rounds.map((r) => r.previousDueAt.toISOString()),
      rounds.map((r) => r.reason),
    ],
  );
}

/** Closes each dossier's open supplement round, in the order of the file (one statement per completion of a dossier). */
async function completeRounds(
  em: EntityManager,
  completions: readonly { number: string; completedAt: Date; newDueAt: Date }[],
): Promise<void> {
  for (const c of completions) {
    await em.query(
      `UPDATE public_services.dossier_supplement SET completed_at = $2, new_due_at = $3
       WHERE number = $1 AND completed_at IS NULL AND round = (SELECT max(round) FROM public_services.dossier_supplement WHERE number = $1)`,
      [c.number, c.completedAt.toISOString(), c.newDueAt.toISOString()],
    );
  }
}

/** One line of the sync format for a dossier (what a one-stop system would send): for tests and the bench. */
export function toSyncRow(d: NewDossier, at?: Date): Record<string, unknown> {
  const compact = (date: Date) => new Date(date.getTime() + 7 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return {
    MaHoSo: d.number,
    MaTTHC: d.procedureCode,
    DonViXuLy: d.unitCode,
    KenhThucHien: { IN_PERSON: 1, ONLINE: 2, POSTAL: 3 }[d.channel],
    ...(d.applicantType === 'RESIDENT' ? { SoDinhDanh: d.applicantId } : { MaSoThue: d.applicantId }),
    NgayNopHoSo: compact(d.submittedAt),
    NgayTiepNhan: compact(d.receivedAt),
    NgayHenTra: compact(d.dueAt),
    ...(d.finishedAt ? { NgayKetThucXuLy: compact(d.finishedAt) } : {}),
    ...(d.returnedAt ? { NgayTra: compact(d.returnedAt) } : {}),
    ...(at ? { NgayCapNhat: compact(at) } : {}),
    TrangThaiHoSo: STATUS_CODES[d.status],
    SoLanBoSung: d.supplementCount,
    DaSoHoa: d.digitised,
    TaiSuDung: d.reusedData,
    LayTuKhoDuLieu: d.fromDataStore,
    XacThucVNeID: d.vneidVerified,
    ThanhToanTrucTuyen: d.paidOnline,
    KetQuaDienTu: d.electronicResult,
  };
}

/**
 * Writes `options.count` generated dossiers (the seeder's synthetic world, generateDossiers) to
 * `path` as NDJSON in the sync format, each at its latest status. Returns the number of lines.
 */
export function writeSyncFile(path: string, options: DossierSeedOptions): number {
  const lines: string[] = [];
  for (const batch of generateDossiers(options)) for (const d of batch.rows) lines.push(JSON.stringify(toSyncRow(d, d.lastEventAt)));
  writeFileSync(path, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return lines.length;
}

/** What {@link measureImportThroughput} measured. */
export interface ImportThroughput {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  report: ImportReport;
}

/**
 * Import throughput for the bench: generates a sync file of `options.count` dossiers for the given
 * communes, residents and enterprises (generateDossiers; communes must be in force), then times
 * reading it and importing it (all of it, in one transaction) into `db`. Dossiers already present
 * count as unchanged, so use a fresh `seed` (or `from`/`to`) for each measure on the same database.
 */
export async function measureImportThroughput(
  db: DataSource,
  options: DossierSeedOptions & { lookup?: CommuneLookup; dryRun?: boolean },
): Promise<ImportThroughput> {
  const dir = mkdtempSync(join(tmpdir(), 'lien-thong-import-'));
  try {
    const file = join(dir, 'dossiers.ndjson');
    const rows = writeSyncFile(file, options);
    const inForce = new Map(options.communes.map((c) => [c.code, c.provinceCode]));
    const communes = options.lookup ?? (async (codes) => new Map(codes.flatMap((c) => (inForce.has(c) ? [[c, inForce.get(c)!]] : []))));
    const started = performance.now();
    const report = await importDossiers(db, readFileSync(file, 'utf8'), { communes, dryRun: options.dryRun ?? false, system: 'bench' });
    const seconds = (performance.now() - started) / 1000;
    if (report.rejected.length > 0)
      throw new Error(`The generated file was refused: line ${report.rejected[0]!.line}: ${report.rejected[0]!.reason}`);
    return { rows, seconds, rowsPerSecond: rows / seconds, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
