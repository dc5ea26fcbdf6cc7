/**
 * The rules of two national identifiers, checked wherever one arrives (arguments, seeding).
 *
 * Số định danh cá nhân (citizen ID, 12 digits):
 *   1–3  place of birth: "0" + the code of a pre-2025 province (001 Hà Nội … 079 TP Hồ Chí Minh … 096 Cà Mau);
 *   4    sex and century of birth (Circular 59/2021/TT-BCA art. 7): 0/1 = male/female born 1900–1999,
 *        2/3 = 2000–2099, 4/5 = 2100–2199, 6/7 = 2200–2299, 8/9 = 2300–2399 (even = male, odd = female);
 *   5–6  last two digits of the year of birth;
 *   7–12 a serial.
 * A birth year after the current year (in Vietnam) cannot be: so, today, only the digits 0–3 occur,
 * and 2/3 only with a year up to this one.
 *
 * Mã số doanh nghiệp (enterprise tax code, Circular 105/2020/TT-BTC art. 5): 10 digits N1…N10 where
 * N10 is a check digit,
 * N10 = 10 − ((31·N1 + 29·N2 + 23·N3 + 19·N4 + 17·N5 + 13·N6 + 7·N7 + 5·N8 + 3·N9) mod 11);
 * a 9-digit prefix whose remainder is 0 would need the "digit" 10 and is never issued. A dependent
 * unit (branch) has 13 digits: its enterprise's 10 plus a suffix 001–999, written
 * `N1…N10-N11N12N13` on documents; the hub keeps (and answers) the 13 digits without separator.
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
const CENTURY_START = [1900, 2000, 2100, 2200, 2300] as const;

/** The current year in Vietnam (UTC+7, no daylight saving), the latest birth year a citizen ID may carry. */
export function currentVietnamYear(now: Date = new Date()): number {
  return new Date(now.getTime() + 7 * 3_600_000).getUTCFullYear();
}

/** What a citizen ID says about its holder. */
export interface CitizenIdParts {
  /** Pre-2025 province code of the place of birth, 2 digits. */
  birthProvinceCode: string;
  sex: Sex;
  birthYear: number;
  serial: number;
}

/**
 * Decodes a citizen ID, or returns null when it does not follow the rules above, birth years after
 * the current year (as of `now`) included.
 */
export function decodeCitizenId(id: string, now?: Date): CitizenIdParts | null {
  if (typeof id !== 'string' || !/^0\d{11}$/.test(id)) return null;
  const birthProvinceCode = id.slice(1, 3);
  if (!legacyProvinces.has(birthProvinceCode)) return null;
  const digit = id.charCodeAt(3) - 48;
  const start = CENTURY_START[digit >> 1] as number;
  const birthYear = start + Number(id.slice(4, 6));
  if (birthYear > currentVietnamYear(now)) return null;
  return {
    birthProvinceCode,
    sex: digit % 2 === 0 ? 'MALE' : 'FEMALE',
    birthYear,
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

/** The sex-and-century digit for a person born in `birthYear` (1900–2399). */
export function sexCenturyDigit(sex: Sex, birthYear: number): number {
  const index = CENTURY_START.findIndex((start) => birthYear >= start && birthYear < start + 100);
  if (index < 0) throw new Error(`No citizen ID century digit for birth year ${birthYear} (1900–2399 only)`);
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

/**
 * The written forms of a tax code that name the same code: the 10 or 13 digits, or a branch's
 * `0101234567-001` with the hyphen (or an en dash, as word processors print it) and the spaces
 * around it that the Circular's own notation has, or a single space in its place; surrounding
 * white space is dropped. Nothing else is rewritten: other separators, digit groups or letters
 * are refused.
 */
const TAX_CODE_WRITTEN = /^[ \u00A0]*(\d{10})(?:[ \u00A0]*[-\u2010\u2011\u2013][ \u00A0]*(\d{3})|[ \u00A0](\d{3})|(\d{3}))?[ \u00A0]*$/;

/** The canonical form (10 or 13 digits) of a tax code in one of its written forms, or null when it is none or invalid. */
export function normaliseTaxCode(value: string): string | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const match = TAX_CODE_WRITTEN.exec(value);
  if (!match) return null;
  const code = `${match[1]}${match[2] ?? match[3] ?? match[4] ?? ''}`;
  return isValidTaxCode(code) ? code : null;
}
