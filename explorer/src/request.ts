import { Kind, parse } from 'graphql';

/** What the user pasted in the explorer's form; sent with every request of the page. */
export interface Credentials {
  token: string;
  purpose: string;
}

/**
 * A header value as the bytes of its UTF-8 encoding: browsers refuse header values beyond Latin-1,
 * and the gateway reads headers as UTF-8 (a Vietnamese purpose such as "Hồ sơ HS-2026-07").
 */
export function headerValue(value: string): string {
  return String.fromCharCode(...new TextEncoder().encode(value));
}

/**
 * The headers of a request from the explorer: JSON (which also satisfies the gateway's CSRF
 * prevention), the pasted token and purpose, then whatever the headers editor says, which wins.
 */
export function requestHeaders(credentials: Credentials, editorHeaders: Record<string, unknown> = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  const token = credentials.token.trim().replace(/^Bearer\s+/i, '');
  if (token) headers.authorization = `Bearer ${token}`;
  const purpose = credentials.purpose.trim();
  if (purpose) headers['x-purpose'] = headerValue(purpose);
  for (const [name, value] of Object.entries(editorHeaders)) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = headerValue(String(value));
  }
  return headers;
}

/**
 * The operation name to send: GraphiQL can still hold the previous tab's name right after an
 * example replaces the query, and the gateway refuses a name that is not in the document. A
 * document with one operation needs no name; in any other case the name is sent as it is.
 */
export function operationNameFor(query: string, name: string | null | undefined): string | undefined {
  if (!name) return undefined;
  try {
    const operations = parse(query).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length === 1 && operations[0]?.name?.value !== name) return undefined;
  } catch {
    // Not valid GraphQL: the gateway explains why.
  }
  return name;
}

/** The claims of a JWT, read without verifying it (only to show who the pasted token says it is). */
export interface TokenClaims {
  role?: string;
  sub?: string;
  org?: string;
  commune?: string;
  province?: string;
  exp?: number;
}

export function readClaims(token: string): TokenClaims | null {
  const payload = token
    .trim()
    .replace(/^Bearer\s+/i, '')
    .split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}

/** The development tokens the gateway offers the page (`dev-tokens.json`; an empty list in production). */
export interface DevTokens {
  tokens: { persona: string; token: string }[];
}
