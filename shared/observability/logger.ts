import pino, { type DestinationStream, type Logger } from 'pino';
import { currentScope } from './requestScope';

export type { Logger };

/** Runs of 9 or more digits (citizen IDs, tax codes, phone numbers) are masked in logged text. */
export function redactText(text: string): string {
  return text.replace(/\d{9,}/g, (digits) => `${digits.slice(0, 2)}…(${digits.length} digits)`);
}

/**
 * What a log line may say about an error: its type, a digit-masked message and its code — never
 * the SQL parameters, the row values of a constraint violation (`detail`) or a GraphQL path's values.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const driver = error as { driverError?: { code?: unknown }; code?: unknown; extensions?: { code?: unknown } };
  return {
    type: error.constructor.name,
    message: redactText(error.message),
    code: driver.driverError?.code ?? driver.extensions?.code ?? driver.code,
    stack: error.stack
      ?.split('\n')
      .slice(1, 6)
      .map((line) => redactText(line.trim())),
  };
}

/** The request id and trace id of the request being served, on every line logged while serving it. */
function requestFields(): Record<string, string> {
  const scope = currentScope();
  return scope ? { requestId: scope.requestId, traceId: scope.trace.traceId } : {};
}

/**
 * JSON logs on stdout. Personal data (citizen IDs, names, addresses) must never be passed to a
 * logger: log codes, counts and request ids only; errors go through {@link serializeError}. Lines
 * logged while serving a request carry its `requestId` and W3C `traceId` (the same in the gateway
 * and every subgraph the request reaches).
 */
export function createLogger(name: string, level = 'info', destination?: DestinationStream): Logger {
  const options = { name, level, base: { service: name }, serializers: { err: serializeError }, mixin: requestFields };
  return destination ? pino(options, destination) : pino(options);
}
