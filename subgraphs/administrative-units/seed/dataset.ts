import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The data set bundled with the subgraph (provenance in data/SOURCE.md). */
export const BUNDLED_DATA_DIR = join(__dirname, 'data');
/** The day the two-level local government came into force: the baseline of provinces.json and communes.json. */
export const BASELINE_DATE = '2025-07-01';

/** The files of a data set, in a folder, or the keys of a single JSON bundling them (without `.json`). */
export const DATA_FILES = {
  provinces: 'provinces.json',
  communes: 'communes.json',
  changes: 'changes-after-2025-07-01.json',
  legacy: 'legacy-mapping.json',
} as const;

interface ProvinceRecord {
  code: string;
  name: string;
  fullName: string;
  type: string;
  mergedFrom?: { legacyCode: string }[];
}
interface CommuneRecord {
  code: string;
  name: string;
  fullName: string;
  type: string;
  provinceCode: string;
}
interface ChangeFile {
  effectiveFrom: string;
  legalBasis: string[];
  provinces: { code: string; field: string; from: string; to: string; fullNameTo?: string }[];
  communes: { code: string; field: string; from: string; to: string }[];
}
interface LegacyFile {
  provinces: { legacyCode: string; name: string; newProvinceCode: string }[];
  districts: { legacyCode: string; name: string; legacyProvinceCode: string; newProvinceCode: string; newCommuneCodes?: string[] }[];
  communes: {
    legacyCode: string;
    name: string;
    legacyDistrictCode: string;
    legacyProvinceCode: string;
    newProvinceCode: string;
    newCommuneCodes: string[];
    legacyStatus?: string;
    correction?: string;
  }[];
}

/** A data set as read from its files (same format as data/: see data/SOURCE.md). */
export interface DataSet {
  /** Where it was read from, for messages and the import log. */
  source: string;
  provinces: ProvinceRecord[];
  communes: CommuneRecord[];
  /** The changes after the baseline; a data set without the file has none. */
  changes: ChangeFile | null;
  legacy: LegacyFile;
}

export type Level = 'PROVINCE' | 'DISTRICT' | 'COMMUNE';

export interface ProvinceRow {
  code: string;
  name: string;
  fullName: string;
  type: string;
  effectiveFrom: string;
}
export interface CommuneRow extends ProvinceRow {
  provinceCode: string;
}
/** One recorded change of a unit in force (table unit_change). */
export interface ChangeRow {
  level: string;
  code: string;
  field: string;
  oldValue: string;
  newValue: string;
  effectiveFrom: string;
  legalBasis: string[];
}
export interface LegacyUnitRow {
  level: Level;
  code: string;
  name: string;
  legacyProvinceCode: string | null;
  legacyDistrictCode: string | null;
  newProvinceCode: string;
  status: string;
  correction: string | null;
}
export interface SuccessorRow {
  level: Level;
  legacyCode: string;
  communeCode: string;
}

/** The units of a data set as they stand on a date: what the database should hold. */
export interface UnitsState {
  provinces: ProvinceRow[];
  communes: CommuneRow[];
  /** The changes of the data set's changes file in force on that date. */
  changes: ChangeRow[];
  legacyUnits: LegacyUnitRow[];
  successors: SuccessorRow[];
}

const PROVINCE_TYPES: Record<string, string> = { tỉnh: 'PROVINCE', 'thành phố trực thuộc trung ương': 'CENTRAL_CITY' };
const COMMUNE_TYPES: Record<string, { type: string; prefix: string }> = {
  xã: { type: 'COMMUNE', prefix: 'Xã' },
  phường: { type: 'WARD', prefix: 'Phường' },
  'đặc khu': { type: 'SPECIAL_ZONE', prefix: 'Đặc khu' },
};

/** Thrown with every problem of a data set at once, each naming its file and the offending value. */
export class DataSetError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    super(`The administrative-units data set ${source} is not valid:\n  ${shown.join('\n  ')}${more}`);
    this.name = 'DataSetError';
  }
}

/** Names are compared and stored NFC-normalised, whatever form the files use. */
function nfc<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map(nfc) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nfc(v)])) as T;
  return value;
}

function parseJson(text: string, where: string): unknown {
  try {
    return nfc(JSON.parse(text) as unknown);
  } catch (error) {
    throw new DataSetError(where, [`not JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

/**
 * Reads a data set: a folder holding the files of {@link DATA_FILES} (the changes file may be
 * absent), or one JSON file whose keys are those file names without `.json`
 * (`{"provinces": […], "communes": […], "changes-after-2025-07-01": {…}, "legacy-mapping": {…}}`).
 * Checks only the shape here; {@link unitsAsOf} checks the content.
 */
export function readDataSet(path: string = BUNDLED_DATA_DIR): DataSet {
  if (!existsSync(path)) throw new DataSetError(path, ['no such file or folder']);
  const parts: Record<keyof typeof DATA_FILES, unknown> = {
    provinces: undefined,
    communes: undefined,
    changes: undefined,
    legacy: undefined,
  };
  if (statSync(path).isDirectory()) {
    for (const [key, file] of Object.entries(DATA_FILES) as [keyof typeof DATA_FILES, string][]) {
      const full = join(path, file);
      if (existsSync(full)) parts[key] = parseJson(readFileSync(full, 'utf8'), full);
    }
  } else {
    const bundle = parseJson(readFileSync(path, 'utf8'), path);
    if (!bundle || typeof bundle !== 'object' || Array.isArray(bundle)) throw new DataSetError(path, ['expected a JSON object']);
    for (const [key, file] of Object.entries(DATA_FILES) as [keyof typeof DATA_FILES, string][]) {
      parts[key] = (bundle as Record<string, unknown>)[file.replace(/\.json$/, '')];
    }
  }
  const problems: string[] = [];
  const isList = (value: unknown, file: string) => Array.isArray(value) || (problems.push(`${file}: missing, or not a list`), false);
  isList(parts.provinces, DATA_FILES.provinces);
  isList(parts.communes, DATA_FILES.communes);
  const legacy = parts.legacy as Partial<LegacyFile> | undefined;
  if (!legacy || typeof legacy !== 'object') problems.push(`${DATA_FILES.legacy}: missing, or not an object`);
  else for (const key of ['provinces', 'districts', 'communes'] as const) isList(legacy[key], `${DATA_FILES.legacy} ${key}`);
  const changes = parts.changes as Partial<ChangeFile> | undefined;
  if (changes !== undefined) {
    if (!changes || typeof changes !== 'object' || !/^\d{4}-\d{2}-\d{2}$/.test(String(changes.effectiveFrom))) {
      problems.push(
        `${DATA_FILES.changes}: expected {"effectiveFrom": "YYYY-MM-DD", "legalBasis": […], "provinces": […], "communes": […]}`,
      );
    } else {
      isList(changes.provinces ?? [], `${DATA_FILES.changes} provinces`);
      isList(changes.communes ?? [], `${DATA_FILES.changes} communes`);
    }
  }
  if (problems.length > 0) throw new DataSetError(path, problems);
  return {
    source: path,
    provinces: parts.provinces as ProvinceRecord[],
    communes: parts.communes as CommuneRecord[],
    changes: changes
      ? {
          effectiveFrom: String(changes.effectiveFrom),
          legalBasis: changes.legalBasis ?? [],
          provinces: changes.provinces ?? [],
          communes: changes.communes ?? [],
        }
      : null,
    legacy: legacy as LegacyFile,
  };
}

/**
 * The units of a data set as they stand on `date`: the 2025 baseline, then every change of its
 * changes file in force on that date (keeping its effective date and legal basis), and the
 * pre-reform units with their successors. Pure. Throws a {@link DataSetError} listing every
 * problem: unknown types, malformed or duplicate codes, and references to units the data set
 * does not hold.
 */
export function unitsAsOf(data: DataSet, date: string): UnitsState {
  const problems: string[] = [];
  const text = (value: unknown) => typeof value === 'string' && value.trim().length > 0;
  const seen = (kind: string, file: string) => {
    const codes = new Set<string>();
    return (code: unknown, pattern: RegExp) => {
      if (typeof code !== 'string' || !pattern.test(code)) problems.push(`${file}: ${kind} code ${JSON.stringify(code)} is malformed`);
      else if (codes.has(code)) problems.push(`${file}: ${kind} code "${code}" appears twice`);
      codes.add(String(code));
    };
  };

  const provinceCode = seen('province', DATA_FILES.provinces);
  const provinces: ProvinceRow[] = data.provinces.map((p) => {
    provinceCode(p.code, /^\d{2}$/);
    if (!text(p.name) || !text(p.fullName)) problems.push(`${DATA_FILES.provinces}: province "${p.code}" has no name or fullName`);
    const type = PROVINCE_TYPES[p.type];
    if (!type) problems.push(`${DATA_FILES.provinces}: province "${p.code}" has unknown type "${p.type}"`);
    return { code: p.code, name: p.name, fullName: p.fullName, type: type ?? p.type, effectiveFrom: BASELINE_DATE };
  });
  const provinceCodes = new Set(provinces.map((p) => p.code));
  const communeCode = seen('commune', DATA_FILES.communes);
  const communes: CommuneRow[] = data.communes.map((c) => {
    communeCode(c.code, /^\d{5}$/);
    if (!text(c.name) || !text(c.fullName)) problems.push(`${DATA_FILES.communes}: commune "${c.code}" has no name or fullName`);
    const type = COMMUNE_TYPES[c.type];
    if (!type) problems.push(`${DATA_FILES.communes}: commune "${c.code}" has unknown type "${c.type}"`);
    if (!provinceCodes.has(c.provinceCode)) {
      problems.push(
        `${DATA_FILES.communes}: commune "${c.code}" names province "${c.provinceCode}", which is not in ${DATA_FILES.provinces}`,
      );
    }
    return {
      code: c.code,
      name: c.name,
      fullName: c.fullName,
      type: type?.type ?? c.type,
      provinceCode: c.provinceCode,
      effectiveFrom: BASELINE_DATE,
    };
  });
  const communeCodes = new Set(communes.map((c) => c.code));

  const changes: ChangeRow[] = [];
  const changeFile = data.changes;
  if (changeFile && changeFile.effectiveFrom <= date) {
    const at = { effectiveFrom: changeFile.effectiveFrom, legalBasis: changeFile.legalBasis };
    for (const change of changeFile.provinces) {
      const unit = provinces.find((p) => p.code === change.code);
      const type = PROVINCE_TYPES[change.to];
      if (!unit || change.field !== 'type' || !type) {
        problems.push(`${DATA_FILES.changes}: unsupported province change ${JSON.stringify(change)}`);
        continue;
      }
      changes.push({ level: 'PROVINCE', code: unit.code, field: 'type', oldValue: unit.type, newValue: type, ...at });
      const fullName = change.fullNameTo ?? unit.fullName;
      changes.push({ level: 'PROVINCE', code: unit.code, field: 'fullName', oldValue: unit.fullName, newValue: fullName, ...at });
      Object.assign(unit, { type, fullName, effectiveFrom: at.effectiveFrom });
    }
    for (const change of changeFile.communes) {
      const unit = communes.find((c) => c.code === change.code);
      const next = COMMUNE_TYPES[change.to];
      if (!unit || change.field !== 'type' || !next) {
        problems.push(`${DATA_FILES.changes}: unsupported commune change ${JSON.stringify(change)}`);
        continue;
      }
      const fullName = `${next.prefix} ${unit.name}`;
      changes.push({ level: 'COMMUNE', code: unit.code, field: 'type', oldValue: unit.type, newValue: next.type, ...at });
      changes.push({ level: 'COMMUNE', code: unit.code, field: 'fullName', oldValue: unit.fullName, newValue: fullName, ...at });
      Object.assign(unit, { type: next.type, fullName, effectiveFrom: at.effectiveFrom });
    }
  }

  const { legacy } = data;
  const legacyFile = DATA_FILES.legacy;
  const checkTarget = (what: string, province: string, communeList: readonly string[]) => {
    if (!provinceCodes.has(province))
      problems.push(`${legacyFile}: ${what} names province "${province}", which is not in ${DATA_FILES.provinces}`);
    for (const code of communeList) {
      if (!communeCodes.has(code)) problems.push(`${legacyFile}: ${what} names commune "${code}", which is not in ${DATA_FILES.communes}`);
    }
  };
  const legacyProvince = seen('pre-reform province', legacyFile);
  const legacyDistrict = seen('pre-reform district', legacyFile);
  const legacyCommune = seen('pre-reform commune', legacyFile);
  const legacyUnits: LegacyUnitRow[] = [
    ...legacy.provinces.map((p) => {
      legacyProvince(p.legacyCode, /^\d{2}$/);
      checkTarget(`pre-reform province "${p.legacyCode}"`, p.newProvinceCode, []);
      return unitRow('PROVINCE', p.legacyCode, p.name, null, null, p.newProvinceCode, 'LISTED', null);
    }),
    ...legacy.districts.map((d) => {
      legacyDistrict(d.legacyCode, /^\d{3}$/);
      checkTarget(`pre-reform district "${d.legacyCode}"`, d.newProvinceCode, d.newCommuneCodes ?? []);
      return unitRow('DISTRICT', d.legacyCode, d.name, d.legacyProvinceCode, null, d.newProvinceCode, 'LISTED', null);
    }),
    ...legacy.communes.map((c) => {
      legacyCommune(c.legacyCode, /^\d{5}$/);
      checkTarget(`pre-reform commune "${c.legacyCode}"`, c.newProvinceCode, c.newCommuneCodes ?? []);
      const status = c.legacyStatus === 'not-in-2025-03-01-list' ? 'NOT_IN_2025_03_01_LIST' : 'LISTED';
      return unitRow(
        'COMMUNE',
        c.legacyCode,
        c.name,
        c.legacyProvinceCode,
        c.legacyDistrictCode,
        c.newProvinceCode,
        status,
        c.correction ?? null,
      );
    }),
  ];
  const successors: SuccessorRow[] = [
    ...legacy.districts.flatMap((d) =>
      (d.newCommuneCodes ?? []).map((communeCode) => ({ level: 'DISTRICT' as const, legacyCode: d.legacyCode, communeCode })),
    ),
    ...legacy.communes.flatMap((c) =>
      (c.newCommuneCodes ?? []).map((communeCode) => ({ level: 'COMMUNE' as const, legacyCode: c.legacyCode, communeCode })),
    ),
  ];
  if (problems.length > 0) throw new DataSetError(data.source, problems);
  return { provinces, communes, changes, legacyUnits, successors };
}

function unitRow(
  level: Level,
  code: string,
  name: string,
  legacyProvinceCode: string | null,
  legacyDistrictCode: string | null,
  newProvinceCode: string,
  status: string,
  correction: string | null,
): LegacyUnitRow {
  return { level, code, name, legacyProvinceCode, legacyDistrictCode, newProvinceCode, status, correction };
}

/**
 * A fingerprint of what a state puts in the database (units, changes, pre-reform units and
 * links): equal fingerprints, nothing to import.
 */
export function fingerprint(state: UnitsState): string {
  return createHash('sha256').update(JSON.stringify(state)).digest('hex');
}

/** The bundled units as they stand on `today`, plus the changes that led there. Pure: reads the data files only. */
export function loadUnits(today: string, path: string = BUNDLED_DATA_DIR): Pick<UnitsState, 'provinces' | 'communes' | 'changes'> {
  const { provinces, communes, changes } = unitsAsOf(readDataSet(path), today);
  return { provinces, communes, changes };
}

/** The bundled pre-reform units and their successor communes. Pure. */
export function loadLegacyUnits(path: string = BUNDLED_DATA_DIR): { units: LegacyUnitRow[]; successors: SuccessorRow[] } {
  const { legacyUnits, successors } = unitsAsOf(readDataSet(path), BASELINE_DATE);
  return { units: legacyUnits, successors };
}
