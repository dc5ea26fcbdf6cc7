import type { DataSource, EntityManager } from 'typeorm';
import { foldForSearch } from '../../../shared/graphql/text';
import {
  fingerprint,
  type ChangeRow,
  type CommuneRow,
  type Level,
  type LegacyUnitRow,
  type ProvinceRow,
  type SuccessorRow,
  type UnitsState,
} from './dataset';

/** The source recorded for the data set bundled with the subgraph (data/). */
export const BUNDLED_SOURCE = 'bundled';

type UnitLevel = 'PROVINCE' | 'COMMUNE';
type UnitRow = ProvinceRow & { provinceCode?: string };

/** One difference between the database and a data set, as the dry run prints it. */
export type Difference =
  | { kind: 'added'; level: UnitLevel; code: string; after: UnitRow }
  /** Gone from the data set; `mergedInto`: the units its pre-reform predecessors now point to (a merge), if any. */
  | { kind: 'removed'; level: UnitLevel; code: string; before: UnitRow; mergedInto: UnitRow[]; predecessors: number }
  | { kind: 'renamed' | 'typeChanged' | 'provinceChanged'; level: UnitLevel; code: string; before: UnitRow; after: UnitRow };

/** What an import changes, computed by {@link planImport}; applied by {@link importUnits}. */
export interface ImportPlan {
  /** True when the database held no units: everything is added and no change is recorded. */
  initial: boolean;
  differences: Difference[];
  upsertProvinces: ProvinceRow[];
  upsertCommunes: CommuneRow[];
  removeProvinces: string[];
  removeCommunes: string[];
  upsertLegacyUnits: LegacyUnitRow[];
  removeLegacyUnits: { level: Level; code: string }[];
  addSuccessors: SuccessorRow[];
  removeSuccessors: SuccessorRow[];
  /** The unit_change rows this import records: the data set's own changes, and those the diff found. */
  changes: ChangeRow[];
  /** True when applying it would change nothing in the units, the pre-reform units or their links. */
  empty: boolean;
}

export interface PlanOptions {
  /** The effective date of the changes found by the diff (those of the data set's changes file keep their own). */
  effectiveFrom: string;
  /** The legal basis recorded with them (resolution numbers). */
  legalBasis: readonly string[];
}

/** Reads what the database holds, in the shape of a data set's state. */
export async function readDatabaseUnits(m: EntityManager | DataSource): Promise<UnitsState> {
  // One after the other: inside a transaction they share one connection.
  const provinces: ProvinceRow[] = await m.query(
    `SELECT code, name, full_name AS "fullName", type, effective_from::text AS "effectiveFrom" FROM administrative_units.province ORDER BY code`,
  );
  const communes: CommuneRow[] = await m.query(
    `SELECT code, name, full_name AS "fullName", type, province_code AS "provinceCode", effective_from::text AS "effectiveFrom"
     FROM administrative_units.commune ORDER BY code`,
  );
  const legacyUnits: LegacyUnitRow[] = await m.query(
    `SELECT level, code, name, legacy_province_code AS "legacyProvinceCode", legacy_district_code AS "legacyDistrictCode",
       new_province_code AS "newProvinceCode", status, correction FROM administrative_units.legacy_unit ORDER BY level, code`,
  );
  const successors: SuccessorRow[] = await m.query(
    `SELECT level, legacy_code AS "legacyCode", commune_code AS "communeCode" FROM administrative_units.legacy_successor
     ORDER BY level, legacy_code, commune_code`,
  );
  return { provinces, communes, changes: [], legacyUnits, successors };
}

const successorKey = (s: SuccessorRow) => `${s.level}:${s.legacyCode}:${s.communeCode}`;
const legacyKey = (u: { level: string; code: string }) => `${u.level}:${u.code}`;
const LEGACY_FIELDS = ['name', 'legacyProvinceCode', 'legacyDistrictCode', 'newProvinceCode', 'status', 'correction'] as const;
const KIND_ORDER: Record<Difference['kind'], number> = { added: 0, removed: 1, renamed: 2, typeChanged: 3, provinceChanged: 4 };

/**
 * The differences between what the database holds (`current`) and a data set's state (`target`),
 * and the rows that make the first into the second. Pure.
 *
 * A unit present in both with another name, full name, type or province is changed: each
 * attribute that differs is recorded as a unit change, effective on the date of the data set's
 * changes file when that file explains it, else on `options.effectiveFrom`. A commune gone from
 * the data set whose pre-reform predecessors now point to other communes was merged into them; a
 * province likewise through the pre-reform provinces.
 */
export function planImport(current: UnitsState, target: UnitsState, options: PlanOptions): ImportPlan {
  const initial = current.provinces.length === 0 && current.communes.length === 0;
  const differences: Difference[] = [];
  const changes: ChangeRow[] = [...target.changes];
  const explained = new Map(target.changes.map((c) => [`${c.level}:${c.code}:${c.field}:${c.newValue}`, c]));

  const compare = <T extends UnitRow>(level: UnitLevel, before: readonly T[], after: readonly T[]) => {
    const old = new Map(before.map((u) => [u.code, u]));
    const next = new Map(after.map((u) => [u.code, u]));
    const upsert: T[] = [];
    for (const unit of after) {
      const previous = old.get(unit.code);
      if (!previous) {
        if (!initial) differences.push({ kind: 'added', level, code: unit.code, after: unit });
        upsert.push(initial ? unit : { ...unit, effectiveFrom: options.effectiveFrom });
        continue;
      }
      const fields = (['name', 'fullName', 'type', 'provinceCode'] as const).filter((f) => previous[f] !== unit[f]);
      if (fields.length === 0) continue;
      if (previous.name !== unit.name || (previous.fullName !== unit.fullName && previous.type === unit.type)) {
        differences.push({ kind: 'renamed', level, code: unit.code, before: previous, after: unit });
      }
      if (previous.type !== unit.type) differences.push({ kind: 'typeChanged', level, code: unit.code, before: previous, after: unit });
      if (previous.provinceCode !== unit.provinceCode) {
        differences.push({ kind: 'provinceChanged', level, code: unit.code, before: previous, after: unit });
      }
      let effectiveFrom = previous.effectiveFrom;
      for (const field of fields) {
        const newValue = String(unit[field]);
        const fromFile = explained.get(`${level}:${unit.code}:${field}:${newValue}`);
        const at = fromFile ?? { effectiveFrom: options.effectiveFrom, legalBasis: [...options.legalBasis] };
        if (!fromFile) {
          changes.push({ level, code: unit.code, field, oldValue: String(previous[field]), newValue, ...at });
        }
        if (at.effectiveFrom > effectiveFrom) effectiveFrom = at.effectiveFrom;
      }
      upsert.push({ ...unit, effectiveFrom });
    }
    const removed = before.filter((u) => !next.has(u.code));
    return { upsert, removed, next };
  };

  const provinces = compare('PROVINCE', current.provinces, target.provinces);
  const communes = compare('COMMUNE', current.communes, target.communes);

  // Merges: where do the pre-reform predecessors of a removed unit point now?
  const targetSuccessors = new Map<string, string[]>();
  for (const s of target.successors) {
    const key = legacyKey({ level: s.level, code: s.legacyCode });
    targetSuccessors.set(key, [...(targetSuccessors.get(key) ?? []), s.communeCode]);
  }
  const targetLegacy = new Map(target.legacyUnits.map((u) => [legacyKey(u), u]));
  const removal = (level: UnitLevel, unit: UnitRow, predecessors: string[], successorsOf: (key: string) => string[]) => {
    const into = [...new Set(predecessors.flatMap(successorsOf))].sort();
    const byCode = new Map<string, UnitRow>((level === 'PROVINCE' ? target.provinces : target.communes).map((u) => [u.code, u]));
    const mergedInto = into.map((code) => byCode.get(code)).filter((u): u is UnitRow => u !== undefined);
    differences.push({ kind: 'removed', level, code: unit.code, before: unit, mergedInto, predecessors: predecessors.length });
    const [field, newValue] = mergedInto.length > 0 ? ['mergedInto', mergedInto.map((u) => u.code).join(',')] : ['abolished', ''];
    changes.push({
      level,
      code: unit.code,
      field,
      oldValue: unit.fullName,
      newValue,
      effectiveFrom: options.effectiveFrom,
      legalBasis: [...options.legalBasis],
    });
  };
  for (const unit of provinces.removed) {
    const predecessors = current.legacyUnits.filter((u) => u.level === 'PROVINCE' && u.newProvinceCode === unit.code).map(legacyKey);
    removal('PROVINCE', unit, predecessors, (key) => {
      const now = targetLegacy.get(key)?.newProvinceCode;
      return now && now !== unit.code ? [now] : [];
    });
  }
  const currentLinks = new Set(current.successors.map(successorKey));
  for (const unit of communes.removed) {
    const predecessors = current.successors.filter((s) => s.communeCode === unit.code);
    // Where the territory went: the communes its predecessors are newly linked to, else (a part of a
    // split predecessor dropped) the communes they still point to.
    const linked = predecessors.flatMap((p) =>
      (targetSuccessors.get(legacyKey({ level: p.level, code: p.legacyCode })) ?? []).map((communeCode) => ({ ...p, communeCode })),
    );
    const fresh = linked.filter((s) => !currentLinks.has(successorKey(s)));
    const into = (fresh.length > 0 ? fresh : linked).map((s) => s.communeCode);
    removal('COMMUNE', unit, predecessors.map(successorKey), () => into);
  }

  const currentLegacy = new Map(current.legacyUnits.map((u) => [legacyKey(u), u]));
  const upsertLegacyUnits = target.legacyUnits.filter((u) => {
    const before = currentLegacy.get(legacyKey(u));
    return !before || LEGACY_FIELDS.some((f) => (before[f] ?? null) !== (u[f] ?? null));
  });
  const removeLegacyUnits = current.legacyUnits
    .filter((u) => !targetLegacy.has(legacyKey(u)))
    .map((u) => ({ level: u.level, code: u.code }));
  const targetLinks = new Set(target.successors.map(successorKey));
  const addSuccessors = target.successors.filter((s) => !currentLinks.has(successorKey(s)));
  const removeSuccessors = current.successors.filter((s) => !targetLinks.has(successorKey(s)));

  differences.sort(
    (a, b) =>
      (a.level === b.level ? 0 : a.level === 'PROVINCE' ? -1 : 1) ||
      a.code.localeCompare(b.code) ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind],
  );
  const plan = {
    initial,
    differences,
    upsertProvinces: provinces.upsert,
    upsertCommunes: communes.upsert as CommuneRow[],
    removeProvinces: provinces.removed.map((u) => u.code),
    removeCommunes: communes.removed.map((u) => u.code),
    upsertLegacyUnits,
    removeLegacyUnits,
    addSuccessors,
    removeSuccessors,
    changes,
  };
  const empty =
    plan.upsertProvinces.length + plan.upsertCommunes.length + plan.removeProvinces.length + plan.removeCommunes.length === 0 &&
    upsertLegacyUnits.length + removeLegacyUnits.length + addSuccessors.length + removeSuccessors.length === 0;
  return { ...plan, empty };
}

function columns<T extends object>(rows: readonly T[], keys: (keyof T)[]): unknown[][] {
  return keys.map((k) => rows.map((r) => r[k]));
}

/** Writes a plan with the transaction's manager (on PGlite every statement must use it), in foreign-key order. */
async function applyPlan(m: EntityManager, plan: ImportPlan): Promise<void> {
  if (plan.upsertProvinces.length > 0) {
    await m.query(
      `INSERT INTO administrative_units.province (code, name, full_name, type, search_name, effective_from)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, full_name = EXCLUDED.full_name, type = EXCLUDED.type,
         search_name = EXCLUDED.search_name, effective_from = EXCLUDED.effective_from`,
      [
        ...columns(plan.upsertProvinces, ['code', 'name', 'fullName', 'type']),
        plan.upsertProvinces.map((p) => foldForSearch(p.fullName)),
        plan.upsertProvinces.map((p) => p.effectiveFrom),
      ],
    );
  }
  if (plan.upsertCommunes.length > 0) {
    await m.query(
      `INSERT INTO administrative_units.commune (code, name, full_name, type, province_code, search_name, effective_from)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, full_name = EXCLUDED.full_name, type = EXCLUDED.type,
         province_code = EXCLUDED.province_code, search_name = EXCLUDED.search_name, effective_from = EXCLUDED.effective_from`,
      [
        ...columns(plan.upsertCommunes, ['code', 'name', 'fullName', 'type', 'provinceCode']),
        plan.upsertCommunes.map((c) => foldForSearch(c.fullName)),
        plan.upsertCommunes.map((c) => c.effectiveFrom),
      ],
    );
  }
  if (plan.upsertLegacyUnits.length > 0) {
    await m.query(
      `INSERT INTO administrative_units.legacy_unit (level, code, name, legacy_province_code, legacy_district_code, new_province_code, status, correction, search_name)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
       ON CONFLICT (level, code) DO UPDATE SET name = EXCLUDED.name, legacy_province_code = EXCLUDED.legacy_province_code,
         legacy_district_code = EXCLUDED.legacy_district_code, new_province_code = EXCLUDED.new_province_code,
         status = EXCLUDED.status, correction = EXCLUDED.correction, search_name = EXCLUDED.search_name`,
      [
        ...columns(plan.upsertLegacyUnits, [
          'level',
          'code',
          'name',
          'legacyProvinceCode',
          'legacyDistrictCode',
          'newProvinceCode',
          'status',
          'correction',
        ]),
        plan.upsertLegacyUnits.map((u) => foldForSearch(u.name)),
      ],
    );
  }
  if (plan.removeSuccessors.length > 0) {
    await m.query(
      `DELETE FROM administrative_units.legacy_successor WHERE (level, legacy_code, commune_code) IN
         (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
      columns(plan.removeSuccessors, ['level', 'legacyCode', 'communeCode']),
    );
  }
  if (plan.addSuccessors.length > 0) {
    await m.query(
      `INSERT INTO administrative_units.legacy_successor (level, legacy_code, commune_code)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      columns(plan.addSuccessors, ['level', 'legacyCode', 'communeCode']),
    );
  }
  if (plan.removeLegacyUnits.length > 0) {
    await m.query(
      `DELETE FROM administrative_units.legacy_unit WHERE (level, code) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      columns(plan.removeLegacyUnits, ['level', 'code']),
    );
  }
  if (plan.removeCommunes.length > 0) {
    await m.query(`DELETE FROM administrative_units.commune WHERE code = ANY($1::text[])`, [plan.removeCommunes]);
  }
  if (plan.removeProvinces.length > 0) {
    await m.query(`DELETE FROM administrative_units.province WHERE code = ANY($1::text[])`, [plan.removeProvinces]);
  }
  // The data set's own changes are recorded once; a later import on the same day overrides its own.
  for (const c of plan.changes) {
    await m.query(
      `INSERT INTO administrative_units.unit_change (level, code, field, old_value, new_value, effective_from, legal_basis)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (level, code, field, effective_from) DO UPDATE
       SET new_value = EXCLUDED.new_value, legal_basis = EXCLUDED.legal_basis
       WHERE unit_change.new_value IS DISTINCT FROM EXCLUDED.new_value`,
      [c.level, c.code, c.field, c.oldValue, c.newValue, c.effectiveFrom, c.legalBasis],
    );
  }
}

export interface ImportOptions extends PlanOptions {
  /** What is imported: {@link BUNDLED_SOURCE} or the path of the data set, recorded in unit_import. */
  source: string;
  /** Compute the plan only: nothing is written. */
  dryRun?: boolean;
}

export interface ImportResult {
  plan: ImportPlan;
  /** True when the plan was written (never in a dry run; not when it was empty). */
  applied: boolean;
}

/** The last import recorded in the database, if any. */
export async function lastImport(
  db: DataSource | EntityManager,
): Promise<{ source: string; fingerprint: string; importedAt: string } | null> {
  const rows: { source: string; fingerprint: string; importedAt: string }[] = await db.query(
    `SELECT source, fingerprint, imported_at::text AS "importedAt" FROM administrative_units.unit_import ORDER BY id DESC LIMIT 1`,
  );
  return rows[0] ?? null;
}

/**
 * Makes the database hold `target` (a data set's state), in one transaction: compares it with what
 * the database holds, then — unless a dry run — writes the differences, records the changes
 * ({@link planImport}) and logs the import in unit_import (source, fingerprint, effective date,
 * counts). Imports are serialised by an advisory lock. The caller invalidates the caches.
 */
export async function importUnits(db: DataSource, target: UnitsState, options: ImportOptions): Promise<ImportResult> {
  return db.transaction(async (m) => {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('administrative_units.import'))`);
    const plan = planImport(await readDatabaseUnits(m), target, options);
    if (options.dryRun) return { plan, applied: false };
    if (!plan.empty) await applyPlan(m, plan);
    const print = fingerprint(target);
    const last = await lastImport(m);
    if (!plan.empty || last?.source !== options.source || last.fingerprint !== print) {
      await m.query(`INSERT INTO administrative_units.unit_import (source, fingerprint, effective_from, summary) VALUES ($1, $2, $3, $4)`, [
        options.source,
        print,
        options.effectiveFrom,
        JSON.stringify(summarize(plan)),
      ]);
    }
    return { plan, applied: !plan.empty };
  });
}

/** Counts of a plan, as printed and as logged in unit_import. */
export function summarize(plan: ImportPlan): Record<string, number> {
  const count = (kind: Difference['kind']) => plan.differences.filter((d) => d.kind === kind).length;
  return {
    added: plan.initial ? plan.upsertProvinces.length + plan.upsertCommunes.length : count('added'),
    removed: count('removed'),
    merged: plan.differences.filter((d) => d.kind === 'removed' && d.mergedInto.length > 0).length,
    renamed: count('renamed'),
    typeChanged: count('typeChanged'),
    provinceChanged: count('provinceChanged'),
    legacyUnitsAddedOrChanged: plan.upsertLegacyUnits.length,
    legacyUnitsRemoved: plan.removeLegacyUnits.length,
    linksAdded: plan.addSuccessors.length,
    linksRemoved: plan.removeSuccessors.length,
  };
}

const LEVEL_NAMES: Record<UnitLevel, string> = { PROVINCE: 'province', COMMUNE: 'commune' };

/** The differences of a plan, one line each, as `import-units` prints them. */
export function describeDifferences(plan: ImportPlan): string[] {
  if (plan.initial) {
    return [`the database holds no units: ${plan.upsertProvinces.length} provinces and ${plan.upsertCommunes.length} communes to add`];
  }
  const lines = plan.differences.map((d) => {
    const unit = `${LEVEL_NAMES[d.level]} ${d.code}`;
    switch (d.kind) {
      case 'added':
        return `added             ${unit}  ${d.after.fullName}${d.after.provinceCode ? ` (province ${d.after.provinceCode})` : ''}`;
      case 'removed':
        return d.mergedInto.length > 0
          ? `merged            ${unit}  ${d.before.fullName} → into ${d.mergedInto.map((u) => `${u.code} ${u.fullName}`).join(', ')} (its ${d.predecessors} pre-reform unit(s) now point there)`
          : `removed           ${unit}  ${d.before.fullName}`;
      case 'renamed':
        return `renamed           ${unit}  ${d.before.fullName} → ${d.after.fullName}`;
      case 'typeChanged':
        return `type changed      ${unit}  ${d.before.type} → ${d.after.type} (${d.before.fullName} → ${d.after.fullName})`;
      case 'provinceChanged':
        return `province changed  ${unit}  ${d.after.fullName}: province ${d.before.provinceCode} → ${d.after.provinceCode}`;
    }
  });
  const legacy = [
    plan.addSuccessors.length + plan.removeSuccessors.length > 0
      ? `pre-reform links  ${plan.addSuccessors.length} added, ${plan.removeSuccessors.length} removed`
      : '',
    plan.upsertLegacyUnits.length + plan.removeLegacyUnits.length > 0
      ? `pre-reform units  ${plan.upsertLegacyUnits.length} added or changed, ${plan.removeLegacyUnits.length} removed`
      : '',
  ].filter(Boolean);
  return [...lines, ...legacy];
}
