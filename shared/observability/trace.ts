import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header, continued
 * from the caller when it sends a valid one, started here otherwise. No tracer runs in the hub;
 * passing the header on is what lets an OpenTelemetry collector, where one is deployed, follow a
 * request across the gateway and the subgraphs (and what ties their log lines together).
 */
export interface TraceContext {
  /** 32 lowercase hex digits, the same in every service the request crosses. */
  traceId: string;
  /** 16 hex digits: this service's span of the request (the parent of the calls it makes). */
  spanId: string;
  /** 2 hex digits; `01` = sampled. Passed on as received. */
  flags: string;
}

export const TRACEPARENT_HEADER = 'traceparent';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

const newSpanId = () => randomBytes(8).toString('hex');

/**
 * The trace context of an incoming request: the caller's trace with a new span of ours when its
 * `traceparent` is valid (version `ff` and all-zero ids are invalid, per the specification), else a
 * new trace, sampled.
 */
export function traceFrom(header: string | string[] | undefined): TraceContext {
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  const match = value ? TRACEPARENT.exec(value) : null;
  if (match) {
    const [, version, traceId, parentId, flags] = match as unknown as [string, string, string, string, string];
    // Version 00 has no suffix; later versions may add fields, which we may ignore.
    const validVersion = version !== 'ff' && (version !== '00' || match[5] === undefined);
    if (validVersion && !ZEROS.test(traceId) && !ZEROS.test(parentId)) return { traceId, spanId: newSpanId(), flags };
  }
  return { traceId: randomBytes(16).toString('hex'), spanId: newSpanId(), flags: '01' };
}

/** The `traceparent` naming `trace`'s span: sent back to the client, and as the parent of the calls this span makes. */
export function traceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}
