import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HouseholdRow, RelationshipToHead, ResidentRow } from '../../subgraphs/population/seed';
import type { LandParcelRow, ParcelHolderRow } from '../../subgraphs/land/seed';
import type { EnterpriseRow, EnterpriseStatus, LegalForm } from '../../subgraphs/enterprise/seed';
import { CertificateNumberAllocator, CitizenIdAllocator, type Sex, TaxCodeAllocator } from './codes';
import { drawBrand, drawPersonalName, drawSurname, HAMLETS, INDUSTRIAL_PARKS, STREETS } from './names';
import { hash32, Random, weighted, type WeightedTable } from './random';

/**
 * The deterministic synthetic world: households (with their residents, parcels and enterprises)
 * generated one after another from a single seeded random stream, over the real communes.
 *
 * Determinism contract: household i depends only on the seed and on households 0…i−1, never on how
 * many households are asked for, so a run of N households is a prefix of every larger run with the
 * same seed. Counters (citizen ID serials, tax codes, parcel ids, certificate numbers, parcel
 * numbers per commune) advance in the same order, which makes every key unique by construction.
 * Memory is bounded: the state is a few maps keyed by commune or ID prefix, never by resident.
 */

const ADMIN_DATA = join(__dirname, '..', '..', 'subgraphs', 'administrative-units', 'seed', 'data');

/** Ages, birth dates and foundation dates are "as of" this day, so the data never depends on the clock. */
export const REFERENCE_DATE = '2026-01-01';
const LATEST_FOUNDATION = '2026-06-30';
const EARLIEST_FOUNDATION = '1995-01-01';
const MAX_AGE = 95;

type CommuneType = 'xã' | 'phường' | 'đặc khu';

interface Commune {
  code: string;
  fullName: string;
  type: CommuneType;
  provinceCode: string;
}

interface Province {
  code: string;
  fullName: string;
  /** Pre-2025 provinces merged into this one: the usual place-of-birth codes of its residents. */
  legacyCodes: string[];
  communes: Commune[];
  wards: Commune[];
  rural: Commune[];
  region: Region;
}

/** Conventions that differ across the country: surnames, the words for hamlets and alleys, farmland. */
interface Region {
  southern: boolean;
  hamlet: WeightedTable<string>;
  alley: string;
  quarter: string;
  farmland: WeightedTable<string>;
}

/** The real administrative units the world is laid over. */
export interface ReferenceData {
  communes: Commune[];
  provinces: Map<string, Province>;
  legacyProvinceCodes: string[];
}

// ---------------------------------------------------------------------------------------------
// Reference data

const FARMLAND = {
  delta: weighted([
    ['LUC', 55],
    ['LUK', 8],
    ['BHK', 15],
    ['CLN', 10],
    ['NTS', 12],
  ]),
  mekong: weighted([
    ['LUC', 42],
    ['LUK', 6],
    ['CLN', 22],
    ['NTS', 22],
    ['BHK', 8],
  ]),
  highlands: weighted([
    ['CLN', 45],
    ['BHK', 15],
    ['NHK', 10],
    ['RSX', 15],
    ['LUK', 10],
    ['LUC', 5],
  ]),
  mountains: weighted([
    ['LUK', 20],
    ['LUC', 10],
    ['NHK', 20],
    ['RSX', 30],
    ['CLN', 15],
    ['BHK', 5],
  ]),
  coast: weighted([
    ['LUC', 35],
    ['LUK', 10],
    ['BHK', 15],
    ['CLN', 12],
    ['RSX', 18],
    ['NTS', 9],
    ['LMU', 1],
  ]),
  southeast: weighted([
    ['CLN', 50],
    ['LUC', 15],
    ['BHK', 15],
    ['NTS', 10],
    ['RSX', 10],
  ]),
};
const MEKONG = new Set(['80', '82', '86', '91', '92', '96']);
const HIGHLANDS = new Set(['52', '66', '68']);
const MOUNTAINS = new Set(['04', '08', '11', '12', '14', '15', '19', '20']);
const DELTA = new Set(['01', '24', '25', '31', '33', '37']);
const SOUTHEAST = new Set(['75', '79']);

function regionOf(provinceCode: string): Region {
  const n = Number(provinceCode);
  const south = MEKONG.has(provinceCode) || SOUTHEAST.has(provinceCode);
  let hamlet: WeightedTable<string>;
  if (south) hamlet = weighted([['ấp', 1]]);
  else if (['11', '12', '14'].includes(provinceCode))
    hamlet = weighted([
      ['bản', 5],
      ['thôn', 4],
      ['tổ', 1],
    ]);
  else if (['19', '25', '40', '42'].includes(provinceCode))
    hamlet = weighted([
      ['xóm', 4],
      ['thôn', 6],
    ]);
  else if (provinceCode === '66')
    hamlet = weighted([
      ['buôn', 3],
      ['thôn', 7],
    ]);
  else if (provinceCode === '52')
    hamlet = weighted([
      ['làng', 2],
      ['thôn', 8],
    ]);
  else hamlet = weighted([['thôn', 1]]);
  const farmland = MEKONG.has(provinceCode)
    ? FARMLAND.mekong
    : HIGHLANDS.has(provinceCode)
      ? FARMLAND.highlands
      : MOUNTAINS.has(provinceCode)
        ? FARMLAND.mountains
        : DELTA.has(provinceCode)
          ? FARMLAND.delta
          : SOUTHEAST.has(provinceCode)
            ? FARMLAND.southeast
            : FARMLAND.coast;
  return {
    southern: n >= 48,
    hamlet,
    alley: south ? 'hẻm' : ['46', '48'].includes(provinceCode) ? 'kiệt' : 'ngõ',
    quarter: south ? 'khu phố' : 'tổ dân phố',
    farmland,
  };
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(ADMIN_DATA, file), 'utf8')) as T;
}

let reference: ReferenceData | undefined;

/** Loads (once) the 3,321 communes, the 34 provinces and the 63 pre-2025 province codes. */
export function loadReferenceData(): ReferenceData {
  if (reference) return reference;
  const communeRecords = readJson<{ code: string; fullName: string; type: CommuneType; provinceCode: string }[]>('communes.json');
  const provinceRecords = readJson<{ code: string; fullName: string }[]>('provinces.json');
  const legacy = readJson<{ provinces: { legacyCode: string; newProvinceCode: string }[] }>('legacy-mapping.json');
  const provinces = new Map<string, Province>();
  for (const p of provinceRecords) {
    provinces.set(p.code, {
      code: p.code,
      fullName: p.fullName,
      legacyCodes: [],
      communes: [],
      wards: [],
      rural: [],
      region: regionOf(p.code),
    });
  }
  const province = (code: string): Province => {
    const found = provinces.get(code);
    if (!found) throw new Error(`Administrative data: unknown province ${code}`);
    return found;
  };
  for (const l of legacy.provinces) province(l.newProvinceCode).legacyCodes.push(l.legacyCode);
  const communes = communeRecords
    .map((c) => ({ code: c.code, fullName: c.fullName, type: c.type, provinceCode: c.provinceCode }))
    .sort((a, b) => a.code.localeCompare(b.code));
  for (const c of communes) {
    const p = province(c.provinceCode);
    p.communes.push(c);
    (c.type === 'phường' ? p.wards : p.rural).push(c);
  }
  for (const p of provinces.values()) {
    if (p.legacyCodes.length === 0 || p.communes.length === 0)
      throw new Error(`Administrative data: province ${p.code} has no legacy codes or communes`);
    p.legacyCodes.sort();
  }
  reference = { communes, provinces, legacyProvinceCodes: legacy.provinces.map((l) => l.legacyCode).sort() };
  return reference;
}

// ---------------------------------------------------------------------------------------------
// Dates, as whole days since 1970-01-01 (UTC)

const DAY_MS = 86_400_000;

function dayOf(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
}
function addYears(day: number, years: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate()) / DAY_MS;
}
function isoOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
function yearOf(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}

const REFERENCE_DAY = dayOf(REFERENCE_DATE);
const LATEST_BIRTH = REFERENCE_DAY - 1;
/** Born on this day or later: at most 95 years old on the reference date. */
const EARLIEST_BIRTH = addYears(REFERENCE_DAY, -(MAX_AGE + 1)) + 1;
const EARLIEST_FOUNDATION_DAY = dayOf(EARLIEST_FOUNDATION);
/** Born on this day or earlier: at least 18 on the reference date. */
const LATEST_ADULT_BIRTH = addYears(REFERENCE_DAY, -18);
/** Born on this day or later: at most 25 on the reference date (grandchildren living with the head). */
const EARLIEST_BIRTH_AT_25 = addYears(REFERENCE_DAY, -26) + 1;
const LATEST_FOUNDATION_DAY = dayOf(LATEST_FOUNDATION);

/** Birth days of a person aged exactly `age` on the reference date: [first, last]. */
const AGE_WINDOWS: [number, number][] = Array.from({ length: MAX_AGE + 1 }, (_, age) => [
  addYears(REFERENCE_DAY, -(age + 1)) + 1,
  Math.min(addYears(REFERENCE_DAY, -age), LATEST_BIRTH),
]);

function ageOn(birthDay: number, day: number): number {
  let age = yearOf(day) - yearOf(birthDay);
  if (addYears(birthDay, age) > day) age -= 1;
  return age;
}

// ---------------------------------------------------------------------------------------------
// Distributions

/** Household sizes: mean ≈ 3.5 persons, as in the 2019 census. */
const HOUSEHOLD_SIZE = weighted([
  [1, 10],
  [2, 17],
  [3, 22],
  [4, 27],
  [5, 13],
  [6, 7],
  [7, 4],
]);

const LEGAL_FORM: WeightedTable<LegalForm> = weighted([
  ['SINGLE_MEMBER_LLC', 44],
  ['MULTI_MEMBER_LLC', 30],
  ['JOINT_STOCK_COMPANY', 15.5],
  ['SOLE_PROPRIETORSHIP', 10],
  ['PARTNERSHIP', 0.5],
]);
const STATUS: WeightedTable<EnterpriseStatus> = weighted([
  ['ACTIVE', 85],
  ['SUSPENDED', 8],
  ['DISSOLVED', 7],
]);

/** Charter capital range in VND per legal form (log-uniform, rounded to two significant digits). */
const CAPITAL: Record<LegalForm, [number, number]> = {
  SOLE_PROPRIETORSHIP: [100e6, 5e9],
  PARTNERSHIP: [500e6, 20e9],
  SINGLE_MEMBER_LLC: [100e6, 50e9],
  MULTI_MEMBER_LLC: [500e6, 100e9],
  JOINT_STOCK_COMPANY: [1e9, 500e9],
};

type SectorKind = 'trade' | 'service' | 'industry' | 'agriculture';

/** A line of business: words for the trade name and its VSIC 2018 activity codes (main activity first). */
interface Sector {
  kind: SectorKind;
  phrases: string[];
  codes: string[];
}

const SECTORS = {
  trade: {
    kind: 'trade',
    phrases: ['Thương mại', 'Thương mại và Dịch vụ', 'Thương mại Dịch vụ Tổng hợp', 'Xuất nhập khẩu'],
    codes: ['4659', '4669', '4649', '4690', '4610', '4632', '4641', '4663', '4652', '4620'],
  },
  construction: {
    kind: 'service',
    phrases: ['Xây dựng', 'Đầu tư Xây dựng', 'Xây dựng và Thương mại', 'Kiến trúc và Xây dựng'],
    codes: ['4101', '4102', '4212', '4299', '4321', '4322', '4330', '4390', '7110', '4663'],
  },
  software: {
    kind: 'service',
    phrases: ['Công nghệ', 'Giải pháp Phần mềm', 'Công nghệ Thông tin', 'Công nghệ Số'],
    codes: ['6201', '6202', '6209', '6311', '5820', '4651', '7310'],
  },
  food: {
    kind: 'service',
    phrases: ['Dịch vụ Ăn uống', 'Nhà hàng', 'Khách sạn và Du lịch', 'Du lịch'],
    codes: ['5610', '5630', '5621', '5510', '7911', '7912'],
  },
  transport: {
    kind: 'service',
    phrases: ['Vận tải', 'Vận tải và Logistics', 'Giao nhận Vận tải', 'Vận tải Hành khách'],
    codes: ['4933', '4932', '5210', '5229', '5320', '5022'],
  },
  garments: { kind: 'industry', phrases: ['May mặc', 'Dệt may', 'Thời trang'], codes: ['1410', '1430', '1312', '4641', '4771'] },
  farming: {
    kind: 'agriculture',
    phrases: ['Nông nghiệp', 'Nông sản', 'Chăn nuôi', 'Thủy sản'],
    codes: ['0111', '0118', '0121', '0126', '0145', '0146', '0322', '4620'],
  },
  foodProcessing: {
    kind: 'industry',
    phrases: ['Thực phẩm', 'Chế biến Thực phẩm', 'Chế biến Nông sản'],
    codes: ['1010', '1020', '1061', '1079', '1080', '4632'],
  },
  engineering: {
    kind: 'industry',
    phrases: ['Cơ khí', 'Sản xuất và Thương mại', 'Kỹ thuật Công nghiệp', 'Nhựa', 'Bao bì'],
    codes: ['2511', '2592', '3312', '2220', '1702', '2599', '4659'],
  },
  furniture: { kind: 'industry', phrases: ['Nội thất', 'Đồ gỗ'], codes: ['3100', '1622', '4649', '4759'] },
  realEstate: { kind: 'service', phrases: ['Bất động sản', 'Đầu tư Bất động sản', 'Địa ốc'], codes: ['6810', '6820', '4101', '7110'] },
  consulting: {
    kind: 'service',
    phrases: ['Tư vấn', 'Tư vấn Đầu tư', 'Kế toán Thuế', 'Tư vấn Quản lý'],
    codes: ['7020', '6920', '7320', '8299'],
  },
  education: { kind: 'service', phrases: ['Giáo dục', 'Đào tạo', 'Giáo dục và Đào tạo'], codes: ['8559', '8560'] },
  health: { kind: 'trade', phrases: ['Dược phẩm', 'Thiết bị Y tế', 'Y tế'], codes: ['4772', '8620', '4649', '4659'] },
  energy: { kind: 'industry', phrases: ['Năng lượng', 'Điện mặt trời'], codes: ['3511', '4321', '4659'] },
  automotive: { kind: 'trade', phrases: ['Ô tô', 'Dịch vụ Ô tô'], codes: ['4511', '4520', '4530'] },
  media: { kind: 'service', phrases: ['Truyền thông', 'Quảng cáo', 'Sự kiện'], codes: ['7310', '8230', '1811'] },
  fuel: { kind: 'trade', phrases: ['Xăng dầu'], codes: ['4730', '4661'] },
  law: { kind: 'service', phrases: ['Luật'], codes: ['6910'] },
  audit: { kind: 'service', phrases: ['Kiểm toán'], codes: ['6920', '7020'] },
  design: { kind: 'service', phrases: ['Tư vấn Thiết kế'], codes: ['7110', '7410'] },
} satisfies Record<string, Sector>;

const COMPANY_SECTOR = weighted<Sector>([
  [SECTORS.trade, 30],
  [SECTORS.construction, 15],
  [SECTORS.software, 7],
  [SECTORS.food, 8],
  [SECTORS.transport, 7],
  [SECTORS.garments, 5],
  [SECTORS.farming, 5],
  [SECTORS.foodProcessing, 4],
  [SECTORS.engineering, 6],
  [SECTORS.furniture, 3],
  [SECTORS.realEstate, 4],
  [SECTORS.consulting, 5],
  [SECTORS.education, 2],
  [SECTORS.health, 2],
  [SECTORS.energy, 1],
  [SECTORS.automotive, 2],
  [SECTORS.media, 2],
]);
const PROPRIETORSHIP_SECTOR = weighted<Sector>([
  [SECTORS.trade, 35],
  [SECTORS.food, 15],
  [SECTORS.transport, 12],
  [SECTORS.farming, 12],
  [SECTORS.fuel, 10],
  [SECTORS.construction, 8],
  [SECTORS.furniture, 5],
  [SECTORS.foodProcessing, 3],
]);
const PARTNERSHIP_SECTOR = weighted<Sector>([
  [SECTORS.law, 6],
  [SECTORS.audit, 2],
  [SECTORS.design, 2],
]);

const INDUSTRY_CODE_COUNT = weighted([
  [1, 25],
  [2, 30],
  [3, 25],
  [4, 20],
]);
const ENTERPRISE_PARCELS = weighted([
  [0, 50],
  [1, 33],
  [2, 12],
  [3, 5],
]);
const ENTERPRISE_LAND: Record<SectorKind, WeightedTable<string>> = {
  industry: weighted([
    ['SKC', 55],
    ['SKK', 35],
    ['TMD', 10],
  ]),
  trade: weighted([
    ['TMD', 55],
    ['ODT', 35],
    ['SKC', 10],
  ]),
  service: weighted([
    ['TMD', 55],
    ['ODT', 35],
    ['SKC', 10],
  ]),
  agriculture: weighted([
    ['SKC', 60],
    ['TMD', 40],
  ]),
};
const RURAL_FARM_PARCELS = weighted([
  [0, 15],
  [1, 27],
  [2, 29],
  [3, 19],
  [4, 10],
]);

/** Parcel areas in m² by land use (log-uniform). */
const AREA: Record<string, [number, number]> = {
  ODT: [40, 300],
  ONT: [100, 1000],
  LUC: [300, 5000],
  LUK: [300, 3000],
  BHK: [200, 3000],
  NHK: [500, 8000],
  CLN: [500, 10000],
  NTS: [500, 20000],
  RSX: [5000, 100000],
  LMU: [1000, 10000],
  TMD: [80, 5000],
  SKC: [300, 30000],
  SKK: [5000, 150000],
};

/** Where people who live away from home go, and where firms register outside their founder's province. */
const DESTINATION = weighted([
  ['79', 35],
  ['01', 25],
  ['75', 8],
  ['31', 6],
  ['48', 6],
  ['24', 6],
  ['92', 3],
  ['56', 3],
  ['22', 3],
  ['33', 2],
  ['80', 3],
]);

/** Share of adults (22–70) who are the legal representative of an enterprise, by kind of commune. */
const FOUNDER_RATE: Record<CommuneType, number> = { phường: 0.134, xã: 0.042, 'đặc khu': 0.067 };

// ---------------------------------------------------------------------------------------------
// Generation

interface Member {
  relationship: RelationshipToHead;
  sex: Sex;
  birthDay: number;
  surname: string;
  citizenId: string;
}

/** Rows produced for a range of households; every reference points at a row of the same batch. */
export interface WorldBatch {
  /** Index of the first household of the batch (0-based; household ids are index + 1). */
  firstHousehold: number;
  households: HouseholdRow[];
  residents: ResidentRow[];
  parcels: LandParcelRow[];
  holders: ParcelHolderRow[];
  enterprises: EnterpriseRow[];
}

export interface WorldOptions {
  seed: number;
  /** Target number of residents; generation stops at the first whole household that reaches it. */
  residents: number;
  /** Residents per batch (approximate: batches end on a household boundary). Default 5,000. */
  batchResidents?: number;
  /**
   * Place households only in these communes (round-robin, in a seeded order) instead of all 3,321:
   * a small set that is still dense somewhere. References (where members currently live, head
   * offices, industrial parcels) still reach the rest of the country.
   */
  communeCodes?: readonly string[];
}

export interface WorldTotals {
  households: number;
  residents: number;
  parcels: number;
  enterprises: number;
}

/**
 * Yields the world in batches of whole households. Streaming: only the current batch is held.
 * Returns the totals when done.
 */
export function* generateWorld(options: WorldOptions): Generator<WorldBatch, WorldTotals> {
  const world = new WorldGenerator(options.seed, options.communeCodes);
  const batchResidents = Math.max(1, options.batchResidents ?? 5_000);
  while (world.residentCount < options.residents) {
    const batch: WorldBatch = {
      firstHousehold: world.householdCount,
      households: [],
      residents: [],
      parcels: [],
      holders: [],
      enterprises: [],
    };
    while (batch.residents.length < batchResidents && world.residentCount < options.residents) world.household(batch);
    yield batch;
  }
  return {
    households: world.householdCount,
    residents: world.residentCount,
    parcels: world.parcelCount,
    enterprises: world.enterpriseCount,
  };
}

class WorldGenerator {
  householdCount = 0;
  residentCount = 0;
  parcelCount = 0;
  enterpriseCount = 0;

  private readonly ref = loadReferenceData();
  private readonly random: Random;
  /** The communes in a seeded order; household i lives in order[i mod 3,321]. */
  private readonly order: Commune[];
  private readonly citizenIds = new CitizenIdAllocator();
  private readonly taxCodes = new TaxCodeAllocator();
  private readonly certificates = new CertificateNumberAllocator();
  private readonly parcelsPerCommune = new Map<string, number>();
  private readonly provinceOfCommune: Map<string, string>;

  constructor(seed: number, communeCodes?: readonly string[]) {
    if (!Number.isSafeInteger(seed)) throw new Error(`Seed must be an integer, got ${seed}`);
    this.random = new Random(`lien-thong/world/${seed}`);
    let communes = this.ref.communes;
    this.provinceOfCommune = new Map(communes.map((c) => [c.code, c.provinceCode]));
    if (communeCodes) {
      const byCode = new Map(communes.map((c) => [c.code, c]));
      communes = [...new Set(communeCodes)].map((code) => {
        const commune = byCode.get(code);
        if (!commune) throw new Error(`Unknown commune code "${code}" in communeCodes`);
        return commune;
      });
      if (communes.length === 0) throw new Error('communeCodes must name at least one commune');
    }
    this.order = new Random(`lien-thong/communes/${seed}`).shuffle([...communes]);
  }

  private province(code: string): Province {
    const p = this.ref.provinces.get(code);
    if (!p) throw new Error(`Unknown province ${code}`);
    return p;
  }

  /** Generates the next household, appending its rows to `batch`. */
  household(batch: WorldBatch): void {
    const r = this.random;
    const index = this.householdCount;
    const id = index + 1;
    const commune = this.order[index % this.order.length] as Commune;
    const province = this.province(commune.provinceCode);
    const members = this.members(province);
    const head = members[0] as Member;
    const address = `${this.streetAddress(commune, province)}, ${commune.fullName}, ${province.fullName}`;
    batch.households.push({ id, communeCode: commune.code, provinceCode: commune.provinceCode, address, headCitizenId: head.citizenId });
    for (const m of members) {
      const currentCommuneCode = this.currentCommune(commune, province, ageOn(m.birthDay, REFERENCE_DAY));
      batch.residents.push({
        citizenId: m.citizenId,
        fullName: `${m.surname} ${drawPersonalName(r, m.sex, yearOf(m.birthDay))}`,
        birthDate: isoOf(m.birthDay),
        sex: m.sex,
        permanentCommuneCode: commune.code,
        permanentProvinceCode: commune.provinceCode,
        currentCommuneCode,
        currentProvinceCode: this.provinceOfCommune.get(currentCommuneCode) ?? commune.provinceCode,
        householdId: id,
        relationshipToHead: m.relationship,
      });
    }
    this.householdLand(batch, members, commune, province, address);
    for (const m of members) {
      const age = ageOn(m.birthDay, REFERENCE_DAY);
      if (age >= 22 && age <= 70 && r.chance(FOUNDER_RATE[commune.type])) this.enterprise(batch, m, commune);
    }
    this.householdCount += 1;
    this.residentCount += members.length;
  }

  /** Head first; relationships and birth dates consistent with each other. */
  private members(province: Province): Member[] {
    const r = this.random;
    const size = HOUSEHOLD_SIZE.draw(r);
    const southern = province.region.southern;
    const members: Member[] = [];
    const add = (relationship: RelationshipToHead, sex: Sex, birthDay: number, surname: string): Member => {
      const local = r.chance(relationship === 'CHILD' || relationship === 'GRANDCHILD' ? 0.95 : 0.85);
      const birthProvince = local ? r.pick(province.legacyCodes) : r.pick(this.ref.legacyProvinceCodes);
      const member = { relationship, sex, birthDay, surname, citizenId: this.citizenIds.next(birthProvince, sex, yearOf(birthDay)) };
      members.push(member);
      return member;
    };
    const birthAtAge = (age: number): number => {
      const [lo, hi] = AGE_WINDOWS[Math.min(MAX_AGE, Math.max(0, age))] as [number, number];
      return r.int(lo, hi);
    };

    const headSex: Sex = r.chance(size === 1 ? 0.45 : 0.74) ? 'MALE' : 'FEMALE';
    const headAge =
      size === 1 ? (r.chance(0.45) ? r.int(19, 39) : r.int(40, 92)) : Math.min(90, Math.max(22, Math.round(r.normal(48, 13))));
    const head = add('HEAD', headSex, birthAtAge(headAge), drawSurname(r, southern));

    let spouse: Member | undefined;
    if (size >= 2 && r.chance(size === 2 ? 0.8 : 0.9)) {
      const husbandOlderBy = r.int(-2, 8);
      const spouseAge = Math.min(MAX_AGE, Math.max(18, headSex === 'MALE' ? headAge - husbandOlderBy : headAge + husbandOlderBy));
      spouse = add('SPOUSE', headSex === 'MALE' ? 'FEMALE' : 'MALE', birthAtAge(spouseAge), drawSurname(r, southern));
    }
    const paternalSurname = headSex === 'MALE' || !spouse ? head.surname : spouse.surname;

    if (members.length < size && headAge <= 65 && r.chance(size >= 4 ? 0.2 : 0.08)) {
      const lo = Math.max(EARLIEST_BIRTH, addYears(head.birthDay, -40));
      const hi = addYears(head.birthDay, -19);
      if (lo <= hi) {
        const sex: Sex = r.chance(0.65) ? 'FEMALE' : 'MALE';
        add('PARENT', sex, r.int(lo, hi), sex === 'MALE' && headSex === 'MALE' ? head.surname : drawSurname(r, southern));
      }
    }
    if (members.length < size && headAge <= 35 && r.chance(0.04)) {
      const lo = Math.max(EARLIEST_BIRTH, addYears(head.birthDay, -75));
      const hi = addYears(head.birthDay, -40);
      if (lo <= hi) {
        const sex: Sex = r.chance(0.7) ? 'FEMALE' : 'MALE';
        add('GRANDPARENT', sex, r.int(lo, hi), sex === 'MALE' ? head.surname : drawSurname(r, southern));
      }
    }

    const parents = spouse ? [head, spouse] : [head];
    const childLo = Math.max(...parents.map((p) => addYears(p.birthDay, 18)));
    const childHi = Math.min(LATEST_BIRTH, ...parents.map((p) => addYears(p.birthDay, 40)));
    const youngestParent = Math.max(...parents.map((p) => p.birthDay));
    let adultChild: Member | undefined;
    let inLaw = false;
    while (members.length < size) {
      const hasChild = adultChild !== undefined || members.some((m) => m.relationship === 'CHILD');
      if (hasChild && headAge >= 50 && r.chance(0.35)) {
        const hi = Math.min(LATEST_BIRTH, addYears(head.birthDay, 75));
        const lo = Math.max(addYears(head.birthDay, 38), EARLIEST_BIRTH_AT_25);
        if (lo <= hi) {
          add('GRANDCHILD', r.chance(0.51) ? 'MALE' : 'FEMALE', r.int(lo, hi), r.chance(0.7) ? paternalSurname : drawSurname(r, southern));
          continue;
        }
      }
      if (adultChild && !inLaw && r.chance(0.2)) {
        inLaw = true;
        const birth = Math.min(LATEST_ADULT_BIRTH, Math.max(childLo, adultChild.birthDay + r.int(-1500, 1500)));
        add('OTHER', adultChild.sex === 'MALE' ? 'FEMALE' : 'MALE', birth, drawSurname(r, southern));
        continue;
      }
      if (childLo <= childHi && !r.chance(0.03)) {
        const typical = youngestParent + Math.round(Math.min(39.5, Math.max(18.2, r.normal(27, 5))) * 365.25);
        const birth = typical >= childLo && typical <= childHi ? typical : r.int(childLo, childHi);
        const child = add('CHILD', r.chance(0.51) ? 'MALE' : 'FEMALE', birth, paternalSurname);
        if (ageOn(birth, REFERENCE_DAY) >= 20 && (!adultChild || r.chance(0.5))) adultChild = child;
        continue;
      }
      if (r.chance(0.6)) {
        const birth = Math.min(LATEST_BIRTH, Math.max(EARLIEST_BIRTH, head.birthDay + r.int(-4000, 4000)));
        add('SIBLING', r.chance(0.5) ? 'MALE' : 'FEMALE', birth, head.surname);
      } else {
        add('OTHER', r.chance(0.5) ? 'MALE' : 'FEMALE', birthAtAge(r.int(0, 80)), drawSurname(r, southern));
      }
    }
    return members;
  }

  /** Where a member actually lives: the household's commune for about 90% of residents. */
  private currentCommune(home: Commune, province: Province, age: number): string {
    const r = this.random;
    if (age < 15 || !r.chance(0.13)) return home.code;
    if (r.chance(0.75)) {
      const other = r.pick(province.communes);
      return other.code !== home.code ? other.code : r.pick(province.communes).code;
    }
    const destination = this.province(DESTINATION.draw(r));
    const pool = destination.wards.length > 0 && r.chance(0.7) ? destination.wards : destination.communes;
    return r.pick(pool).code;
  }

  /** "Số 12, đường Lê Lợi", "Số 7, hẻm 45 Nguyễn Trãi", "Số 30, thôn Đông" … (without commune and province). */
  private streetAddress(commune: Commune, province: Province): string {
    const r = this.random;
    const { region } = province;
    if (commune.type === 'phường') {
      const roll = r.next();
      const n = r.int(1, 350);
      if (roll < 0.55) return `Số ${n}, đường ${r.pick(STREETS)}`;
      if (roll < 0.85) return `Số ${n}, ${region.alley} ${r.int(1, 300)} ${r.pick(STREETS)}`;
      return `Số ${r.int(1, 120)}, ${region.quarter} ${r.int(1, 45)}`;
    }
    return `Số ${r.int(1, 200)}, ${this.hamlet(province)}`;
  }

  private hamlet(province: Province): string {
    const r = this.random;
    const word = province.region.hamlet.draw(r);
    return r.chance(0.35) ? `${word} ${r.int(1, 15)}` : `${word} ${r.pick(HAMLETS)}`;
  }

  private nextParcel(batch: WorldBatch, commune: Commune, landUseCode: string, address: string): number {
    const r = this.random;
    const k = this.parcelsPerCommune.get(commune.code) ?? 0;
    this.parcelsPerCommune.set(commune.code, k + 1);
    // A commune's parcels spread over its map sheets; (sheet, k div sheets) is unique per k and the
    // parcel number lies in a block of 7 reserved for that quotient, so numbers never collide.
    const sheets = 20 + (hash32(commune.code) % 60);
    const [minArea, maxArea] = AREA[landUseCode] ?? [100, 1000];
    const id = this.parcelCount + 1;
    this.parcelCount += 1;
    batch.parcels.push({
      id,
      provinceCode: commune.provinceCode,
      communeCode: commune.code,
      mapSheetNumber: 1 + (k % sheets),
      parcelNumber: Math.floor(k / sheets) * 7 + 1 + r.int(0, 6),
      area: Math.round(r.logUniform(minArea, maxArea) * 10) / 10,
      landUseCode,
      certificateNumber: r.chance(0.9) ? this.certificates.next() : null,
      address,
    });
    return id;
  }

  private hold(batch: WorldBatch, parcelId: number, head: Member, spouse: Member | undefined, jointly: boolean): void {
    if (spouse && jointly) {
      batch.holders.push({ parcelId, holderType: 'RESIDENT', holderId: head.citizenId, share: 50 });
      batch.holders.push({ parcelId, holderType: 'RESIDENT', holderId: spouse.citizenId, share: 50 });
    } else {
      batch.holders.push({ parcelId, holderType: 'RESIDENT', holderId: head.citizenId, share: 100 });
    }
  }

  /** The home (ODT in a ward, ONT elsewhere) and farmland, held by the head alone or with the spouse. */
  private householdLand(batch: WorldBatch, members: Member[], commune: Commune, province: Province, homeAddress: string): void {
    const r = this.random;
    const head = members[0] as Member;
    const spouse = members.find((m) => m.relationship === 'SPOUSE');
    const urban = commune.type === 'phường';
    const youngAlone = members.length === 1 && ageOn(head.birthDay, REFERENCE_DAY) < 30;
    if (r.chance(youngAlone ? 0.3 : urban ? 0.78 : 0.93)) {
      this.hold(batch, this.nextParcel(batch, commune, urban ? 'ODT' : 'ONT', homeAddress), head, spouse, r.chance(0.65));
    }
    if (urban && r.chance(0.12)) {
      const address = `${this.streetAddress(commune, province)}, ${commune.fullName}, ${province.fullName}`;
      this.hold(batch, this.nextParcel(batch, commune, 'ODT', address), head, spouse, r.chance(0.5));
    }
    const farms = urban ? (r.chance(0.12) ? 1 : 0) : RURAL_FARM_PARCELS.draw(r);
    for (let i = 0; i < farms; i += 1) {
      const use = urban ? r.pick(['CLN', 'BHK', 'LUK']) : province.region.farmland.draw(r);
      const address = `${this.hamlet(province)}, ${commune.fullName}, ${province.fullName}`;
      this.hold(batch, this.nextParcel(batch, commune, use, address), head, spouse, r.chance(0.4));
    }
  }

  /** An enterprise represented by `founder`, registered mostly in the province where the founder lives. */
  private enterprise(batch: WorldBatch, founder: Member, home: Commune): void {
    const r = this.random;
    const legalForm = LEGAL_FORM.draw(r);
    const sector =
      legalForm === 'SOLE_PROPRIETORSHIP'
        ? PROPRIETORSHIP_SECTOR.draw(r)
        : legalForm === 'PARTNERSHIP'
          ? PARTNERSHIP_SECTOR.draw(r)
          : COMPANY_SECTOR.draw(r);
    const province = this.province(r.chance(0.85) ? home.provinceCode : DESTINATION.draw(r));
    const preferWard = sector.kind !== 'agriculture' && province.wards.length > 0 && r.chance(0.65);
    const commune = r.pick(preferWard ? province.wards : province.communes);

    const lo = Math.max(EARLIEST_FOUNDATION_DAY, addYears(founder.birthDay, 18));
    const foundedOn = lo + Math.floor((LATEST_FOUNDATION_DAY - lo) * Math.sqrt(r.next()));
    const [minCapital, maxCapital] = CAPITAL[legalForm];
    const capital = r.logUniform(minCapital, maxCapital);
    const unit = Math.pow(10, Math.floor(Math.log10(capital)) - 1);
    const codes = [...sector.codes];
    const industryCodes = r.shuffle(codes.slice(1)).slice(0, Math.min(codes.length, INDUSTRY_CODE_COUNT.draw(r)) - 1);
    industryCodes.unshift(codes[0] as string);
    if (industryCodes.length < 4 && r.chance(0.2)) {
      const extra = r.pick(COMPANY_SECTOR.draw(r).codes);
      if (!industryCodes.includes(extra)) industryCodes.push(extra);
    }
    const enterprise: EnterpriseRow = {
      taxCode: this.taxCodes.next(),
      name: this.enterpriseName(legalForm, sector),
      legalForm,
      status: STATUS.draw(r),
      foundedOn: isoOf(foundedOn),
      headOfficeProvinceCode: province.code,
      headOfficeCommuneCode: commune.code,
      headOfficeAddress: `${this.streetAddress(commune, province)}, ${commune.fullName}, ${province.fullName}`,
      charterCapital: Math.max(minCapital, Math.round(capital / unit) * unit),
      industryCodes,
      legalRepresentativeId: founder.citizenId,
    };
    batch.enterprises.push(enterprise);
    this.enterpriseCount += 1;

    const parcels = ENTERPRISE_PARCELS.draw(r);
    for (let i = 0; i < parcels; i += 1) {
      const use = ENTERPRISE_LAND[sector.kind].draw(r);
      let site = commune;
      let address = enterprise.headOfficeAddress;
      if (use === 'SKK') {
        site = r.pick(province.communes);
        address = `Lô ${r.pick(['A', 'B', 'C', 'D', 'E', 'F'])}${r.int(1, 40)}, Khu công nghiệp ${r.pick(INDUSTRIAL_PARKS)}, ${site.fullName}, ${province.fullName}`;
      } else if (use === 'SKC' && r.chance(0.5)) {
        site = r.pick(province.rural.length > 0 ? province.rural : province.communes);
        address = `${this.hamlet(province)}, ${site.fullName}, ${province.fullName}`;
      } else if (i > 0) {
        address = `${this.streetAddress(site, province)}, ${site.fullName}, ${province.fullName}`;
      }
      const parcelId = this.nextParcel(batch, site, use, address);
      batch.holders.push({ parcelId, holderType: 'ENTERPRISE', holderId: enterprise.taxCode, share: 100 });
    }
  }

  /** "Công ty TNHH Thương mại Minh Phát", "Công ty Cổ phần Đầu tư Xây dựng Hưng Thịnh", "Doanh nghiệp tư nhân Xăng dầu An Phú". */
  private enterpriseName(legalForm: LegalForm, sector: Sector): string {
    const r = this.random;
    const phrase = r.pick(sector.phrases);
    const brand = drawBrand(r);
    switch (legalForm) {
      case 'SOLE_PROPRIETORSHIP':
        return `Doanh nghiệp tư nhân ${phrase} ${brand}`;
      case 'PARTNERSHIP':
        return phrase === 'Luật' ? `Công ty Luật Hợp danh ${brand}` : `Công ty Hợp danh ${phrase} ${brand}`;
      case 'SINGLE_MEMBER_LLC':
        return `Công ty TNHH ${r.chance(0.3) ? 'MTV ' : ''}${phrase} ${brand}`;
      case 'MULTI_MEMBER_LLC':
        return `Công ty TNHH ${phrase} ${brand}`;
      case 'JOINT_STOCK_COMPANY':
        return `Công ty Cổ phần ${phrase} ${brand}`;
    }
  }
}
