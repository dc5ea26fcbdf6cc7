import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildPage, bundleDifferences, PAGES, readCommittedPage } from '../tools/pageBundle';
import { EXAMPLES, PERSONAS } from '../explorer/src/examples';
import { headerValue, operationNameFor, readClaims, requestHeaders } from '../explorer/src/request';
import { loadConfig } from '../shared/config';
import { writeKeyFiles } from '../shared/auth/keys';
import { openTestHub } from './helpers/hub';
import { OPERATIONS } from '../hub/operations';
import { bundledText, describeInChromium, launchChromium, openAirGappedPage, type PageRecord } from './helpers/browser';
import { embeddedDefaultEnv, postGraphQL, startService, subgraphUrlEnv, type Service } from './helpers/processes';
import { subgraphs } from '../subgraphs';

const SCREENSHOT = join(__dirname, '..', 'test-artifacts', 'explorer.png');
const PURPOSE = 'HS-2026-000123';

/**
 * Hosts that the bundle names only as links or identifiers, never as something to load: XML
 * namespaces, React's error decoder, GraphiQL's and CodeMirror's documentation. A new host here
 * means a dependency changed: look at what it does with it before adding it.
 */
const LINK_ONLY_HOSTS = ['www.w3.org', 'react.dev', 'github.com', 'codemirror.net', 'commonmark.org', 'en.wikipedia.org', 'yarnpkg.com'];

describe('the explorer bundle', () => {
  const committed = readCommittedPage(PAGES.explorer);

  test('the committed bundle is what the sources and the lockfile build today (run `npm run build:explorer` when this fails)', async () => {
    expect(bundleDifferences(await buildPage(PAGES.explorer), committed)).toEqual([]);
  });

  test('is small enough to commit and serve (minified)', () => {
    const sizes = Object.fromEntries([...committed].map(([name, body]) => [name, body.length]));
    expect(Object.keys(sizes)).toEqual(['explorer.css', 'explorer.js', 'explorer.js.LEGAL.txt', 'index.html']);
    expect(sizes['explorer.js']).toBeLessThan(2_000_000);
    expect(sizes['explorer.css']).toBeLessThan(600_000);
  });

  test('the page loads its script and styles from its own folder only', () => {
    const html = bundledText(committed, 'index.html');
    const references = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(references.sort()).toEqual(['data:,', 'explorer.css', 'explorer.js']);
    expect(html).not.toMatch(/https?:|\/\//);
  });

  test('the styles import nothing and embed their fonts (no Google Fonts, no CDN)', () => {
    const css = bundledText(committed, 'explorer.css');
    expect(css).not.toMatch(/@import/);
    const urls = [...css.matchAll(/url\(\s*["']?([^"')]*)/g)].map((m) => m[1] ?? '');
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => !u.startsWith('data:'))).toEqual([]);
    expect(css).not.toMatch(/https?:\/\//);
  });

  test('the script names no host it could load from: only documentation links and XML namespaces', () => {
    const js = bundledText(committed, 'explorer.js');
    const hosts = new Set([...js.matchAll(/\bhttps?:\/\/([a-z0-9.-]+)/gi)].map((m) => (m[1] ?? '').toLowerCase()));
    expect([...hosts].filter((h) => !LINK_ONLY_HOSTS.includes(h))).toEqual([]);
    expect(js).not.toMatch(/fonts\.(googleapis|gstatic)\.com|unpkg\.com|jsdelivr|cdnjs|esm\.sh|google-analytics|googletagmanager|sentry/i);
    expect(js).not.toMatch(/sourceMappingURL/);
  });

  test('carries the foundation issue’s four operations verbatim, and examples for every persona', () => {
    for (const [name, query] of Object.entries(OPERATIONS)) {
      expect(EXAMPLES.find((e) => e.name === name)?.query).toBe(query);
    }
    for (const persona of PERSONAS) expect(EXAMPLES.some((e) => e.persona === persona.id)).toBe(true);
    expect(new Set(EXAMPLES.map((e) => e.name)).size).toBe(EXAMPLES.length);
    expect(EXAMPLES.map((e) => e.name)).toEqual(expect.arrayContaining(['MyDataAccesses', 'SearchProvinces']));
  });

  test('every example is a valid operation of today’s supergraph (examples never rot)', async () => {
    const hub = await openTestHub();
    try {
      for (const example of EXAMPLES) {
        const result = await hub.run(example.query, example.variables ?? {});
        const codes = (result.errors ?? []).map((e) => e.extensions?.code);
        expect([example.name, codes.filter((c) => c === 'GRAPHQL_VALIDATION_FAILED' || c === 'GRAPHQL_PARSE_FAILED')]).toEqual([
          example.name,
          [],
        ]);
      }
    } finally {
      await hub.close();
    }
  });

  test('requests are JSON POSTs with the pasted token and purpose; the headers editor wins', () => {
    expect(requestHeaders({ token: '', purpose: '' })).toEqual({
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    });
    const headers = requestHeaders({ token: ' Bearer abc.def.ghi\n', purpose: 'Hồ sơ HS-2026-07' }, { 'X-Purpose': 'HS-1', 'X-Extra': 1 });
    expect(headers.authorization).toBe('Bearer abc.def.ghi');
    expect(headers['x-purpose']).toBe('HS-1');
    expect(headers['x-extra']).toBe('1');
    // Browsers only send Latin-1 header values: a Vietnamese purpose travels as its UTF-8 bytes.
    const encoded = requestHeaders({ token: '', purpose: 'Hồ sơ HS-2026-07' })['x-purpose']!;
    expect(Buffer.from(encoded, 'latin1').toString('utf8')).toBe('Hồ sơ HS-2026-07');
    expect(headerValue('HS-1')).toBe('HS-1');
  });

  test('sends no stale operation name (GraphiQL may still hold the previous tab’s right after an example opens)', () => {
    expect(operationNameFor('query A { a }', 'B')).toBeUndefined();
    expect(operationNameFor('query A { a }', 'A')).toBe('A');
    expect(operationNameFor('query A { a } query B { b }', 'B')).toBe('B');
    expect(operationNameFor('{ a }', null)).toBeUndefined();
    expect(operationNameFor('not graphql', 'A')).toBe('A');
  });

  test('reads a pasted token’s claims to show who it speaks for (without trusting it)', () => {
    const payload = Buffer.from(JSON.stringify({ role: 'CITIZEN', sub: '001099000001' })).toString('base64url');
    expect(readClaims(`Bearer x.${payload}.y`)).toEqual({ role: 'CITIZEN', sub: '001099000001' });
    expect(readClaims('not a token')).toBeNull();
    expect(readClaims('a.!!!.c')).toBeNull();
  });

  test('EXPLORER_ENABLED: on by default, off by default in production, and either way when set', () => {
    expect(loadConfig({}).EXPLORER_ENABLED).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).EXPLORER_ENABLED).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', EXPLORER_ENABLED: 'true' }).EXPLORER_ENABLED).toBe(true);
    expect(loadConfig({ EXPLORER_ENABLED: 'false' }).EXPLORER_ENABLED).toBe(false);
    expect(() => loadConfig({ EXPLORER_ENABLED: 'yes' })).toThrow(/EXPLORER_ENABLED/);
  });
});

describe('the explorer in production', () => {
  const started: { service: Service; dir: string }[] = [];
  /** A production gateway in front of subgraphs that are not there: enough to answer HTTP. */
  const startProduction = async (env: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'lien-thong-explorer-prod-'));
    const files = await writeKeyFiles(join(dir, 'keys'));
    const unreachable = 'http://127.0.0.1:9/graphql';
    const service = await startService('gateway/index.ts', {
      NODE_ENV: 'production',
      AUTH_JWKS_FILE: files.issuerJwks,
      INTERNAL_PRIVATE_KEY_FILE: files.internalPrivate,
      INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
      ...subgraphUrlEnv(Object.fromEntries(subgraphs.map((s) => [s.name, unreachable]))),
      DATABASE_URL: '',
      REDIS_URL: '',
      // No database for published documents: text, as a production gateway told so explicitly.
      TRUSTED_DOCUMENTS: 'off',
      ...env,
    });
    started.push({ service, dir });
    return service.url.replace(/\/graphql$/, '');
  };
  afterAll(async () => {
    for (const { service, dir } of started) {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('is not served: /explorer and its files are 404', async () => {
    const origin = await startProduction();
    for (const path of ['/explorer', '/explorer/', '/explorer/explorer.js', '/explorer/dev-tokens.json']) {
      expect((await fetch(`${origin}${path}`, { redirect: 'manual' })).status).toBe(404);
    }
  });

  test('with EXPLORER_ENABLED=true it is served, and offers no development tokens', async () => {
    const origin = await startProduction({ EXPLORER_ENABLED: 'true' });
    expect((await fetch(`${origin}/explorer/`)).status).toBe(200);
    expect(await (await fetch(`${origin}/explorer/dev-tokens.json`)).json()).toEqual({ tokens: [] });
  });
});

describeInChromium('the explorer', 'the explorer in headless Chromium, on npm start’s embedded default', () => {
  let gateway: Service;
  let dir: string;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let record: PageRecord;

  /** A development token as `npm start` prints it, e.g. for "commune officer, Phường Ba Đình (00004)". */
  const printedToken = (persona: RegExp): string => {
    const token = new RegExp(`${persona.source}[^\\n]*:\\s+(\\S+)`).exec(gateway.output())?.[1];
    if (!token) throw new Error(`no token printed for ${persona}:\n${gateway.output()}`);
    return token;
  };

  /** Picks an example, pastes a token and a purpose into the form, runs it; resolves with the JSON the gateway answered. */
  const run = async (example: string, token: string, purpose: string) => {
    await page.click(`[data-example="${example}"]`);
    await page.fill('textarea[name="token"]', token);
    await page.fill('input[name="purpose"]', purpose);
    const answered = page.waitForResponse((r) => r.url() === `${origin}/graphql` && (r.request().postData() ?? '').includes(example));
    await page.click('.graphiql-execute-button');
    const response = await answered;
    return { request: response.request(), body: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] } };
  };

  const responsePane = () => page.locator('.graphiql-response');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-explorer-'));
    gateway = await startService('gateway/index.ts', { ...embeddedDefaultEnv(dir, 200), REDIS_URL: '' }, 180_000);
    origin = gateway.url.replace(/\/graphql$/, '').replace('localhost', '127.0.0.1');
    browser = await launchChromium();
    ({ page, ...record } = await openAirGappedPage(browser, { width: 1400, height: 900 }));
    await page.goto(`${origin}/explorer`);
    await page.waitForSelector('[data-example="CommuneResidents"]');
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a commune officer’s example runs with a pasted token and purpose, as a JSON POST to the same origin', async () => {
    const { request, body } = await run('CommuneResidents', printedToken(/commune officer/), PURPOSE);
    expect(body.errors).toBeUndefined();
    expect(body.data?.commune).toMatchObject({
      name: 'Ba Đình',
      province: { name: 'Hà Nội' },
      residents: { totalCount: expect.any(Number) },
    });
    const headers = await request.allHeaders();
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-purpose']).toBe(PURPOSE);
    expect(headers.authorization).toMatch(/^Bearer ey/);
    await expect(responsePane().textContent()).resolves.toMatch(/"name": "Ba Đình"[\s\S]*"totalCount"/);
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  test('a citizen sees their own record, by the identification number in their token', async () => {
    const token = printedToken(/citizen \d{12}/);
    const citizenId = readClaims(token)?.sub;
    const expected = await postGraphQL(
      `${origin}/graphql`,
      `query ($id: CitizenId!) { resident(citizenId: $id) { fullName } }`,
      { id: citizenId },
      {
        authorization: `Bearer ${token}`,
      },
    );
    const fullName = (expected.body.data?.resident as { fullName: string }).fullName;
    const { body } = await run('MyRecord', token, '');
    expect(body.errors).toBeUndefined();
    expect((body.data?.resident as { fullName: string }).fullName).toBe(fullName);
    await expect(responsePane().textContent()).resolves.toContain(fullName);
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-citizen.png') });
  });

  test('a public example needs no token', async () => {
    const { body, request } = await run('SearchProvinces', '', '');
    expect(body.data).toEqual({ provinces: [{ code: '01', name: 'Hà Nội' }] });
    expect((await request.allHeaders()).authorization).toBeUndefined();
  });

  test('the documentation explorer shows the schema’s descriptions (introspected from the same origin)', async () => {
    const introspection = await postGraphQL(`${origin}/graphql`, `{ __schema { queryType { fields { name description } } } }`);
    const fields = (introspection.body.data?.__schema as { queryType: { fields: { name: string; description: string }[] } }).queryType
      .fields;
    const description = fields.find((f) => f.name === 'provinces')?.description ?? '';
    expect(description.length).toBeGreaterThan(10);
    await page.click('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
    await page
      .getByRole('button', { name: 'Query', exact: true })
      .or(page.locator('a', { hasText: /^Query$/ }))
      .first()
      .click();
    await expect(page.locator('.graphiql-doc-explorer').textContent()).resolves.toContain(description.split(/[—.\n`]/)[0]!.trim());
  });

  test('offers the development tokens npm start printed (generated keys only)', async () => {
    const tokens = (await (await fetch(`${origin}/explorer/dev-tokens.json`)).json()) as { tokens: { persona: string; token: string }[] };
    expect(tokens.tokens.map((t) => t.persona)).toEqual(expect.arrayContaining(['central / ministry', 'public / developer']));
    expect(gateway.output()).toContain(tokens.tokens[0]!.token);
  });

  test('nothing was requested from outside this machine, and nothing broke (no CSP violation, no script error)', () => {
    expect(record.outside).toEqual([]);
    expect(record.requested.length).toBeGreaterThan(3);
    expect(record.requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(record.problems).toEqual([]);
  });
});
