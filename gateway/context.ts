import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { acceptRequestId, type RequestInfo } from '../shared/http';
import type { Identity, RequestMeta } from '../shared/auth/identity';
import type { TraceContext } from '../shared/observability/trace';
import type { Authenticate } from './auth';

/**
 * The personal data a request read across all subgraphs (as they reported it), so a cached copy
 * of the response can be audited again each time it is served.
 */
export interface PersonalReads {
  subjects: Set<string>;
  fields: Set<string>;
  /** Some read was denied: such a response is never cached (its denial must be audited each time). */
  denied: boolean;
}

export const newPersonalReads = (): PersonalReads => ({ subjects: new Set(), fields: new Set(), denied: false });

/** The gateway's per-request context: the verified caller, the request's metadata, what it read. */
export interface GatewayContext {
  identity: Identity;
  meta: RequestMeta;
  personal: PersonalReads;
  /** The raw request body (HTTP POST), when the response may be cached under it. */
  rawBody?: string;
  /**
   * Entity types that subgraphs in other processes report this request's writes changed: the
   * response cache stops serving them before the response leaves (responseCache.ts).
   */
  changed?: Set<string>;
  /** The request's W3C trace context (passed on to the subgraphs as `traceparent`); absent outside HTTP. */
  trace?: TraceContext;
}

/** A request id from the client when it is safe to log, else a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return acceptRequestId(Array.isArray(header) ? header[0] : header) ?? randomUUID();
}

/**
 * The stated purpose of a request (`X-Purpose`: a case or dossier reference). Normalised to NFC;
 * control characters and implausible lengths are refused with a typed error.
 */
export function purposeFrom(header: string | string[] | undefined): string | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '') return null;
  // Node decodes header bytes as latin1; clients send UTF-8.
  const value = Buffer.from(raw, 'latin1').toString('utf8').normalize('NFC').trim();
  if (value.length < 3 || value.length > 200 || /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(value) || value.includes('\uFFFD')) {
    throw new GraphQLError('X-Purpose must be a case or dossier reference of 3 to 200 printable characters', {
      extensions: { code: 'BAD_USER_INPUT', argument: 'X-Purpose', http: { status: 400 } },
    });
  }
  return value;
}

/** Builds the gateway context of an HTTP request: verified identity, the request id the HTTP layer settled, purpose. */
export function contextFactory(authenticate: Authenticate) {
  return async (req: IncomingMessage, _body: unknown, info?: RequestInfo): Promise<GatewayContext> => ({
    identity: await authenticate(req.headers.authorization),
    meta: { requestId: info?.requestId ?? requestIdFrom(req.headers['x-request-id']), purpose: purposeFrom(req.headers['x-purpose']) },
    personal: newPersonalReads(),
    ...(info?.rawBody !== undefined ? { rawBody: info.rawBody } : {}),
    ...(info ? { trace: info.trace } : {}),
  });
}
