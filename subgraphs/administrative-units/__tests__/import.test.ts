import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUNDLED_DATA_DIR,
  DataSetError,
  describeDifferences,
  planImport,
  readDataSet,
  unitsAsOf,
  type CommuneRow,
  type ProvinceRow,
  type UnitsState,
} from '../seed';

const province = (code: string, name: string, type = 'PROVINCE'): ProvinceRow => ({
  code,
  name,
  fullName: `${type === 'PROVINCE' ? 'Tỉnh' : 'Thành phố'} ${name}`,
  type,
  effectiveFrom: '2025-07-01',
});
const commune = (code: string, name: string, provinceCode: string, type = 'COMMUNE'): CommuneRow => ({
  code,
  name,
  fullName: `${type === 'COMMUNE' ? 'Xã' : 'Phường'} ${name}`,
  type,
  provinceCode,
  effectiveFrom: '2025-07-01',
});
const legacyCommune = (code: string, newProvinceCode: string) => ({
  level: 'COMMUNE' as const,
  code,
  name: `Xã ${code}`,
  legacyProvinceCode: '01',
  legacyDistrictCode: '001',
  newProvinceCode,
  status: 'LISTED',
  correction: null,
});
const link = (legacyCode: string, communeCode: string) => ({ level: 'COMMUNE' as const, legacyCode, communeCode });

/** Two provinces, four communes, each commune the successor of one pre-reform commune. */
function current(): UnitsState {
  return {
    provinces: [province('01', 'Một'), province('02', 'Hai')],
    communes: [
      commune('00001', 'An', '01'),
      commune('00002', 'Bình', '01'),
      commune('00003', 'Cát', '01'),
      commune('00004', 'Dương', '02'),
    ],
    changes: [],
    legacyUnits: ['10001', '10002', '10003', '10004'].map((code) => legacyCommune(code, code === '10004' ? '02' : '01')),
    successors: [link('10001', '00001'), link('10002', '00002'), link('10003', '00003'), link('10004', '00004')],
  };
}

const options = { effectiveFrom: '2026-12-01', legalBasis: ['1/2026/NQ-UBTVQH16'] };

describe('planning an import of the units', () => {
  test('the same state plans nothing', () => {
    const plan = planImport(current(), current(), options);
    expect(plan.empty).toBe(true);
    expect(plan.differences).toEqual([]);
  });

  test('an empty database gets everything, without recording changes', () => {
    const empty: UnitsState = { provinces: [], communes: [], changes: [], legacyUnits: [], successors: [] };
    const plan = planImport(empty, current(), options);
    expect(plan.initial).toBe(true);
    expect(plan.differences).toEqual([]);
    expect(plan.changes).toEqual([]);
    expect(plan.upsertCommunes.map((c) => c.effectiveFrom)).toEqual(Array(4).fill('2025-07-01'));
    expect(describeDifferences(plan)).toEqual(['the database holds no units: 2 provinces and 4 communes to add']);
  });

  test('renamed, type changed, province changed, added, merged and removed units, each named once', () => {
    const target = current();
    target.communes = [
      { ...commune('00001', 'An Mới', '01') },
      commune('00002', 'Bình', '01', 'WARD'),
      commune('00004', 'Dương', '01'),
      commune('00005', 'Én', '02'),
    ];
    // 00003 merged into 00001: its predecessor points there now.
    target.successors = [link('10001', '00001'), link('10002', '00002'), link('10003', '00001'), link('10004', '00004')];
    const plan = planImport(current(), target, options);
    expect(describeDifferences(plan).map((l) => l.replace(/\s+/g, ' '))).toEqual([
      'renamed commune 00001 Xã An → Xã An Mới',
      'type changed commune 00002 COMMUNE → WARD (Xã Bình → Phường Bình)',
      'merged commune 00003 Xã Cát → into 00001 Xã An Mới (its 1 pre-reform unit(s) now point there)',
      'province changed commune 00004 Xã Dương: province 02 → 01',
      'added commune 00005 Xã Én (province 02)',
      'pre-reform links 1 added, 1 removed',
    ]);
    expect(plan.changes.map((c) => `${c.code} ${c.field} ${c.oldValue} → ${c.newValue} ${c.effectiveFrom}`)).toEqual([
      '00001 name An → An Mới 2026-12-01',
      '00001 fullName Xã An → Xã An Mới 2026-12-01',
      '00002 fullName Xã Bình → Phường Bình 2026-12-01',
      '00002 type COMMUNE → WARD 2026-12-01',
      '00004 provinceCode 02 → 01 2026-12-01',
      '00003 mergedInto Xã Cát → 00001 2026-12-01',
    ]);
    expect(plan.changes.every((c) => c.legalBasis.join() === '1/2026/NQ-UBTVQH16')).toBe(true);
    expect(plan.upsertCommunes.map((c) => [c.code, c.effectiveFrom])).toEqual([
      ['00001', '2026-12-01'],
      ['00002', '2026-12-01'],
      ['00004', '2026-12-01'],
      ['00005', '2026-12-01'],
    ]);
    expect(plan.removeCommunes).toEqual(['00003']);
    expect(plan.addSuccessors).toEqual([link('10003', '00001')]);
    expect(plan.removeSuccessors).toEqual([link('10003', '00003')]);
  });

  test('a unit whose predecessors point nowhere any more is removed, not merged', () => {
    const target = current();
    target.communes = target.communes.filter((c) => c.code !== '00003');
    target.successors = target.successors.filter((s) => s.communeCode !== '00003');
    const plan = planImport(current(), target, options);
    expect(describeDifferences(plan).map((l) => l.replace(/\s+/g, ' '))).toEqual([
      'removed commune 00003 Xã Cát',
      'pre-reform links 0 added, 1 removed',
    ]);
    expect(plan.changes).toEqual([expect.objectContaining({ code: '00003', field: 'abolished', oldValue: 'Xã Cát', newValue: '' })]);
  });

  test('a province whose pre-reform provinces now point to another was merged into it', () => {
    const before = current();
    before.legacyUnits.push({ ...legacyCommune('02', '02'), level: 'PROVINCE', legacyProvinceCode: null, legacyDistrictCode: null });
    const target = current();
    target.provinces = [province('01', 'Một')];
    target.communes = target.communes.map((c) => ({ ...c, provinceCode: '01' }));
    target.legacyUnits = before.legacyUnits.map((u) => ({ ...u, newProvinceCode: '01' }));
    const plan = planImport(before, target, options);
    expect(describeDifferences(plan)[0]!.replace(/\s+/g, ' ')).toBe(
      'merged province 02 Tỉnh Hai → into 01 Tỉnh Một (its 1 pre-reform unit(s) now point there)',
    );
    expect(plan.removeProvinces).toEqual(['02']);
  });

  test("changes explained by the data set's changes file keep its date and legal basis", () => {
    const data = readDataSet(BUNDLED_DATA_DIR);
    const before = unitsAsOf(data, '2026-04-29');
    const after = unitsAsOf(data, '2026-11-26');
    const plan = planImport({ ...before, changes: [] }, after, options);
    expect(plan.differences.filter((d) => d.kind === 'typeChanged')).toHaveLength(11);
    // Every change recorded is one of the file's (2026-04-30, its resolutions), none of the import's.
    expect(plan.changes).toEqual(after.changes);
    expect(new Set(plan.upsertCommunes.map((c) => c.effectiveFrom))).toEqual(new Set(['2026-04-30']));
  });
});

describe('reading a data set', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-units-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('one JSON file with the four parts reads like the folder', () => {
    const part = (file: string) => JSON.parse(readFileSync(join(BUNDLED_DATA_DIR, file), 'utf8')) as unknown;
    const bundle = join(dir, 'units.json');
    writeFileSync(
      bundle,
      JSON.stringify({
        provinces: part('provinces.json'),
        communes: part('communes.json'),
        'changes-after-2025-07-01': part('changes-after-2025-07-01.json'),
        'legacy-mapping': part('legacy-mapping.json'),
      }),
    );
    expect(unitsAsOf(readDataSet(bundle), '2026-11-26')).toEqual(unitsAsOf(readDataSet(BUNDLED_DATA_DIR), '2026-11-26'));
  });

  test('every problem is reported at once, naming the file and the value', () => {
    const data = readDataSet(BUNDLED_DATA_DIR);
    data.communes = [...data.communes, { ...data.communes[0]! }, { ...data.communes[1]!, code: '1234', type: 'thị trấn' }];
    data.legacy.communes = [{ ...data.legacy.communes[0]!, newCommuneCodes: ['99999'] }, ...data.legacy.communes.slice(1)];
    let error: unknown;
    try {
      unitsAsOf(data, '2026-11-26');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataSetError);
    expect((error as DataSetError).problems).toEqual([
      `communes.json: commune code "${data.communes[0]!.code}" appears twice`,
      'communes.json: commune code "1234" is malformed',
      'communes.json: commune "1234" has unknown type "thị trấn"',
      `legacy-mapping.json: pre-reform commune "${data.legacy.communes[0]!.legacyCode}" names commune "99999", which is not in communes.json`,
    ]);
  });

  test('a missing file or folder says so', () => {
    expect(() => readDataSet(join(dir, 'nowhere'))).toThrow(/no such file or folder/);
    writeFileSync(join(dir, 'provinces.json'), '[]');
    expect(() => readDataSet(dir)).toThrow(/communes\.json: missing, or not a list/);
  });
});
