import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { PGlite } from '@electric-sql/pglite';
import { createDataSource, migrate, openPglite, type DatabaseTarget } from '../../../shared/db';
import { loadLandUseTypes } from '../../../subgraphs/land/seed';
import {
  CitizenIdAllocator,
  decodeCitizenId,
  formatCitizenId,
  isValidCitizenId,
  isValidTaxCode,
  LEGACY_PROVINCE_CODES,
  TaxCodeAllocator,
  taxCodeCheckDigit,
} from '../codes';
import { generateWorld, loadReferenceData, type WorldBatch } from '../world';
import { seedSynthetic } from '..';
import { subgraphByName } from '../../../subgraphs';

/** The subgraphs this suite migrates (population, land, enterprise): their seed hooks only. */
const WORLD = ['population', 'land', 'enterprise'].map((name) => subgraphByName(name).load());

type WorldRows = Omit<WorldBatch, 'firstHousehold'>;

function collect(seed: number, residents: number, batchResidents?: number): WorldRows {
  const rows: WorldRows = { households: [], residents: [], parcels: [], holders: [], enterprises: [] };
  for (const batch of generateWorld({ seed, residents, ...(batchResidents ? { batchResidents } : {}) })) {
    rows.households.push(...batch.households);
    rows.residents.push(...batch.residents);
    rows.parcels.push(...batch.parcels);
    rows.holders.push(...batch.holders);
    rows.enterprises.push(...batch.enterprises);
  }
  return rows;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function yearsBetween(earlier: string, later: string): number {
  const a = new Date(`${earlier}T00:00:00Z`);
  const b = new Date(`${later}T00:00:00Z`);
  let years = b.getUTCFullYear() - a.getUTCFullYear();
  if (b.getUTCMonth() < a.getUTCMonth() || (b.getUTCMonth() === a.getUTCMonth() && b.getUTCDate() < a.getUTCDate())) years -= 1;
  return years;
}

describe('citizen ID rules', () => {
  it('knows exactly the 63 pre-2025 provinces of legacy-mapping.json', () => {
    const file = join(__dirname, '../../../subgraphs/administrative-units/seed/data/legacy-mapping.json');
    const legacy = JSON.parse(readFileSync(file, 'utf8')) as { provinces: { legacyCode: string }[] };
    expect([...LEGACY_PROVINCE_CODES].sort()).toEqual(legacy.provinces.map((p) => p.legacyCode).sort());
  });

  it('encodes sex and century in digit 4 and the year in digits 5–6', () => {
    expect(formatCitizenId('01', 'MALE', 1985, 123)).toBe('001085000123');
    expect(formatCitizenId('79', 'FEMALE', 1985, 1)).toBe('079185000001');
    expect(formatCitizenId('79', 'MALE', 2003, 42)).toBe('079203000042');
    expect(formatCitizenId('48', 'FEMALE', 2010, 42)).toBe('048310000042');
    // Circular 59/2021/TT-BCA: 8/9 is the 24th century (2300–2399), not the 1800s.
    expect(formatCitizenId('48', 'FEMALE', 2310, 7)).toBe('048910000007');
    expect(() => formatCitizenId('48', 'FEMALE', 1899, 7)).toThrow(/1900–2399/);
    expect(decodeCitizenId('079310123456')).toEqual({ birthProvinceCode: '79', sex: 'FEMALE', birthYear: 2010, serial: 123456 });
  });

  it('accepts consistent IDs and rejects inconsistent or malformed ones', () => {
    expect(isValidCitizenId('001085000123')).toBe(true);
    expect(isValidCitizenId('001085000123', '1985-04-30', 'MALE')).toBe(true);
    expect(isValidCitizenId('001085000123', new Date(Date.UTC(1985, 3, 30)), 'MALE')).toBe(true);
    expect(isValidCitizenId('001085000123', '1985-04-30', 'FEMALE')).toBe(false); // sex digit says male
    expect(isValidCitizenId('001285000123', '1985-04-30')).toBe(false); // digit 2 = born 2000–2099
    expect(isValidCitizenId('001085000123', '1986-04-30')).toBe(false); // year digits say 85
    expect(isValidCitizenId('003085000123')).toBe(false); // 03 was never a province code
    expect(isValidCitizenId('101085000123')).toBe(false);
    expect(isValidCitizenId('00108500012')).toBe(false);
    expect(isValidCitizenId('0010850001234')).toBe(false);
    expect(isValidCitizenId('00108500012a')).toBe(false);
  });

  it('issues unique IDs even for people sharing province, sex and year', () => {
    const allocator = new CitizenIdAllocator();
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) ids.add(allocator.next('79', 'MALE', 1990));
    expect(ids.size).toBe(20_000);
    for (const id of ids) expect(id.startsWith('079090')).toBe(true);
  });
});

describe('tax code rules', () => {
  it('computes the check digit of real tax codes', () => {
    expect(taxCodeCheckDigit('010010910')).toBe(6); // 0100109106
    expect(taxCodeCheckDigit('030058856')).toBe(9); // 0300588569
    expect(isValidTaxCode('0100109106')).toBe(true);
    expect(isValidTaxCode('0300588569')).toBe(true);
  });

  it('rejects wrong check digits, bad branch suffixes and bad formats', () => {
    expect(isValidTaxCode('0100109107')).toBe(false);
    expect(isValidTaxCode('0300588560')).toBe(false);
    expect(isValidTaxCode('0100109106001')).toBe(true);
    expect(isValidTaxCode('0100109106999')).toBe(true);
    expect(isValidTaxCode('0100109106000')).toBe(false);
    expect(isValidTaxCode('0100109107001')).toBe(false);
    expect(isValidTaxCode('010010910')).toBe(false);
    expect(isValidTaxCode('01001091060')).toBe(false);
    expect(() => taxCodeCheckDigit('12345')).toThrow(/"12345"/);
  });

  it('never issues a prefix whose check digit would be 10', () => {
    let neverIssued: string | undefined;
    for (let n = 10_000_000; n < 10_000_100 && !neverIssued; n += 1) {
      const first9 = String(n).padStart(9, '0');
      if (taxCodeCheckDigit(first9) === null) neverIssued = first9;
    }
    expect(neverIssued).toBeDefined();
    for (let d = 0; d <= 9; d += 1) expect(isValidTaxCode(`${neverIssued}${d}`)).toBe(false);
    const allocator = new TaxCodeAllocator();
    const codes = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) codes.add(allocator.next());
    expect(codes.size).toBe(10_000);
    for (const code of codes) expect(isValidTaxCode(code)).toBe(true);
  });
});

describe('land-use types', () => {
  it('cover the classification codes the seeder and the API rely on', () => {
    const codes = new Set(loadLandUseTypes().map((t) => t.code));
    for (const code of [
      'LUC',
      'LUK',
      'BHK',
      'NHK',
      'CLN',
      'RSX',
      'RPH',
      'RDD',
      'NTS',
      'LMU',
      'NKH',
      'ONT',
      'ODT',
      'TMD',
      'SKC',
      'SKK',
      'DGD',
      'DYT',
      'DGT',
      'NTD',
      'CSD',
    ]) {
      expect(codes).toContain(code);
    }
  });
});

describe('synthetic world', () => {
  const world = collect(42, 20_000);
  const ref = loadReferenceData();
  const communes = new Map(ref.communes.map((c) => [c.code, c]));
  const residents = new Map(world.residents.map((r) => [r.citizenId, r]));
  const enterprises = new Map(world.enterprises.map((e) => [e.taxCode, e]));

  it('is deterministic for a seed, whatever the batch size', () => {
    expect(collect(42, 2_000, 300)).toEqual(collect(42, 2_000, 5_000));
    expect(collect(43, 2_000).residents).not.toEqual(collect(42, 2_000).residents);
  });

  it('is prefix-stable: a larger run starts with the rows of a smaller one', () => {
    const small = collect(42, 3_000);
    for (const table of ['households', 'residents', 'parcels', 'holders', 'enterprises'] as const) {
      expect(small[table].length).toBeGreaterThan(0);
      expect(world[table].slice(0, small[table].length)).toEqual(small[table]);
    }
  });

  it('stops at the first whole household that reaches the target', () => {
    expect(world.residents.length).toBeGreaterThanOrEqual(20_000);
    expect(world.residents.length).toBeLessThan(20_007);
  });

  it('issues unique, valid citizen IDs consistent with birth date and sex', () => {
    expect(residents.size).toBe(world.residents.length);
    expect(world.residents.filter((r) => !isValidCitizenId(r.citizenId, r.birthDate, r.sex))).toEqual([]);
  });

  it('gives each household exactly one HEAD, the one it points at', () => {
    const heads = new Map<number, string[]>();
    for (const r of world.residents) {
      if (r.relationshipToHead === 'HEAD') heads.set(r.householdId as number, [...(heads.get(r.householdId as number) ?? []), r.citizenId]);
    }
    for (const h of world.households) expect(heads.get(h.id)).toEqual([h.headCitizenId]);
    expect(heads.size).toBe(world.households.length);
  });

  it('keeps members in their household commune and sizes between 1 and 7', () => {
    const households = new Map(world.households.map((h) => [h.id, h]));
    const sizes = [...countBy(world.residents, (r) => String(r.householdId)).values()];
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
    expect(world.residents.filter((r) => r.permanentCommuneCode !== households.get(r.householdId as number)?.communeCode)).toEqual([]);
    expect(world.residents.filter((r) => !communes.has(r.currentCommuneCode))).toEqual([]);
    const away = world.residents.filter((r) => r.currentCommuneCode !== r.permanentCommuneCode).length / world.residents.length;
    expect(away).toBeGreaterThan(0.05);
    expect(away).toBeLessThan(0.15);
  });

  it('has birth dates consistent with relationships and ages 0–95', () => {
    const byHousehold = new Map<number, typeof world.residents>();
    for (const r of world.residents) byHousehold.set(r.householdId as number, [...(byHousehold.get(r.householdId as number) ?? []), r]);
    const problems: string[] = [];
    for (const members of byHousehold.values()) {
      const head = members.find((m) => m.relationshipToHead === 'HEAD');
      if (!head) throw new Error(`household ${members[0]?.householdId} has no head`);
      const spouse = members.find((m) => m.relationshipToHead === 'SPOUSE');
      const parents = spouse ? [head, spouse] : [head];
      if (yearsBetween(head.birthDate, '2026-01-01') < 18) problems.push(`minor head ${head.citizenId}`);
      if (spouse && (spouse.sex === head.sex || yearsBetween(spouse.birthDate, '2026-01-01') < 18))
        problems.push(`spouse ${spouse.citizenId}`);
      for (const m of members) {
        const age = yearsBetween(m.birthDate, '2026-01-01');
        if (age < 0 || age > 95) problems.push(`age ${age} of ${m.citizenId}`);
        if (
          m.relationshipToHead === 'CHILD' &&
          parents.some((p) => yearsBetween(p.birthDate, m.birthDate) < 18 || yearsBetween(p.birthDate, m.birthDate) > 40)
        ) {
          problems.push(`child ${m.citizenId} born ${m.birthDate} to parents born ${parents.map((p) => p.birthDate).join(', ')}`);
        }
        if (m.relationshipToHead === 'PARENT' && yearsBetween(m.birthDate, head.birthDate) < 18) problems.push(`parent ${m.citizenId}`);
        if (m.relationshipToHead === 'GRANDCHILD' && yearsBetween(head.birthDate, m.birthDate) < 36)
          problems.push(`grandchild ${m.citizenId}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('writes Vietnamese names in NFC', () => {
    const surnames = countBy(world.residents, (r) => r.fullName.split(' ')[0] as string);
    expect((surnames.get('Nguyễn') ?? 0) / world.residents.length).toBeGreaterThan(0.25);
    expect(world.residents.filter((r) => r.fullName !== r.fullName.normalize('NFC') || r.fullName.split(' ').length < 2)).toEqual([]);
  });

  it('spreads households over every commune once there are enough of them', () => {
    const covered = new Set(collect(7, 12_000).households.map((h) => h.communeCode));
    expect(covered.size).toBe(ref.communes.length);
  });

  it('can concentrate households on chosen communes', () => {
    const dense = [...generateWorld({ seed: 7, residents: 1_000, communeCodes: ['00004', '26740'] })].flatMap((b) => b.households);
    const perCommune = countBy(dense, (h) => h.communeCode);
    expect([...perCommune.keys()].sort()).toEqual(['00004', '26740']);
    expect(Math.abs((perCommune.get('00004') ?? 0) - (perCommune.get('26740') ?? 0))).toBeLessThanOrEqual(1);
    expect(() => generateWorld({ seed: 7, residents: 10, communeCodes: ['99999'] }).next()).toThrow(/"99999"/);
  });

  it('only refers to holders that exist, with shares summing to exactly 100', () => {
    const shares = new Map<number, number>();
    for (const h of world.holders) shares.set(h.parcelId, (shares.get(h.parcelId) ?? 0) + h.share);
    const missing = world.holders.filter((h) => !(h.holderType === 'RESIDENT' ? residents.has(h.holderId) : enterprises.has(h.holderId)));
    expect(missing).toEqual([]);
    expect(shares.size).toBe(world.parcels.length);
    expect([...shares].filter(([, total]) => total !== 100)).toEqual([]);
  });

  it('numbers parcels uniquely within a commune and in its province', () => {
    const ids = world.parcels.map((p) => p.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(new Set(world.parcels.map((p) => `${p.communeCode}/${p.mapSheetNumber}/${p.parcelNumber}`)).size).toBe(world.parcels.length);
    const certificates = world.parcels.flatMap((p) => (p.certificateNumber ? [p.certificateNumber] : []));
    expect(new Set(certificates).size).toBe(certificates.length);
    expect(certificates.filter((c) => !/^[A-Z]{2} \d{6}$/.test(c))).toEqual([]);
    expect(certificates.length / world.parcels.length).toBeGreaterThan(0.85);
    expect(certificates.length / world.parcels.length).toBeLessThan(0.95);
    const types = new Set(loadLandUseTypes().map((t) => t.code));
    const bad = world.parcels.filter(
      (p) =>
        p.provinceCode !== communes.get(p.communeCode)?.provinceCode ||
        !types.has(p.landUseCode) ||
        !(p.area > 0) ||
        Math.round(p.area * 10) / 10 !== p.area ||
        (p.landUseCode === 'ODT' && p.area > 300),
    );
    expect(bad).toEqual([]);
    expect(world.parcels.length / world.residents.length).toBeGreaterThan(0.6);
    expect(world.parcels.length / world.residents.length).toBeLessThan(0.8);
  });

  it('registers enterprises with an adult representative, valid codes and plausible attributes', () => {
    expect(world.residents.length / world.enterprises.length).toBeGreaterThan(20);
    expect(world.residents.length / world.enterprises.length).toBeLessThan(30);
    let sameProvince = 0;
    for (const e of world.enterprises) {
      expect(isValidTaxCode(e.taxCode)).toBe(true);
      const rep = residents.get(e.legalRepresentativeId);
      if (!rep) throw new Error(`representative ${e.legalRepresentativeId} missing`);
      expect(yearsBetween(rep.birthDate, e.foundedOn)).toBeGreaterThanOrEqual(18);
      expect(e.foundedOn >= '1995-01-01' && e.foundedOn <= '2026-06-30').toBe(true);
      if (communes.get(rep.permanentCommuneCode)?.provinceCode === e.headOfficeProvinceCode) sameProvince += 1;
      expect(communes.get(e.headOfficeCommuneCode)?.provinceCode).toBe(e.headOfficeProvinceCode);
      expect(Number.isInteger(e.charterCapital)).toBe(true);
      expect(e.charterCapital).toBeGreaterThanOrEqual(100e6);
      expect(e.charterCapital).toBeLessThanOrEqual(500e9);
      expect(e.industryCodes.length).toBeGreaterThanOrEqual(1);
      expect(e.industryCodes.length).toBeLessThanOrEqual(4);
      for (const code of e.industryCodes) expect(code).toMatch(/^\d{4}$/);
      const prefix = {
        SOLE_PROPRIETORSHIP: 'Doanh nghiệp tư nhân ',
        PARTNERSHIP: 'Công ty ',
        SINGLE_MEMBER_LLC: 'Công ty TNHH ',
        MULTI_MEMBER_LLC: 'Công ty TNHH ',
        JOINT_STOCK_COMPANY: 'Công ty Cổ phần ',
      }[e.legalForm];
      expect(e.name.startsWith(prefix)).toBe(true);
    }
    expect(sameProvince / world.enterprises.length).toBeGreaterThan(0.75);
    const active = world.enterprises.filter((e) => e.status === 'ACTIVE').length / world.enterprises.length;
    expect(active).toBeGreaterThan(0.78);
    expect(active).toBeLessThan(0.92);
  });
});

describe('seedSynthetic on PGlite', () => {
  jest.setTimeout(120_000);
  let pglite: PGlite;
  let db: DataSource;

  beforeAll(async () => {
    pglite = await openPglite();
    const target: DatabaseTarget = { kind: 'pglite', pglite };
    await migrate(target, [...WORLD]);
    db = await createDataSource({ target, entities: [] });
    await db.initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    await pglite?.close();
  });

  async function counts(): Promise<Record<string, number>> {
    const [row] = (await db.query(`SELECT
      (SELECT count(*) FROM population.household)::int AS households,
      (SELECT count(*) FROM population.resident)::int AS residents,
      (SELECT count(*) FROM land.land_parcel)::int AS parcels,
      (SELECT count(*) FROM land.parcel_holder)::int AS holders,
      (SELECT count(*) FROM enterprise.enterprise)::int AS enterprises`)) as Record<string, number>[];
    return row ?? {};
  }

  it('writes the set, then adds nothing when re-run and only the extra households when grown', async () => {
    const progress: number[] = [];
    const first = await seedSynthetic(db, {
      residents: 2_000,
      seed: 42,
      batchSize: 500,
      subgraphs: WORLD,
      onProgress: (done) => progress.push(done),
    });
    const expected = collect(42, 2_000);
    expect(first).toMatchObject({
      residents: expected.residents.length,
      households: expected.households.length,
      parcels: expected.parcels.length,
      enterprises: expected.enterprises.length,
    });
    expect(first.inserted.residents).toBe(expected.residents.length);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[progress.length - 1]).toBe(2_000);
    const after = await counts();
    expect(after).toEqual({
      households: expected.households.length,
      residents: expected.residents.length,
      parcels: expected.parcels.length,
      holders: expected.holders.length,
      enterprises: expected.enterprises.length,
    });

    const again = await seedSynthetic(db, { residents: 2_000, seed: 42, subgraphs: WORLD });
    expect(again.inserted).toEqual({ households: 0, residents: 0, parcels: 0, holders: 0, enterprises: 0 });
    expect(await counts()).toEqual(after);

    const grown = await seedSynthetic(db, { residents: 3_000, seed: 42, subgraphs: WORLD });
    const bigger = collect(42, 3_000);
    expect(grown.inserted.residents).toBe(bigger.residents.length - expected.residents.length);
    expect((await counts()).residents).toBe(bigger.residents.length);

    const [check] = (await db.query(`SELECT
      (SELECT count(*) FROM population.resident WHERE search_name <> lower(search_name))::int AS unfolded,
      (SELECT count(*) FROM enterprise.enterprise WHERE cardinality(industry_codes) NOT BETWEEN 1 AND 4)::int AS bad_codes,
      (SELECT count(*) FROM (SELECT parcel_id FROM land.parcel_holder GROUP BY parcel_id HAVING sum(share) <> 100) s)::int AS bad_shares`)) as Record<
      string,
      number
    >[];
    expect(check).toEqual({ unfolded: 0, bad_codes: 0, bad_shares: 0 });
  });
});
