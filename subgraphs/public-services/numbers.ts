import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/**
 * The national dossier number `{unit code}-{yymmdd}-{sequence}` and the instants of a dossier. A
 * commune's unit code is its 5-digit code; a provincial department's is its agency code
 * `000.00.NN.HPP`. The date is the reception date in Vietnam (UTC+7): it also says which partition
 * of the dossier table holds the dossier (see the migration).
 */
export const DEPARTMENT_CODE = /^000\.00\.\d{2}\.H\d{2}$/;
const NUMBER = /^(\d{5}|000\.00\.\d{2}\.H\d{2})-(\d{2})(\d{2})(\d{2})-(\d{4,6})$/;

export interface ParsedNumber {
  unitCode: string;
  /** The reception date (YYYY-MM-DD, Vietnam). */
  receivedOn: string;
  sequence: number;
}

/** The parts of a well-formed number, or null (a malformed one, or a date that does not exist). */
export function parseDossierNumber(value: string): ParsedNumber | null {
  const m = NUMBER.exec(value);
  if (!m) return null;
  const [, unitCode, yy, mm, dd, seq] = m as unknown as [string, string, string, string, string, string];
  const receivedOn = `20${yy}-${mm}-${dd}`;
  const date = new Date(`${receivedOn}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== receivedOn) return null;
  return { unitCode, receivedOn, sequence: Number(seq) };
}

/** `{unit}-{yymmdd}-{sequence}` of a unit, a reception date (YYYY-MM-DD) and a sequence. */
export function formatDossierNumber(unitCode: string, receivedOn: string, sequence: number): string {
  return `${unitCode}-${receivedOn.slice(2, 4)}${receivedOn.slice(5, 7)}${receivedOn.slice(8, 10)}-${String(sequence).padStart(4, '0')}`;
}

const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** The date (YYYY-MM-DD) in Vietnam of an instant. */
export function vietnamDate(at: Date): string {
  return new Date(at.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** The first day (YYYY-MM-01) of the month, in Vietnam, of an instant. */
export function vietnamMonth(at: Date): string {
  return `${vietnamDate(at).slice(0, 7)}-01`;
}

/**
 * The due time of a legal time limit from `start`: hours are added as they are; working days skip
 * Saturdays and Sundays (public holidays are not modelled), ending at the same time of day.
 */
export function dueFrom(start: Date, limit: number, unit: 'HOURS' | 'WORKING_DAYS'): Date {
  if (unit === 'HOURS') return new Date(start.getTime() + limit * 3_600_000);
  const day = 86_400_000;
  let at = start.getTime();
  let remaining = Math.ceil(limit);
  while (remaining > 0) {
    at += day;
    const weekday = new Date(at + VIETNAM_OFFSET_MS).getUTCDay();
    if (weekday !== 0 && weekday !== 6) remaining -= 1;
  }
  return new Date(at);
}

function fail(name: string, value: unknown, rule: string): GraphQLError {
  return new GraphQLError(`Invalid ${name} ${JSON.stringify(value)}: ${rule}`, { extensions: { code: 'BAD_USER_INPUT', value } });
}

const NUMBER_RULE =
  'a dossier number is {unit code}-{yymmdd}-{sequence}: a 5-digit commune code or a department code 000.00.NN.HPP, an existing date, and 4 to 6 digits';

function checkNumber(value: unknown): string {
  if (typeof value !== 'string' || !parseDossierNumber(value)) throw fail('DossierNumber', value, NUMBER_RULE);
  return value;
}

/** Số hồ sơ: refused with BAD_USER_INPUT before any resolver runs when malformed. */
export const DossierNumberScalar = new GraphQLScalarType<string, string>({
  name: 'DossierNumber',
  description: 'Số hồ sơ — the national dossier number {unit code}-{yymmdd}-{sequence}.',
  serialize: (value) => String(value),
  parseValue: checkNumber,
  parseLiteral: (ast) => checkNumber(ast.kind === Kind.STRING ? ast.value : undefined),
});

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function checkInstant(value: unknown): Date {
  const date = typeof value === 'string' && ISO_INSTANT.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime()))
    throw fail('DateTime', value, 'an instant is ISO 8601 with its offset, e.g. 2025-09-30T08:15:00+07:00');
  return date;
}

/** Thời điểm: ISO 8601 with an offset in, UTC out; parsed to a Date. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'Thời điểm — an instant, ISO 8601 with its offset.',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: checkInstant,
  parseLiteral: (ast) => checkInstant(ast.kind === Kind.STRING ? ast.value : undefined),
});

/** Parses an instant of an imported row (ISO 8601 with offset, or the portal's `yyyyMMddHHmmss` in Vietnam time). */
export function parseInstant(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (compact) {
    const [, y, mo, d, h, mi, s] = compact;
    const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}+07:00`);
    // Date rolls 30 February over to 2 March: a time that does not exist reads back differently.
    const back = Number.isNaN(date.getTime()) ? '' : new Date(date.getTime() + VIETNAM_OFFSET_MS).toISOString();
    return back === `${y}-${mo}-${d}T${h}:${mi}:${s}.000Z` ? date : null;
  }
  try {
    return checkInstant(value);
  } catch {
    return null;
  }
}
