import { badInput } from './errors';
import { decodeCitizenId, isValidTaxCode } from './identifiers';

/**
 * National codes every subgraph receives as arguments. Format and internal consistency are checked
 * here (a citizen ID's province-of-birth prefix and sex/century digit, a tax code's check digit);
 * whether a code exists is up to the subgraph that owns it.
 */
export const CODE_PATTERNS = {
  provinceCode: /^\d{2}$/,
  districtCode: /^\d{3}$/,
  communeCode: /^\d{5}$/,
  citizenId: /^\d{12}$/,
  taxCode: /^\d{10}(\d{3})?$/,
  landUseCode: /^[A-Z]{3}$/,
  numericId: /^[1-9]\d{0,17}$/,
} as const;

export type CodeKind = keyof typeof CODE_PATTERNS;

const rules: Record<CodeKind, { test: (v: string) => boolean; description: string }> = {
  provinceCode: { test: (v) => CODE_PATTERNS.provinceCode.test(v), description: 'a province code is 2 digits' },
  districtCode: { test: (v) => CODE_PATTERNS.districtCode.test(v), description: 'a district code is 3 digits' },
  communeCode: { test: (v) => CODE_PATTERNS.communeCode.test(v), description: 'a commune code is 5 digits' },
  citizenId: {
    test: (v) => decodeCitizenId(v) !== null,
    description:
      'a personal identification number is 12 digits: 0, a pre-2025 province-of-birth code, a sex/century digit, the year of birth and a serial',
  },
  taxCode: { test: isValidTaxCode, description: 'a tax code is 10 digits ending in its check digit, or 13 for a branch' },
  landUseCode: { test: (v) => CODE_PATTERNS.landUseCode.test(v), description: 'a land-use code is 3 capital letters, e.g. ODT' },
  numericId: { test: (v) => CODE_PATTERNS.numericId.test(v), description: 'an id is a positive integer' },
};

/** True when `value` is a well-formed code of `kind`. */
export function isCode(kind: CodeKind, value: unknown): value is string {
  return typeof value === 'string' && rules[kind].test(value);
}

/** What a well-formed code of `kind` looks like, for error messages. */
export function describeCode(kind: CodeKind): string {
  return rules[kind].description;
}

/** Throws a BAD_USER_INPUT error naming `argument` unless `value` is a well-formed code of `kind`. */
export function checkCode(kind: CodeKind, argument: string, value: string): string {
  if (!isCode(kind, value)) throw badInput(argument, value, rules[kind].description);
  return value;
}
