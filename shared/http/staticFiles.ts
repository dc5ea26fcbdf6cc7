import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/** A folder of static files served under a URL path prefix (see {@link createStaticSite}). */
export interface StaticSite {
  /** URL path the folder is served under, without a trailing slash, e.g. `/explorer`. */
  prefix: string;
  /** The folder: a build output, read once when the site is created (later changes are not seen). */
  dir: string;
  /**
   * Files made at run time, by name, served beside the folder's and never cached by the browser
   * (e.g. development settings of the page).
   */
  generated?: Record<string, string>;
  /** Overrides the default Content-Security-Policy ({@link SAME_ORIGIN_ONLY_CSP}). */
  contentSecurityPolicy?: string;
}

/**
 * Nothing but this origin: scripts and styles from its own files (no inline code), connections to
 * itself, fonts and images also as `data:` URLs (bundled CSS embeds them); no frames, plugins or
 * foreign form targets. A page under it cannot load anything from a CDN, even by mistake.
 */
export const SAME_ORIGIN_ONLY_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.txt', '.svg']);

/** The content type a file is served with, by its extension. */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
  gzipped?: Promise<Buffer | null>;
}

/** Every regular file under `dir`, by its `/`-separated relative path; dotfiles and symlinks are left out. */
function readTree(dir: string, base = ''): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(join(dir, base), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const relative = base ? `${base}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [name, body] of readTree(dir, relative)) files.set(name, body);
    else if (entry.isFile()) files.set(relative, readFileSync(join(dir, relative)));
  }
  return files;
}

function fileOf(name: string, body: Buffer, cacheControl: string): StaticFile {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, type: contentTypeOf(name), etag, cacheControl };
}

function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return coding === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/**
 * Serves a folder from memory. The folder is read once, so a request can only ever reach a file
 * that was in it: a path is a key of that map, never joined onto the filesystem (no traversal by
 * `..`, encoded slashes, backslashes or symlinks). `GET` and `HEAD` only; `prefix` redirects to
 * `prefix/`, which serves `index.html`. Responses carry the Content-Security-Policy, `nosniff`, no
 * referrer, an ETag with `Cache-Control: no-cache` (revalidated on each load, a 304 when unchanged)
 * and, when accepted, gzip. Returns a handler that answers requests under the prefix and returns
 * false for every other path.
 */
export function createStaticSite(site: StaticSite): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const prefix = site.prefix.replace(/\/+$/, '');
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(prefix) || prefix === '') throw new Error(`Static site prefix "${site.prefix}" is not a URL path`);
  let tree: Map<string, Buffer>;
  try {
    tree = readTree(site.dir);
  } catch (error) {
    throw new Error(`Cannot read the static files of ${prefix} in ${site.dir}: ${(error as Error).message}`, { cause: error });
  }
  const files = new Map<string, StaticFile>();
  for (const [name, body] of tree) files.set(name, fileOf(name, body, 'no-cache'));
  for (const [name, text] of Object.entries(site.generated ?? {})) files.set(name, fileOf(name, Buffer.from(text, 'utf8'), 'no-store'));
  if (!files.has('index.html')) throw new Error(`Static site ${prefix}: ${site.dir} has no index.html`);
  const csp = site.contentSecurityPolicy ?? SAME_ORIGIN_ONLY_CSP;
  const lastSegment = prefix.slice(prefix.lastIndexOf('/') + 1);

  return async (req, res, url) => {
    const path = url.pathname;
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return false;
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('content-security-policy', csp);
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'Method not allowed');
    }
    if (path === prefix) {
      // Relative, so that it still works behind a proxy that serves the hub under a path of its own.
      res.setHeader('location', `${lastSegment}/${url.search}`);
      return plain(res, 308, 'Moved');
    }
    let name: string;
    try {
      name = decodeURIComponent(path.slice(prefix.length + 1)) || 'index.html';
    } catch {
      return plain(res, 400, 'Bad request');
    }
    const file = files.get(name);
    if (!file) return plain(res, 404, 'Not found');
    const gzipped = file.body.length > 1024 && COMPRESSIBLE.has(extname(name)) && acceptsGzip(req.headers['accept-encoding']);
    if (COMPRESSIBLE.has(extname(name))) res.setHeader('vary', 'accept-encoding');
    let body = file.body;
    let etag = file.etag;
    if (gzipped) {
      file.gzipped ??= promisify(gzip)(file.body, { level: 9 }).catch(() => null);
      const compressed = await file.gzipped;
      if (compressed) {
        body = compressed;
        etag = `${file.etag.slice(0, -1)}-gz"`;
        res.setHeader('content-encoding', 'gzip');
      }
    }
    res.setHeader('content-type', file.type);
    res.setHeader('cache-control', file.cacheControl);
    res.setHeader('etag', etag);
    const conditional = req.headers['if-none-match'];
    if (conditional && conditional.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      res.removeHeader('content-encoding');
      res.statusCode = 304;
      res.end();
      return true;
    }
    res.setHeader('content-length', body.length);
    res.statusCode = 200;
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  };
}

function plain(res: ServerResponse, status: number, message: string): true {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(message);
  return true;
}
