import { formatCitizenId, taxCodeCheckDigit, type Sex } from '../../shared/graphql/identifiers';
import { hash32 } from './random';

/** Allocators the seeder uses to issue unique, valid identifiers (the rules live in shared/graphql/identifiers.ts). */
export {
  decodeCitizenId,
  formatCitizenId,
  isValidCitizenId,
  isValidTaxCode,
  LEGACY_PROVINCE_CODES,
  sexCenturyDigit,
  taxCodeCheckDigit,
  type CitizenIdParts,
  type Sex,
} from '../../shared/graphql/identifiers';

// Multipliers of the affine bijections below: coprime to their modulus, so x → (a·x + b) mod n
// visits every value once and serials look scattered instead of counting up.
const SERIAL_SPACE = 1_000_000;
const SERIAL_MULTIPLIER = 742_153;

/**
 * Issues citizen IDs that are unique by construction: each 6-digit prefix (birth province, sex and
 * century, year) has its own counter, mapped through a bijection of 0–999,999 to the serial. The
 * state is one counter per prefix in use (at most 63 × 10 × 100), so memory stays bounded however
 * many residents are issued.
 */
export class CitizenIdAllocator {
  private readonly issued = new Map<string, number>();

  next(birthProvinceCode: string, sex: Sex, birthYear: number): string {
    const prefix = formatCitizenId(birthProvinceCode, sex, birthYear, 0).slice(0, 6);
    const count = this.issued.get(prefix) ?? 0;
    if (count >= SERIAL_SPACE) throw new Error(`Citizen ID serials exhausted for prefix ${prefix}`);
    this.issued.set(prefix, count + 1);
    const serial = (count * SERIAL_MULTIPLIER + (hash32(prefix) % SERIAL_SPACE)) % SERIAL_SPACE;
    return prefix + String(serial).padStart(6, '0');
  }
}

// Tax code prefixes 010000000–099999999: 9·10^7 values; the multiplier is coprime to 2, 3 and 5.
const TAX_PREFIX_BASE = 10_000_000;
const TAX_PREFIX_SPACE = 90_000_000;
const TAX_PREFIX_MULTIPLIER = 48_271_111;
const TAX_PREFIX_OFFSET = 31_415_926;

/**
 * Issues unique 10-digit tax codes from a counter through a bijection of the prefix space,
 * skipping the prefixes that are never issued (check "digit" 10).
 */
export class TaxCodeAllocator {
  private counter = 0;

  next(): string {
    for (;;) {
      if (this.counter >= TAX_PREFIX_SPACE) throw new Error('Tax code prefixes exhausted');
      const x = (this.counter * TAX_PREFIX_MULTIPLIER + TAX_PREFIX_OFFSET) % TAX_PREFIX_SPACE;
      this.counter += 1;
      const first9 = String(TAX_PREFIX_BASE + x).padStart(9, '0');
      const check = taxCodeCheckDigit(first9);
      if (check !== null) return first9 + String(check);
    }
  }
}

/**
 * Series of land-use-right certificates (two letters, then 6 digits, as printed on the certificate's
 * cover). Letters of the Vietnamese alphabet without diacritics; F, J, W, Z, I are not used.
 */
const CERTIFICATE_SERIES: readonly string[] = (() => {
  const letters = 'ABCDEGHKLMNOPQRSTUVXY';
  const series: string[] = [];
  for (const first of 'ABCD') for (const second of letters) series.push(first + second);
  return series;
})();
const CERTIFICATE_MULTIPLIER = 618_033;

/** Issues unique certificate numbers like "CK 407319": series from the counter, number from a bijection. */
export class CertificateNumberAllocator {
  private counter = 0;

  next(): string {
    const n = this.counter;
    this.counter += 1;
    const series = CERTIFICATE_SERIES[n % CERTIFICATE_SERIES.length] as string;
    const round = Math.floor(n / CERTIFICATE_SERIES.length);
    if (round >= SERIAL_SPACE) throw new Error('Certificate numbers exhausted');
    const number = (round * CERTIFICATE_MULTIPLIER + hash32(series)) % SERIAL_SPACE;
    return `${series} ${String(number).padStart(6, '0')}`;
  }
}
