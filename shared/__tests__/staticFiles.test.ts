import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createStaticSite, SAME_ORIGIN_ONLY_CSP } from '../http/staticFiles';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends the path exactly as written (fetch would normalise `..` and encodings before sending). */
function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static sites (shared/http/staticFiles.ts)', () => {
  let root: string;
  let server: http.Server;
  let port: number;
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lien-thong-static-'));
    const site = join(root, 'site');
    mkdirSync(join(site, 'fonts'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(site, 'app.js'), script);
    writeFileSync(join(site, 'app.css'), 'body{}');
    writeFileSync(join(site, 'fonts', 'a b.woff2'), Buffer.from([1, 2, 3]));
    writeFileSync(join(site, '.env'), 'SECRET=1');
    writeFileSync(join(root, 'secret.txt'), 'outside the site');
    symlinkSync(join(root, 'secret.txt'), join(site, 'link.txt'));
    const serve = createStaticSite({ prefix: '/explorer', dir: site, generated: { 'settings.json': '{"a":1}' } });
    server = http.createServer((req, res) => {
      void serve(req, res, new URL(req.url ?? '/', 'http://localhost')).then((served) => {
        if (!served) {
          res.statusCode = 418;
          res.end('not the site');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  test('serves the folder with content types, the same-origin-only CSP and revalidation headers', async () => {
    const page = await raw(port, '/explorer/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString()).toBe('<!doctype html><title>t</title>');
    expect(page.headers['content-security-policy']).toBe(SAME_ORIGIN_ONLY_CSP);
    expect(SAME_ORIGIN_ONLY_CSP).toMatch(/default-src 'self'/);
    expect(SAME_ORIGIN_ONLY_CSP).not.toMatch(/https?:|\*|unsafe/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.etag).toMatch(/^"[\w-]{27}"$/);
    expect((await raw(port, '/explorer/index.html')).body.toString()).toBe(page.body.toString());
    expect((await raw(port, '/explorer/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await raw(port, '/explorer/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const font = await raw(port, '/explorer/fonts/a%20b.woff2');
    expect(font.headers['content-type']).toBe('font/woff2');
    expect([...font.body]).toEqual([1, 2, 3]);
  });

  test('the prefix alone redirects to the folder (relative, so a proxy prefix survives); other paths are not the site', async () => {
    const redirect = await raw(port, '/explorer?x=1');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe('explorer/?x=1');
    expect((await raw(port, '/explorerx')).status).toBe(418);
    expect((await raw(port, '/graphql')).status).toBe(418);
  });

  test('an unchanged file is answered 304 on revalidation; HEAD sends headers only; other methods 405', async () => {
    const first = await raw(port, '/explorer/app.css');
    const again = await raw(port, '/explorer/app.css', { 'if-none-match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await raw(port, '/explorer/app.css', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('6');
    expect(head.body.length).toBe(0);
    const post = await raw(port, '/explorer/app.css', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  test('compresses text for clients that accept gzip, with its own ETag', async () => {
    const plain = await raw(port, '/explorer/app.js');
    const gzipped = await raw(port, '/explorer/app.js', { 'accept-encoding': 'br, gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('accept-encoding');
    expect(gunzipSync(gzipped.body).toString()).toBe(script);
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 10);
    expect(gzipped.headers.etag).not.toBe(plain.headers.etag);
    expect((await raw(port, '/explorer/app.js', { 'accept-encoding': 'gzip;q=0' })).headers['content-encoding']).toBeUndefined();
  });

  test('generated files are served beside the folder and never cached', async () => {
    const settings = await raw(port, '/explorer/settings.json');
    expect(settings.status).toBe(200);
    expect(settings.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(settings.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(settings.body.toString())).toEqual({ a: 1 });
  });

  test.each([
    '/explorer/../secret.txt',
    '/explorer/%2e%2e/secret.txt',
    '/explorer/..%2fsecret.txt',
    '/explorer/%2e%2e%2fsecret.txt',
    '/explorer/..%5csecret.txt',
    '/explorer/fonts/../../secret.txt',
    '/explorer//etc/passwd',
    '/explorer/%2fetc%2fpasswd',
    '/explorer/link.txt',
    '/explorer/.env',
    '/explorer/app.js%00.html',
    '/explorer/fonts',
    '/explorer/fonts/',
    '/explorer/%E0%A4%A',
  ])('%s reaches nothing outside the site, nor a dotfile, a symlink or a folder', async (path) => {
    const response = await raw(port, path);
    expect(response.body.toString()).not.toMatch(/outside the site|SECRET|root:/);
    expect([400, 404, 418]).toContain(response.status);
  });

  test('refuses to start without the folder or its index.html, naming the folder', () => {
    expect(() => createStaticSite({ prefix: '/x', dir: join(root, 'missing') })).toThrow(/missing/);
    expect(() => createStaticSite({ prefix: '/x', dir: join(root, 'site', 'fonts') })).toThrow(/no index\.html/);
    expect(() => createStaticSite({ prefix: 'x', dir: join(root, 'site') })).toThrow(/not a URL path/);
  });
});
