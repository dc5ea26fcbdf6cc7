import type { DataSource, EntityManager } from 'typeorm';
import { formatDossierNumber, dueFrom, vietnamDate } from '../numbers';
import { insertDossiers, recordEvents, type NewDossier } from '../writes';
import { departmentCode, generateCatalogue, type ProcedureRow } from './catalogue';
import { hashString, normal, pick, rng } from './random';

type EventRow = { number: string; at: Date; fromStatus: string | null; toStatus: string; note: string | null };

/** What the dossier seeder is given: the synthetic world's communes, residents and enterprises (read by the caller). */
export interface DossierSeedOptions {
  seed: number;
  count: number;
  communes: readonly { code: string; provinceCode: string }[];
  residents: readonly { citizenId: string; communeCode: string }[];
  enterprises: readonly { taxCode: string; provinceCode: string }[];
  /** Reception dates from … to (YYYY-MM-DD, Vietnam). Default the third and fourth quarters of 2025. */
  from?: string;
  to?: string;
  /** The moment the synthetic history stops: dossiers due after it may still be in progress. */
  asOf?: string;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * The part of a larger generation this call makes (the seeder's batch of households): its draws
   * come from their own stream, and its sequences (`{unit}-{yymmdd}-{sequence}`) start at
   * `part × 50`, so the parts never issue the same number (a unit-day with more than 50 dossiers
   * in one part skips the rest). Province and commune profiles depend on `seed` only.
   */
  part?: number;
}

/** Dossiers per unit and day one part may number (see {@link DossierSeedOptions.part}). */
const SEQUENCES_PER_PART = 50;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

interface Profile {
  onTime: number;
  online: number;
  digitised: number;
  reuse: number;
  stale: number;
}

/**
 * Dossiers for the synthetic world, deterministic for a seed (see README.md for the calibration):
 * each province draws a quality profile (on-time rate around 91%, online share, digitisation), each
 * commune varies around its province, and each dossier follows the national process to a status
 * consistent with `asOf`. Yields batches of rows with their history.
 */
export function* generateDossiers(options: DossierSeedOptions): Generator<{ rows: NewDossier[]; events: EventRow[] }> {
  const part = options.part ?? 0;
  const random = rng(options.seed * 7919 + 12 + part * 104_729);
  // Profiles are a function of the seed and the unit's code, so every part draws the same ones.
  const profileStream = (code: string) => rng(options.seed * 7919 + hashString(code));
  const catalogue = generateCatalogue();
  const communeProcedures = catalogue.filter((p) => p.level === 'COMMUNE');
  const provincialProcedures = catalogue.filter((p) => p.level === 'PROVINCE' && p.publishedOn !== null);
  const from = new Date(`${options.from ?? '2025-07-01'}T00:00:00+07:00`).getTime();
  const to = new Date(`${options.to ?? '2025-12-31'}T23:59:59+07:00`).getTime();
  const asOf = new Date(`${options.asOf ?? '2026-01-10'}T00:00:00+07:00`).getTime();
  if (options.communes.length === 0 || options.residents.length === 0) throw new Error('generateDossiers needs communes and residents');
  const provinces = new Map<string, Profile>();
  const communeProfile = new Map<string, Profile>();
  for (const code of [...new Set(options.communes.map((c) => c.provinceCode))].sort()) {
    const draw = profileStream(`P${code}`);
    provinces.set(code, {
      onTime: clamp(normal(draw, 0.915, 0.035), 0.78, 0.995),
      online: clamp(normal(draw, 0.6, 0.12), 0.2, 0.95),
      digitised: clamp(normal(draw, 0.8, 0.08), 0.4, 0.99),
      reuse: clamp(normal(draw, 0.5, 0.12), 0.1, 0.9),
      stale: clamp(normal(draw, 0.04, 0.03), 0, 0.2),
    });
  }
  for (const c of options.communes) {
    const p = provinces.get(c.provinceCode)!;
    const draw = profileStream(`C${c.code}`);
    communeProfile.set(c.code, {
      ...p,
      onTime: clamp(p.onTime + normal(draw, 0, 0.03), 0.6, 1),
      online: clamp(p.online + normal(draw, 0, 0.08), 0.05, 1),
    });
  }
  const residentsOf = new Map<string, string[]>();
  for (const r of options.residents) {
    const list = residentsOf.get(r.communeCode) ?? [];
    list.push(r.citizenId);
    residentsOf.set(r.communeCode, list);
  }
  const enterprisesOf = new Map<string, string[]>();
  for (const e of options.enterprises) {
    const list = enterprisesOf.get(e.provinceCode) ?? [];
    list.push(e.taxCode);
    enterprisesOf.set(e.provinceCode, list);
  }
  const sequences = new Map<string, number>();
  const batchSize = options.batchSize ?? 5_000;
  let rows: NewDossier[] = [];
  let events: EventRow[] = [];
  for (let i = 0; i < options.count; i++) {
    const commune = pick(random, options.communes);
    const provincial = random() < 0.25;
    const procedure: ProcedureRow = provincial ? pick(random, provincialProcedures) : pick(random, communeProcedures);
    const profile = provincial ? provinces.get(commune.provinceCode)! : communeProfile.get(commune.code)!;
    const unitCode = provincial ? departmentCode(procedure.department ?? 0, commune.provinceCode) : commune.code;
    const enterprise = provincial && random() < 0.5 ? enterprisesOf.get(commune.provinceCode) : undefined;
    const applicant = enterprise?.length
      ? { applicantType: 'ENTERPRISE' as const, applicantId: pick(random, enterprise) }
      : {
          applicantType: 'RESIDENT' as const,
          applicantId: pick(random, residentsOf.get(commune.code) ?? options.residents.map((r) => r.citizenId)),
        };
    // Office hours: 7:30 to 17:00 on the drawn day.
    const day = Math.floor(from / DAY + random() * ((to - from) / DAY));
    const receivedAt = new Date(day * DAY + (0.5 + random() * 9.5) * HOUR);
    const online = procedure.onlineLevel !== 'NONE' && random() < profile.online;
    const channel = online ? 'ONLINE' : random() < 0.05 ? 'POSTAL' : 'IN_PERSON';
    const receivedOn = vietnamDate(receivedAt);
    const seqKey = `${unitCode}|${receivedOn}`;
    const local = (sequences.get(seqKey) ?? 0) + 1;
    sequences.set(seqKey, local);
    if (local > SEQUENCES_PER_PART) continue;
    const sequence = part * SEQUENCES_PER_PART + local;
    let dueAt = dueFrom(receivedAt, procedure.timeLimit, procedure.timeUnit);
    const span = dueAt.getTime() - receivedAt.getTime();
    const history: { at: Date; status: NewDossier['status']; note: string | null }[] = [{ at: receivedAt, status: 'RECEIVED', note: null }];
    let status: NewDossier['status'];
    let finishedAt: Date | null = null;
    let returnedAt: Date | null = null;
    let supplementCount = 0;
    const fate = random();
    const late = random() > profile.onTime;
    if (fate < 0.01) {
      status = 'NOT_RECEIVED';
      returnedAt = new Date(receivedAt.getTime() + HOUR);
      history[0] = { at: receivedAt, status: 'NEW', note: null };
      history.push({ at: returnedAt, status, note: 'Hồ sơ không đủ điều kiện tiếp nhận' });
    } else {
      const progressAt = new Date(receivedAt.getTime() + Math.min(span / 10, 4 * HOUR));
      history.push({ at: progressAt, status: 'IN_PROGRESS', note: null });
      status = 'IN_PROGRESS';
      const rounds = random() < 0.1 ? (late && random() < 0.3 ? 2 : 1) : 0;
      let cursor = progressAt.getTime();
      for (let r = 0; r < rounds; r++) {
        const requested = cursor + span * 0.1;
        const spent = (1 + random() * 4) * DAY;
        history.push({ at: new Date(requested), status: 'SUPPLEMENT_REQUESTED', note: 'Bổ sung thành phần hồ sơ' });
        history.push({ at: new Date(requested + spent), status: 'IN_PROGRESS', note: null });
        dueAt = new Date(dueAt.getTime() + spent);
        cursor = requested + spent;
        supplementCount += 1;
      }
      const decided = late ? dueAt.getTime() + (0.1 + random() * 5) * DAY : cursor + (dueAt.getTime() - cursor) * (0.2 + random() * 0.8);
      if (fate < 0.02) {
        status = 'WITHDRAWN';
        returnedAt = new Date(cursor + HOUR);
        history.push({ at: returnedAt, status, note: 'Công dân rút hồ sơ' });
      } else if (fate < 0.025) {
        status = 'STOPPED';
        returnedAt = new Date(cursor + HOUR);
        history.push({ at: returnedAt, status, note: 'Dừng xử lý' });
      } else if (decided <= asOf && !(late && random() < 0.1)) {
        finishedAt = new Date(decided);
        status = 'DONE';
        history.push({ at: finishedAt, status, note: null });
        const returned = decided + random() * 2 * DAY;
        if (returned <= asOf && random() < 0.85) {
          returnedAt = new Date(returned);
          status = 'RETURNED';
          history.push({ at: returnedAt, status, note: null });
        }
      }
    }
    const number = formatDossierNumber(unitCode, receivedOn, sequence);
    const stale = random() < profile.stale;
    const lastEventAt = history[history.length - 1]!.at;
    rows.push({
      number,
      receivedOn,
      procedureCode: procedure.code,
      unitType: provincial ? 'DEPARTMENT' : 'COMMUNE',
      unitCode,
      communeCode: provincial ? null : commune.code,
      provinceCode: commune.provinceCode,
      ...applicant,
      channel,
      status,
      submittedAt: new Date(receivedAt.getTime() - (online ? random() * DAY : 0)),
      receivedAt,
      dueAt,
      finishedAt,
      returnedAt,
      supplementCount,
      onlineOffered: procedure.onlineLevel !== 'NONE',
      feeRequired: procedure.hasFee,
      paidOnline: procedure.hasFee && random() < (online ? 0.78 : 0.1),
      digitised: random() < profile.digitised,
      reusedData: random() < profile.reuse,
      fromDataStore: online && random() < 0.35,
      vneidVerified: online ? random() < 0.9 : random() < 0.2,
      electronicResult: finishedAt !== null && random() < (online ? 0.85 : 0.4),
      reportingSystem: provincial ? `mot-cua-${commune.provinceCode}` : `mot-cua-xa-${commune.code}`,
      reportedAt: new Date(receivedAt.getTime() + (stale ? (24 + random() * 48) * HOUR : random() * HOUR)),
      lastEventAt,
    });
    let previous: string | null = null;
    for (const h of history) {
      events.push({ number, at: h.at, fromStatus: previous, toStatus: h.status, note: h.note });
      previous = h.status;
    }
    if (rows.length >= batchSize) {
      yield { rows, events };
      rows = [];
      events = [];
    }
  }
  if (rows.length > 0) yield { rows, events };
}

/**
 * Writes generated dossiers with their history and counters, one transaction per batch; numbers
 * already present are skipped (with their history and counters), so a re-run adds nothing twice.
 * Returns how many were inserted.
 */
export async function insertSeedDossiers(db: DataSource, options: DossierSeedOptions): Promise<number> {
  let inserted = 0;
  let done = 0;
  for (const batch of generateDossiers(options)) {
    await db.transaction(async (m) => {
      await m.query(`SET LOCAL synchronous_commit TO OFF`);
      const fresh = await insertDossiers(m, batch.rows);
      await recordEvents(
        m,
        batch.events.filter((e) => fresh.has(e.number)),
      );
      inserted += fresh.size;
    });
    done += batch.rows.length;
    options.onProgress?.(done, options.count);
  }
  return inserted;
}

/** What the hub's seeder hands this subgraph for one batch of the synthetic world (see subgraph.ts). */
export interface WorldDossierRows {
  /** The batch's ordinal and the world's seed. */
  index: number;
  seed: number;
  /** How many dossiers to make per resident of the batch (the seeder's `--dossiers` ÷ residents). */
  dossiersPerResident: number;
  residents: readonly { citizenId: string; permanentCommuneCode: string; permanentProvinceCode: string }[];
  enterprises: readonly { taxCode: string; headOfficeProvinceCode: string }[];
}

/**
 * The dossiers of one batch of the synthetic world, written in the seeder's transaction with their
 * history and counters: applicants are the batch's own residents and enterprises, received by
 * their communes and their provinces' departments. Deterministic for a seed and a batch; numbers
 * already present are skipped. Returns how many were inserted.
 */
export async function insertWorldDossiers(m: EntityManager, rows: WorldDossierRows): Promise<number> {
  const count = Math.round(rows.residents.length * rows.dossiersPerResident);
  if (count === 0 || rows.residents.length === 0) return 0;
  const communes = new Map(
    rows.residents.map((r) => [r.permanentCommuneCode, { code: r.permanentCommuneCode, provinceCode: r.permanentProvinceCode }]),
  );
  // Every commune of the world has its public-administration service centre (more than 3,100 in 2025).
  await m.query(
    `INSERT INTO public_services.service_centre (code, name, level, province_code, commune_code)
     SELECT 'TTPVHCC.' || c, 'Trung tâm Phục vụ hành chính công cấp xã (' || c || ')', 'COMMUNE', p, c
     FROM unnest($1::text[], $2::text[]) AS u(c, p) ON CONFLICT (code) DO NOTHING`,
    [[...communes.keys()], [...communes.values()].map((c) => c.provinceCode)],
  );
  let inserted = 0;
  for (const batch of generateDossiers({
    seed: rows.seed,
    part: rows.index,
    count,
    batchSize: count,
    communes: [...communes.values()],
    residents: rows.residents.map((r) => ({ citizenId: r.citizenId, communeCode: r.permanentCommuneCode })),
    enterprises: rows.enterprises.map((e) => ({ taxCode: e.taxCode, provinceCode: e.headOfficeProvinceCode })),
  })) {
    const fresh = await insertDossiers(m, batch.rows);
    await recordEvents(
      m,
      batch.events.filter((e) => fresh.has(e.number)),
    );
    inserted += fresh.size;
  }
  return inserted;
}
