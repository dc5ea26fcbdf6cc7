import { badInput } from './errors';

/**
 * Formats of the national codes every subgraph receives as arguments. Only the format is checked
 * here; whether a code exists is up to the subgraph that owns it.
 */
export const CODE_PATTERNS = {
  provinceCode: /^\d{2}$/,
  districtCode: /^\d{3}$/,
  communeCode: /^\d{5}$/,
  citizenId: /^\d{12}$/,
  taxCode: /^\d{10}(\d{3})?$/,
  numericId: /^[1-9]\d{0,17}$/,
} as const;

const descriptions: Record<keyof typeof CODE_PATTERNS, string> = {
  provinceCode: 'a province code is 2 digits',
  districtCode: 'a district code is 3 digits',
  communeCode: 'a commune code is 5 digits',
  citizenId: 'a personal identification number is 12 digits',
  taxCode: 'a tax code is 10 or 13 digits',
  numericId: 'an id is a positive integer',
};

/** Throws a BAD_USER_INPUT error naming `argument` unless `value` has the format of `kind`. */
export function checkCode(kind: keyof typeof CODE_PATTERNS, argument: string, value: string): string {
  if (typeof value !== 'string' || !CODE_PATTERNS[kind].test(value)) throw badInput(argument, value, descriptions[kind]);
  return value;
}
