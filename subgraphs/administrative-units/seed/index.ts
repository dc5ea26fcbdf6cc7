import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { foldForSearch } from '../../../shared/text';

/**
 * Imports the official units (data/, provenance in data/SOURCE.md): the 2025 baseline, then every
 * change in changes-after-2025-07-01.json that is in force on `today`, keeping its effective date,
 * then the pre-reform units and their successors. Idempotent: re-running updates in place.
 */
const DATA_DIR = join(__dirname, 'data');
const BASELINE_DATE = '2025-07-01';

interface ProvinceRecord {
  code: string;
  name: string;
  fullName: string;
  type: string;
  mergedFrom: { legacyCode: string }[];
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

const PROVINCE_TYPES: Record<string, string> = { tỉnh: 'PROVINCE', 'thành phố trực thuộc trung ương': 'CENTRAL_CITY' };
const COMMUNE_TYPES: Record<string, { type: string; prefix: string }> = {
  xã: { type: 'COMMUNE', prefix: 'Xã' },
  phường: { type: 'WARD', prefix: 'Phường' },
  'đặc khu': { type: 'SPECIAL_ZONE', prefix: 'Đặc khu' },
};

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(DATA_DIR, file), 'utf8')) as T;
}

function known<T>(map: Record<string, T>, key: string, what: string): T {
  const value = map[key];
  if (value === undefined) throw new Error(`Unknown ${what} "${key}" in administrative-units data`);
  return value;
}

interface ChangeRow {
  level: string;
  code: string;
  field: string;
  oldValue: string;
  newValue: string;
  effectiveFrom: string;
  legalBasis: string[];
}

/** The units as they stand on `today`, plus the changes that led there. Pure: reads the data files only. */
export function loadUnits(today: string) {
  const provinces = readJson<ProvinceRecord[]>('provinces.json').map((p) => ({
    code: p.code,
    name: p.name,
    fullName: p.fullName,
    type: known(PROVINCE_TYPES, p.type, 'province type'),
    effectiveFrom: BASELINE_DATE,
  }));
  const communes = readJson<CommuneRecord[]>('communes.json').map((c) => ({
    code: c.code,
    name: c.name,
    fullName: c.fullName,
    type: known(COMMUNE_TYPES, c.type, 'commune type').type,
    provinceCode: c.provinceCode,
    effectiveFrom: BASELINE_DATE,
  }));
  const changes: ChangeRow[] = [];
  const changeFile = readJson<ChangeFile>('changes-after-2025-07-01.json');
  if (changeFile.effectiveFrom <= today) {
    const at = { effectiveFrom: changeFile.effectiveFrom, legalBasis: changeFile.legalBasis };
    for (const change of changeFile.provinces) {
      const unit = provinces.find((p) => p.code === change.code);
      if (!unit || change.field !== 'type') throw new Error(`Unsupported province change ${JSON.stringify(change)}`);
      const type = known(PROVINCE_TYPES, change.to, 'province type');
      changes.push({ level: 'PROVINCE', code: unit.code, field: 'type', oldValue: unit.type, newValue: type, ...at });
      const fullName = change.fullNameTo ?? unit.fullName;
      changes.push({ level: 'PROVINCE', code: unit.code, field: 'fullName', oldValue: unit.fullName, newValue: fullName, ...at });
      Object.assign(unit, { type, fullName, effectiveFrom: at.effectiveFrom });
    }
    for (const change of changeFile.communes) {
      const unit = communes.find((c) => c.code === change.code);
      if (!unit || change.field !== 'type') throw new Error(`Unsupported commune change ${JSON.stringify(change)}`);
      const next = known(COMMUNE_TYPES, change.to, 'commune type');
      const fullName = `${next.prefix} ${unit.name}`;
      changes.push({ level: 'COMMUNE', code: unit.code, field: 'type', oldValue: unit.type, newValue: next.type, ...at });
      changes.push({ level: 'COMMUNE', code: unit.code, field: 'fullName', oldValue: unit.fullName, newValue: fullName, ...at });
      Object.assign(unit, { type: next.type, fullName, effectiveFrom: at.effectiveFrom });
    }
  }
  return { provinces, communes, changes };
}

/** Pre-reform units and their successor communes. Pure. */
export function loadLegacyUnits() {
  const legacy = readJson<LegacyFile>('legacy-mapping.json');
  const units = [
    ...legacy.provinces.map((p) => ({
      level: 'PROVINCE',
      code: p.legacyCode,
      name: p.name,
      legacyProvinceCode: null,
      legacyDistrictCode: null,
      newProvinceCode: p.newProvinceCode,
      status: 'LISTED',
      correction: null,
    })),
    ...legacy.districts.map((d) => ({
      level: 'DISTRICT',
      code: d.legacyCode,
      name: d.name,
      legacyProvinceCode: d.legacyProvinceCode,
      legacyDistrictCode: null,
      newProvinceCode: d.newProvinceCode,
      status: 'LISTED',
      correction: null,
    })),
    ...legacy.communes.map((c) => ({
      level: 'COMMUNE',
      code: c.legacyCode,
      name: c.name,
      legacyProvinceCode: c.legacyProvinceCode,
      legacyDistrictCode: c.legacyDistrictCode,
      newProvinceCode: c.newProvinceCode,
      status: c.legacyStatus === 'not-in-2025-03-01-list' ? 'NOT_IN_2025_03_01_LIST' : 'LISTED',
      correction: c.correction ?? null,
    })),
  ];
  const successors = [
    ...legacy.districts.flatMap((d) =>
      (d.newCommuneCodes ?? []).map((communeCode) => ({ level: 'DISTRICT', legacyCode: d.legacyCode, communeCode })),
    ),
    ...legacy.communes.flatMap((c) =>
      c.newCommuneCodes.map((communeCode) => ({ level: 'COMMUNE', legacyCode: c.legacyCode, communeCode })),
    ),
  ];
  return { units, successors };
}

function columns<T extends Record<string, unknown>>(rows: readonly T[], keys: (keyof T)[]): unknown[][] {
  return keys.map((k) => rows.map((r) => r[k]));
}

/** Writes everything in one transaction (on PGlite every statement must use the transaction's manager). */
export async function seedAdministrativeUnits(db: DataSource, today = new Date().toISOString().slice(0, 10)): Promise<void> {
  const { provinces, communes, changes } = loadUnits(today);
  const { units, successors } = loadLegacyUnits();
  await db.transaction(async (m: EntityManager) => {
    await m.query(
      `INSERT INTO administrative_units.province (code, name, full_name, type, search_name, effective_from)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, full_name = EXCLUDED.full_name, type = EXCLUDED.type,
         search_name = EXCLUDED.search_name, effective_from = EXCLUDED.effective_from`,
      [
        ...columns(provinces, ['code', 'name', 'fullName', 'type']),
        provinces.map((p) => foldForSearch(p.fullName)),
        provinces.map((p) => p.effectiveFrom),
      ],
    );
    await m.query(
      `INSERT INTO administrative_units.commune (code, name, full_name, type, province_code, search_name, effective_from)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, full_name = EXCLUDED.full_name, type = EXCLUDED.type,
         province_code = EXCLUDED.province_code, search_name = EXCLUDED.search_name, effective_from = EXCLUDED.effective_from`,
      [
        ...columns(communes, ['code', 'name', 'fullName', 'type', 'provinceCode']),
        communes.map((c) => foldForSearch(c.fullName)),
        communes.map((c) => c.effectiveFrom),
      ],
    );
    for (const c of changes) {
      await m.query(
        `INSERT INTO administrative_units.unit_change (level, code, field, old_value, new_value, effective_from, legal_basis)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (level, code, field, effective_from) DO NOTHING`,
        [c.level, c.code, c.field, c.oldValue, c.newValue, c.effectiveFrom, c.legalBasis],
      );
    }
    await m.query(
      `INSERT INTO administrative_units.legacy_unit (level, code, name, legacy_province_code, legacy_district_code, new_province_code, status, correction, search_name)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
       ON CONFLICT (level, code) DO UPDATE SET name = EXCLUDED.name, legacy_province_code = EXCLUDED.legacy_province_code,
         legacy_district_code = EXCLUDED.legacy_district_code, new_province_code = EXCLUDED.new_province_code,
         status = EXCLUDED.status, correction = EXCLUDED.correction, search_name = EXCLUDED.search_name`,
      [
        ...columns(units, ['level', 'code', 'name', 'legacyProvinceCode', 'legacyDistrictCode', 'newProvinceCode', 'status', 'correction']),
        units.map((u) => foldForSearch(u.name)),
      ],
    );
    await m.query(
      `INSERT INTO administrative_units.legacy_successor (level, legacy_code, commune_code)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      columns(successors, ['level', 'legacyCode', 'communeCode']),
    );
  });
}
