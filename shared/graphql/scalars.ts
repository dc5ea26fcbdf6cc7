import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { describeCode, isCode, type CodeKind } from './codes';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(value: unknown): string {
  if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new GraphQLError(`Date must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT', value },
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
 * value and the rule) when it is not well formed — before any resolver runs.
 */
function codeScalar(name: string, kind: CodeKind, description: string): GraphQLScalarType<string, string> {
  const check = (value: unknown): string => {
    if (!isCode(kind, value)) {
      throw new GraphQLError(`Invalid ${name} ${JSON.stringify(value)}: ${describeCode(kind)}`, {
        extensions: { code: 'BAD_USER_INPUT', value },
      });
    }
    return value;
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
  'Mã số doanh nghiệp — 10-digit enterprise/tax code with its check digit (13 for a branch).',
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
