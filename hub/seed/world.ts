import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HouseholdRow, RelationshipToHead, ResidentRow } from '../../subgraphs/population/seed';
import type { LandParcelRow, ParcelHolderRow } from '../../subgraphs/land/seed';
import type { EnterpriseRow, LegalForm } from '../../subgraphs/enterprise/seed';
import { CertificateNumberAllocator, CitizenIdAllocator, type Sex, TaxCodeAllocator } from './codes';
import { drawBrand, drawPersonalName, drawSurname, HAMLETS, INDUSTRIAL_PARKS, STREETS } from './names';
import {
  AREA,
  CAPITAL,
  COMPANY_SECTOR,
  DESTINATION,
  ENTERPRISE_LAND,
  ENTERPRISE_PARCELS,
  FOUNDER_RATE,
  HOUSEHOLD_SIZE,
  INDUSTRY_CODE_COUNT,
  LEGAL_FORM,
  PARTNERSHIP_SECTOR,
  PROPRIETORSHIP_SECTOR,
  RURAL_FARM_PARCELS,
  STATUS,
  regionOf,
  type CommuneType,
  type Region,
  type Sector,
} from './distributions';
import { hash32, Random } from './random';

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

/** The real administrative units the world is laid over. */
export interface ReferenceData {
  communes: Commune[];
  provinces: Map<string, Province>;
  legacyProvinceCodes: string[];
}

// ---------------------------------------------------------------------------------------------
// Reference data
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
  /** The batch's ordinal (0-based): parts of the world numbered per batch (dossiers) use it. */
  index: number;
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
  let index = 0;
  while (world.residentCount < options.residents) {
    const batch: WorldBatch = {
      index: index++,
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
