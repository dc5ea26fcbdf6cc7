import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { describeCode, isCode, type CodeKind } from './codes';
import { normaliseTaxCode } from './identifiers';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a `YYYY-MM-DD` that names a day of the calendar (Date.parse would roll 30 February over to March). */
function isCalendarDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function checkDate(value: unknown): string {
  if (typeof value !== 'string' || !isCalendarDate(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : Array.isArray(value) ? 'a list' : typeof value;
    throw new GraphQLError(`Date must be a calendar date written YYYY-MM-DD, got ${shown}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return value;
}

/** A calendar date without time zone (`YYYY-MM-DD`), as PostgreSQL `date` columns hold it. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'Ngày — a calendar date without time zone, written YYYY-MM-DD.',
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : checkDate(value)),
  parseValue: checkDate,
  parseLiteral: (ast) => checkDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

/**
 * A scalar for a national code: serialised as a string, refused with BAD_USER_INPUT (naming the
 * value and the rule) when it is not well formed — before any resolver runs, in the subgraphs and
 * at the gateway alike (gateway/door.ts uses these same objects). `canonical` turns an accepted
 * written form into the one form the hub stores; by default only the canonical form is accepted.
 */
function codeScalar(
  name: string,
  kind: CodeKind,
  description: string,
  canonical: (value: string) => string | null = (value) => (isCode(kind, value) ? value : null),
): GraphQLScalarType<string, string> {
  const check = (value: unknown): string => {
    const parsed = typeof value === 'string' ? canonical(value) : null;
    if (parsed === null) {
      // Only strings are echoed: an object or a list is named by its type, not replayed.
      const shown =
        typeof value === 'string'
          ? JSON.stringify(value.slice(0, 40))
          : Array.isArray(value)
            ? 'a list'
            : typeof value === 'object' && value !== null
              ? 'an object'
              : String(value);
      throw new GraphQLError(`Invalid ${name} ${shown}: ${describeCode(kind)}`, {
        extensions: { code: 'BAD_USER_INPUT', ...(typeof value === 'string' ? { value: value.slice(0, 40) } : {}) },
      });
    }
    return parsed;
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize: (value) => String(value),
    parseValue: check,
    parseLiteral: (ast) => check(ast.kind === Kind.STRING ? ast.value : undefined),
  });
}

export const CitizenIdScalar = codeScalar('CitizenId', 'citizenId', 'Số định danh cá nhân — 12-digit personal identification number.');
export const TaxCodeScalar = codeScalar(
  'TaxCode',
  'taxCode',
  'Mã số doanh nghiệp — 10-digit enterprise/tax code with its check digit (13 for a branch, also written 0101234567-001).',
  normaliseTaxCode,
);
export const ProvinceCodeScalar = codeScalar('ProvinceCode', 'provinceCode', 'Mã tỉnh — 2-digit province code of the 2025 list.');
export const CommuneCodeScalar = codeScalar('CommuneCode', 'communeCode', 'Mã xã — 5-digit commune code of the 2025 list.');
export const LandUseCodeScalar = codeScalar('LandUseCode', 'landUseCode', 'Mã loại đất — 3-letter land-use type code, e.g. ODT.');

/** The resolvers of the scalars every subgraph declares through the SDL preamble (shared/subgraph/preamble.graphql). */
export const SHARED_SCALARS = {
  Date: DateScalar,
  CitizenId: CitizenIdScalar,
  TaxCode: TaxCodeScalar,
  ProvinceCode: ProvinceCodeScalar,
  CommuneCode: CommuneCodeScalar,
} as const;
