/**
 * What a request body may look like before anything parses it: its media type and charset, its
 * encoding, how deeply its JSON nests and how large its `variables` and `extensions` are. Every
 * check is iterative or a single pass over the text, so no input can exhaust the stack, and every
 * refusal is a 4xx with a stable code (listed in gateway/HARDENING.md, "The door").
 */

/** A refusal of the HTTP layer: its status and stable code, sent as a GraphQL-shaped error. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Limits on one JSON value of a request (the body, or its `variables` or `extensions`). */
export interface JsonLimits {
  /** Nesting of arrays and objects (a scalar is depth 0, `{}` or `[]` depth 1). */
  maxDepth: number;
  /** Values of every kind, containers included. */
  maxValues: number;
}

/**
 * The bounds of a GraphQL request. The deepest input the schema can take is an input object in a
 * list in an input object (depth 3 below `variables`); 16 leaves room for any honest client and
 * none for a recursion bomb. 10,000 values is a hundred page-sized lists of input objects; the
 * extensions carry a persisted-query hash or a document id (a handful of values).
 */
export const REQUEST_BOUNDS = {
  /** The whole body: the envelope (1) + `variables` or `extensions` (1) + their own depth. */
  body: { maxDepth: 18, maxValues: 20_000 },
  variables: { maxDepth: 16, maxValues: 10_000 },
  extensions: { maxDepth: 8, maxValues: 200 },
} as const satisfies Record<string, JsonLimits>;

/** The stable codes of these refusals. Never rename one, only add. */
export const BoundsCode = {
  /** A POST whose Content-Type is missing or not `application/json` (415). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** A Content-Type declaring a charset other than UTF-8 (415). */
  UNSUPPORTED_CHARSET: 'UNSUPPORTED_CHARSET',
  /** A body (or query string) that is not valid UTF-8 (400). */
  INVALID_UTF8: 'INVALID_UTF8',
  /** JSON nested deeper than allowed (400). */
  JSON_TOO_DEEP: 'JSON_TOO_DEEP',
  /** JSON with more values than allowed (400). */
  JSON_TOO_LARGE: 'JSON_TOO_LARGE',
  /** A body that is not JSON, or whose `variables`/`extensions` are not objects (400). */
  BAD_REQUEST: 'BAD_REQUEST',
} as const;

/** A media type and its parameters (names lower-cased, quotes removed), per RFC 9110 §8.3.1. */
export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** Parses a Content-Type header; undefined when absent or without a `type/subtype`. */
export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (!header) return undefined;
  const [essence = '', ...rest] = header.split(';');
  const type = essence.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return undefined;
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name) params[name] = value;
  }
  return { type, params };
}

/**
 * Refuses (415) a charset other than UTF-8. JSON is UTF-8 by definition (RFC 8259 §8.1), so no
 * charset, or `utf-8` in any case, is all that is accepted; anything else would be decoded wrongly.
 */
export function checkCharset(media: MediaType | undefined): void {
  const charset = media?.params.charset;
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
    throw new HttpError(415, BoundsCode.UNSUPPORTED_CHARSET, `Unsupported charset "${charset.slice(0, 40)}": send UTF-8`);
  }
}

/** Refuses (415) a POST that is not `application/json` (GraphQL over HTTP §5.2: the one type every server accepts). */
export function checkJsonMediaType(header: string | undefined): void {
  const media = parseMediaType(header);
  if (media?.type !== 'application/json') {
    throw new HttpError(
      415,
      BoundsCode.UNSUPPORTED_MEDIA_TYPE,
      `Unsupported Content-Type ${JSON.stringify((header ?? '').slice(0, 60))}: send application/json`,
    );
  }
  checkCharset(media);
}

/**
 * Refuses (415) a compressed body: the gateway reads bodies as they come (a gzip body would
 * otherwise be refused as bad UTF-8 or bad JSON, which misleads the client), and decompressing
 * them would let 100 kB on the wire become megabytes in memory.
 */
export function checkContentEncoding(header: string | undefined): void {
  if (header === undefined || header.trim() === '' || header.trim().toLowerCase() === 'identity') return;
  throw new HttpError(
    415,
    BoundsCode.UNSUPPORTED_MEDIA_TYPE,
    `Unsupported Content-Encoding "${header.slice(0, 40)}": send the body uncompressed`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a body as strict UTF-8; an invalid sequence is a 400 (not a U+FFFD silently put in its place). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError(400, BoundsCode.INVALID_UTF8, 'Request body is not valid UTF-8');
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Refuses JSON text nested deeper than `maxDepth`, in one pass over the text and before
 * `JSON.parse` builds anything: brackets inside strings do not count. Text that is not JSON passes
 * through (JSON.parse refuses it next).
 */
export function checkJsonTextDepth(text: string, maxDepth: number, what = 'Request body'): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) throw new HttpError(400, BoundsCode.JSON_TOO_DEEP, `${what} nests deeper than ${maxDepth} levels`);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/**
 * Refuses a parsed JSON value deeper or larger than `limits`, walking it with an explicit stack.
 * `what` names it in the message (`variables`, `extensions`).
 */
export function checkJsonValue(value: unknown, limits: JsonLimits, what: string): void {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let count = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (++count > limits.maxValues) {
      throw new HttpError(400, BoundsCode.JSON_TOO_LARGE, `${what} holds more than ${limits.maxValues} values`);
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limits.maxDepth) {
      throw new HttpError(400, BoundsCode.JSON_TOO_DEEP, `${what} nests deeper than ${limits.maxDepth} levels`);
    }
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
}

/**
 * Refuses `variables` or `extensions` that are present but not a JSON object (GraphQL over HTTP
 * §6.1: both are maps), or too deep or too large.
 */
function checkParameter(value: unknown, limits: JsonLimits, what: 'variables' | 'extensions'): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, BoundsCode.BAD_REQUEST, `"${what}" must be a JSON object`);
  }
  checkJsonValue(value, limits, what);
}

/**
 * Parses a POST body within {@link REQUEST_BOUNDS}: depth first on the text, then JSON.parse, then
 * the shape and size of `variables` and `extensions`. An empty body is `undefined` (the GraphQL
 * layer answers that a query is missing).
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  checkJsonTextDepth(text, REQUEST_BOUNDS.body.maxDepth);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, BoundsCode.BAD_REQUEST, 'Request body is not valid JSON');
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { variables, extensions } = body as { variables?: unknown; extensions?: unknown };
    checkParameter(variables, REQUEST_BOUNDS.variables, 'variables');
    checkParameter(extensions, REQUEST_BOUNDS.extensions, 'extensions');
  } else {
    checkJsonValue(body, REQUEST_BOUNDS.body, 'Request body');
  }
  return body;
}

/**
 * Checks the `variables` and `extensions` of a GET's query string the way {@link parseJsonBody}
 * checks a body's (the GraphQL layer parses them again, within bounds now). A value that is not JSON
 * is left for it to refuse.
 */
export function checkSearchParams(search: URLSearchParams): void {
  for (const what of ['variables', 'extensions'] as const) {
    const text = search.get(what);
    if (text === null) continue;
    checkJsonTextDepth(text, REQUEST_BOUNDS[what].maxDepth, what);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    checkParameter(value, REQUEST_BOUNDS[what], what);
  }
}
