import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

/**
 * Stable error codes clients may branch on. Each one is part of the public API:
 * never rename one, only add.
 */
export const ErrorCode = {
  /** An argument is malformed (bad code format, bad ID, bad text). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** `first` is negative or above {@link MAX_PAGE_SIZE}. */
  PAGE_SIZE_OUT_OF_RANGE: 'PAGE_SIZE_OUT_OF_RANGE',
  /** `after` is not a cursor this list issued. */
  INVALID_CURSOR: 'INVALID_CURSOR',
  /** A filter names a commune together with a province it does not belong to (in the 2025 list). */
  COMMUNE_NOT_IN_PROVINCE: 'COMMUNE_NOT_IN_PROVINCE',
  /** A list filter would scan a whole national table. */
  FILTER_TOO_BROAD: 'FILTER_TOO_BROAD',
  /** The requested record does not exist — or is outside the caller's jurisdiction: the two look the same. */
  NOT_FOUND: 'NOT_FOUND',
  /** No valid token (or, at a subgraph, no valid gateway signature). HTTP 401. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The caller's role may never read this kind of data. HTTP 403. */
  FORBIDDEN: 'FORBIDDEN',
  /** Personal data was asked for without a stated purpose (X-Purpose header). */
  PURPOSE_REQUIRED: 'PURPOSE_REQUIRED',
  /** The access could not be written to the audit log, so no personal data was returned. */
  AUDIT_UNAVAILABLE: 'AUDIT_UNAVAILABLE',
  /**
   * A write lost a race or was based on an outdated read: the record changed since the version the
   * client sent (`expectedVersion`), or a concurrent write took it first. Read again and retry.
   */
  CONFLICT: 'CONFLICT',
  /** An idempotency key was sent again with a different request (another mutation or other arguments). */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** A status change a record's legal workflow does not allow (a dossier's national 1–10 coding); nothing was written. */
  ILLEGAL_TRANSITION: 'ILLEGAL_TRANSITION',
  /** A record a write refers to lives in another subgraph that could not be asked; nothing was written. */
  REFERENCE_CHECK_FAILED: 'REFERENCE_CHECK_FAILED',
  /**
   * A subgraph (`extensions.service` names it) is down, failing or slower than the gateway's
   * per-subgraph timeout: its fields are missing (null), the other subgraphs' fields are present.
   */
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  /** The service's database does not answer; the request may be retried (readiness is false meanwhile). */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  /** Query text sent to a gateway that runs published (trusted) documents only. HTTP 403. */
  TRUSTED_DOCUMENT_REQUIRED: 'TRUSTED_DOCUMENT_REQUIRED',
  /** No valid `apollographql-client-name` header where trusted documents are enforced. HTTP 400. */
  CLIENT_NAME_REQUIRED: 'CLIENT_NAME_REQUIRED',
  /** No published, unrevoked document of the client with that id. HTTP 400. */
  TRUSTED_DOCUMENT_NOT_FOUND: 'TRUSTED_DOCUMENT_NOT_FOUND',
  /** A subscription sent to /graphql: subscriptions are served at /graphql/stream. HTTP 400. */
  SUBSCRIPTION_ENDPOINT_REQUIRED: 'SUBSCRIPTION_ENDPOINT_REQUIRED',
  /** Anything unexpected; details stay in the server log. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error that is safe to show to the client as it is. */
export class PublicError extends GraphQLError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...details } });
  }
}

/** A malformed argument; names the argument and the value it refused. */
export function badInput(argument: string, value: unknown, reason: string, code: ErrorCode = ErrorCode.BAD_USER_INPUT): PublicError {
  return new PublicError(code, `Invalid value for "${argument}": ${reason}`, { argument, value });
}

/** A record that does not exist (or that the caller may not know exists). */
export function notFound(type: string, key: string, value: string): PublicError {
  return new PublicError(ErrorCode.NOT_FOUND, `${type} with ${key} "${value}" not found`, { type, argument: key, value });
}

/**
 * Codes whose message is safe to show. INTERNAL_SERVER_ERROR is not among them: Apollo gives that
 * code to any plain Error, whose message may name a URL, a file or SQL.
 */
const publicCodes = new Set<string>([
  ...Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR),
  // Apollo Server's own request-level codes are safe and stable too.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Driver and server codes of a database that cannot be reached (or is going away), as opposed to a failing statement. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);
/** PostgreSQL SQLSTATEs: connection exceptions (08…), shutting down or starting up (57P01–57P03), too many connections (53300). */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
/** node-postgres's own messages for a connection that broke or never came (they carry no code). */
const UNREACHABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Connection ended unexpectedly|connection error/i;

/**
 * Whether `error` (a TypeORM QueryFailedError, a node-postgres error, or anything wrapping one as
 * `driverError` or `cause`) says the database could not be reached, rather than that a statement failed.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const { code, driverError, cause, errors } = e as Error & { code?: unknown; driverError?: unknown; errors?: unknown };
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (UNREACHABLE_MESSAGE.test(e.message)) return true;
    // Node reports a refused connection to a name with several addresses as an AggregateError.
    if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    e = driverError ?? cause;
  }
  return false;
}

/**
 * `formatError` for every server: errors with a public code pass through (without stack traces);
 * a database that cannot be reached becomes `DATABASE_UNAVAILABLE` (the client may retry); anything
 * else is replaced by a generic message so SQL, file paths or internal URLs never leak.
 * `log` receives the original error for the server log.
 */
export function maskError(log: (error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && publicCodes.has(code)) {
      const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const original = unwrapResolverError(error);
    log(original);
    if (isDatabaseUnavailable(original)) {
      return {
        message: 'The database is unavailable; retry later',
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: ErrorCode.DATABASE_UNAVAILABLE },
      };
    }
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
