/**
 * The rules of two national identifiers, checked wherever one arrives (arguments, seeding).
 *
 * Số định danh cá nhân (citizen ID, 12 digits):
 *   1–3  place of birth: "0" + the code of a pre-2025 province (001 Hà Nội … 079 TP Hồ Chí Minh … 096 Cà Mau);
 *   4    sex and century of birth: 0/1 = male/female born 1900–1999, 2/3 = 2000–2099, 4/5 = 2100–2199,
 *        6/7 = 2200–2299, 8/9 = 1800–1899 (even = male, odd = female);
 *   5–6  last two digits of the year of birth;
 *   7–12 a serial.
 *
 * Mã số doanh nghiệp (enterprise tax code): 10 digits N1…N10 where N10 is a check digit,
 * N10 = 10 − ((31·N1 + 29·N2 + 23·N3 + 19·N4 + 17·N5 + 13·N6 + 7·N7 + 5·N8 + 3·N9) mod 11);
 * a 9-digit prefix whose remainder is 0 would need the "digit" 10 and is never issued. A dependent
 * unit (branch) has 13 digits: its enterprise's 10 plus a suffix 001–999.
 */

export type Sex = 'MALE' | 'FEMALE';

/**
 * The 63 province codes in force before the 2025 merger (Decision 124/2004/QĐ-TTg numbering, as in
 * subgraphs/administrative-units/seed/data/legacy-mapping.json; a test checks the two agree).
 * Citizen IDs issued before and after the merger keep these as the place-of-birth prefix.
 */
export const LEGACY_PROVINCE_CODES: readonly string[] = [
  '01',
  '02',
  '04',
  '06',
  '08',
  '10',
  '11',
  '12',
  '14',
  '15',
  '17',
  '19',
  '20',
  '22',
  '24',
  '25',
  '26',
  '27',
  '30',
  '31',
  '33',
  '34',
  '35',
  '36',
  '37',
  '38',
  '40',
  '42',
  '44',
  '45',
  '46',
  '48',
  '49',
  '51',
  '52',
  '54',
  '56',
  '58',
  '60',
  '62',
  '64',
  '66',
  '67',
  '68',
  '70',
  '72',
  '74',
  '75',
  '77',
  '79',
  '80',
  '82',
  '83',
  '84',
  '86',
  '87',
  '89',
  '91',
  '92',
  '93',
  '94',
  '95',
  '96',
];
const legacyProvinces = new Set(LEGACY_PROVINCE_CODES);

/** First year of the century encoded by digit 4 of a citizen ID, indexed by `digit >> 1`. */
const CENTURY_START = [1900, 2000, 2100, 2200, 1800] as const;

/** What a citizen ID says about its holder. */
export interface CitizenIdParts {
  /** Pre-2025 province code of the place of birth, 2 digits. */
  birthProvinceCode: string;
  sex: Sex;
  birthYear: number;
  serial: number;
}

/** Decodes a citizen ID, or returns null when it does not follow the rules above. */
export function decodeCitizenId(id: string): CitizenIdParts | null {
  if (typeof id !== 'string' || !/^0\d{11}$/.test(id)) return null;
  const birthProvinceCode = id.slice(1, 3);
  if (!legacyProvinces.has(birthProvinceCode)) return null;
  const digit = id.charCodeAt(3) - 48;
  const start = CENTURY_START[digit >> 1] as number;
  return {
    birthProvinceCode,
    sex: digit % 2 === 0 ? 'MALE' : 'FEMALE',
    birthYear: start + Number(id.slice(4, 6)),
    serial: Number(id.slice(6)),
  };
}

/**
 * True when `id` is a well-formed citizen ID: 12 digits, a real pre-2025 province of birth, and
 * (when given) a sex-and-century digit and year digits that agree with `birthDate` ("YYYY-MM-DD"
 * or a Date, read in UTC) and `sex`.
 */
export function isValidCitizenId(id: string, birthDate?: string | Date, sex?: Sex): boolean {
  const parts = decodeCitizenId(id);
  if (!parts) return false;
  if (sex !== undefined && parts.sex !== sex) return false;
  if (birthDate !== undefined) {
    const year = typeof birthDate === 'string' ? Number(birthDate.slice(0, 4)) : birthDate.getUTCFullYear();
    if (year !== parts.birthYear) return false;
  }
  return true;
}

/** The sex-and-century digit for a person born in `birthYear` (1800–2299). */
export function sexCenturyDigit(sex: Sex, birthYear: number): number {
  const index = CENTURY_START.findIndex((start) => birthYear >= start && birthYear < start + 100);
  if (index < 0) throw new Error(`No citizen ID century digit for birth year ${birthYear} (1800–2299 only)`);
  return index * 2 + (sex === 'FEMALE' ? 1 : 0);
}

/** Builds a citizen ID from its parts; throws on a part out of range. */
export function formatCitizenId(birthProvinceCode: string, sex: Sex, birthYear: number, serial: number): string {
  if (!legacyProvinces.has(birthProvinceCode)) throw new Error(`"${birthProvinceCode}" is not a pre-2025 province code`);
  if (!Number.isInteger(serial) || serial < 0 || serial > 999_999) throw new Error(`Citizen ID serial ${serial} is not in 0–999999`);
  const yy = String(birthYear % 100).padStart(2, '0');
  return `0${birthProvinceCode}${sexCenturyDigit(sex, birthYear)}${yy}${String(serial).padStart(6, '0')}`;
}

const TAX_WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3] as const;

/**
 * The check digit N10 for the 9-digit prefix `first9` of a tax code, or null when the weighted sum
 * is divisible by 11: such a prefix would need the digit 10 and is never issued.
 */
export function taxCodeCheckDigit(first9: string): number | null {
  if (typeof first9 !== 'string' || !/^\d{9}$/.test(first9)) throw new Error(`Tax code prefix must be 9 digits, got "${first9}"`);
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += (TAX_WEIGHTS[i] as number) * (first9.charCodeAt(i) - 48);
  const remainder = sum % 11;
  return remainder === 0 ? null : 10 - remainder;
}

/** True for a 10-digit tax code with the right check digit, or such a code plus a branch suffix 001–999. */
export function isValidTaxCode(code: string): boolean {
  if (typeof code !== 'string' || !/^\d{10}(\d{3})?$/.test(code)) return false;
  if (code.length === 13 && code.endsWith('000')) return false;
  return taxCodeCheckDigit(code.slice(0, 9)) === code.charCodeAt(9) - 48;
}
