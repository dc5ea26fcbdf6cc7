import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildPage, bundleDifferences, PAGES, readCommittedPage } from '../tools/pageBundle';
import {
  credentialHeaders,
  dueBuckets,
  formatPeriod,
  groupBars,
  monthsOf,
  NOT_EVALUATED,
  onTimeText,
  rankText,
  parsePeriod,
  pointsText,
  readClaims,
  recentMonths,
  scoreText,
  staleViews,
} from '../dashboard/src/model';
import { bundledText, describeInChromium, launchChromium, openAirGappedPage, type PageRecord } from './helpers/browser';
import { documentId } from '../shared/documents';
import { COMMUNE_DOSSIERS } from '../dashboard/operations';
import { embeddedDefaultEnv, postGraphQL, printedTokens, startService, type Service } from './helpers/processes';

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const PURPOSE = 'HS-2026-000766';

/**
 * Hosts the bundle names only as identifiers or links, never as something to load: XML namespaces,
 * React's error decoder, Vega-Lite's schema id (`$schema`, never fetched) and an issue it cites.
 * A new host here means a dependency changed: look at what it does with it before adding it.
 */
const LINK_ONLY_HOSTS = ['www.w3.org', 'react.dev', 'github.com', 'vega.github.io'];

describe('the dashboard bundle', () => {
  const committed = readCommittedPage(PAGES.dashboard);

  test('the committed bundle is what the sources and the lockfile build today (run `npm run build:dashboard` when this fails)', async () => {
    expect(bundleDifferences(await buildPage(PAGES.dashboard), committed)).toEqual([]);
  });

  test('is small enough to commit and serve (minified)', () => {
    const sizes = Object.fromEntries([...committed].map(([name, body]) => [name, body.length]));
    expect(Object.keys(sizes)).toEqual(['dashboard.css', 'dashboard.js', 'dashboard.js.LEGAL.txt', 'index.html']);
    expect(sizes['dashboard.js']).toBeLessThan(1_500_000);
    expect(sizes['dashboard.css']).toBeLessThan(50_000);
  });

  test('the page loads its script and styles from its own folder only; the styles import nothing', () => {
    const html = bundledText(committed, 'index.html');
    const references = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(references.sort()).toEqual(['dashboard.css', 'dashboard.js', 'data:,']);
    expect(html).not.toMatch(/https?:|\/\//);
    const css = bundledText(committed, 'dashboard.css');
    expect(css).not.toMatch(/@import|url\(|https?:/);
  });

  test('the script names no host it could load from', () => {
    const js = bundledText(committed, 'dashboard.js');
    const hosts = new Set([...js.matchAll(/\bhttps?:\/\/([a-z0-9.-]+)/gi)].map((m) => (m[1] ?? '').toLowerCase()));
    expect([...hosts].filter((h) => !LINK_ONLY_HOSTS.includes(h))).toEqual([]);
    expect(js).not.toMatch(/fonts\.(googleapis|gstatic)\.com|unpkg\.com|jsdelivr|cdnjs|esm\.sh|google-analytics|googletagmanager|sentry/i);
    expect(js).not.toMatch(/sourceMappingURL/);
  });
});

describe('the dashboard’s model', () => {
  test('periods: the page’s ?period= parameter both ways, and the months each covers', () => {
    for (const text of ['2025-12', '2025-Q4', '2025-H2', '2025']) expect(formatPeriod(parsePeriod(text)!)).toBe(text);
    expect(parsePeriod('2025-13')).toBeNull();
    expect(parsePeriod('2025-Q5')).toBeNull();
    expect(parsePeriod('1999')).toBeNull();
    expect(parsePeriod(null)).toBeNull();
    expect(monthsOf({ kind: 'QUARTER', year: 2025, index: 4 })).toEqual(['2025-10', '2025-11', '2025-12']);
    expect(monthsOf({ kind: 'YEAR', year: 2025, index: 1 })).toHaveLength(12);
    // 31 December 20:00 UTC is already 1 January in Vietnam.
    expect(recentMonths(new Date('2025-12-31T20:00:00Z'), 2)).toEqual([
      { kind: 'MONTH', year: 2026, index: 1 },
      { kind: 'MONTH', year: 2025, index: 12 },
    ]);
  });

  test('a unit without evaluated dossiers shows “—” and no bar, never the formula’s default score or a full bar', () => {
    const groups = ['PUBLICITY', 'PROGRESS', 'ONLINE', 'DIGITISATION', 'SATISFACTION'].map((group) => ({ group, points: 19.92 }));
    const period = { year: 2025, index: 12 };
    const idle = { score: 99.62, evaluated: false, groups, period };
    const busy = { score: 71.5, evaluated: true, groups, period };
    expect(NOT_EVALUATED).toBe('—');
    expect(scoreText(idle)).toBe('—');
    expect(pointsText(idle, 'PROGRESS')).toBe('—');
    expect(scoreText(busy)).toBe('71.50');
    expect(pointsText(busy, 'PROGRESS')).toBe('19.9');
    // Dossiers of earlier months finished on time in an idle one: not a "100.0%" beside a score of "—".
    expect(onTimeText({ evaluated: false, onTimeRate: 1 })).toBe('—');
    expect(onTimeText({ evaluated: true, onTimeRate: null })).toBe('—');
    expect(onTimeText({ evaluated: true, onTimeRate: 0.9128 })).toBe('91.3%');
    // Not evaluated: no place in the ranking (not 34 provinces tied for first).
    expect(rankText(1, idle)).toBe('—');
    expect(rankText(31, busy)).toBe('31');
    const bars = groupBars([
      { unit: 'Idle', evaluation: idle },
      { unit: 'Busy', evaluation: busy },
    ]);
    expect(bars.map((b) => `${b.unit} ${b.group} ${b.points}`)).toEqual(
      ['Publicity', 'Progress', 'Online', 'Digitisation', 'Satisfaction'].map((g) => `Busy ${g} 19.92`),
    );
  });

  test('a live event makes stale only what shows its unit and period', () => {
    const screen = { period: { kind: 'QUARTER', year: 2025, index: 4 } as const, provinceCode: '01', communeCode: '00004' };
    const event = (unitCode: string, provinceCode: string, month: string) => ({ unitScope: 'COMMUNE', unitCode, provinceCode, month });
    expect(staleViews([event('00004', '01', '2025-11')], screen)).toEqual({ ranking: true, trends: true, province: true, commune: true });
    expect(staleViews([event('25000', '79', '2025-12')], screen)).toEqual({ ranking: true, trends: true, province: false, commune: false });
    // Another month of the year: the trends move, the quarter's ranking does not.
    expect(staleViews([event('00004', '01', '2025-03')], screen)).toEqual({ ranking: false, trends: true, province: true, commune: true });
    expect(staleViews([event('00004', '01', '2024-11')], screen)).toEqual({
      ranking: false,
      trends: false,
      province: false,
      commune: false,
    });
  });

  test('overdue and due-today dossiers: running ones only, by due time in Vietnam', () => {
    const now = new Date('2025-12-10T03:00:00Z'); // 10:00 in Vietnam
    const row = (number: string, status: string, dueAt: string) => ({
      number,
      status,
      dueAt,
      receivedAt: '2025-12-01T02:00:00Z',
      procedure: { code: 'p', name: 'p' },
    });
    const { overdue, dueToday } = dueBuckets(
      [
        row('late-2', 'IN_PROGRESS', '2025-12-09T09:00:00Z'),
        row('late-1', 'RECEIVED', '2025-12-05T09:00:00Z'),
        row('decided', 'DONE', '2025-12-05T09:00:00Z'),
        row('waiting', 'SUPPLEMENT_REQUESTED', '2025-12-05T09:00:00Z'),
        row('today', 'IN_PROGRESS', '2025-12-10T09:00:00Z'),
        row('tonight', 'IN_PROGRESS', '2025-12-10T16:30:00Z'), // 23:30 in Vietnam
        row('tomorrow', 'IN_PROGRESS', '2025-12-10T17:30:00Z'), // 00:30 on the 11th in Vietnam
      ],
      now,
    );
    expect(overdue.map((d) => d.number)).toEqual(['late-1', 'late-2']);
    expect(dueToday.map((d) => d.number)).toEqual(['today', 'tonight']);
  });

  test('an officer’s headers: the pasted token with or without Bearer, a Vietnamese purpose as UTF-8 bytes', () => {
    expect(credentialHeaders('', '')).toEqual({});
    const headers = credentialHeaders(' Bearer abc.def.ghi\n', 'Hồ sơ HS-1');
    expect(headers.authorization).toBe('Bearer abc.def.ghi');
    expect(Buffer.from(headers['x-purpose']!, 'latin1').toString('utf8')).toBe('Hồ sơ HS-1');
    const payload = Buffer.from(JSON.stringify({ role: 'COMMUNE_OFFICER', commune: '00004' })).toString('base64url');
    expect(readClaims(`x.${payload}.y`)).toEqual({ role: 'COMMUNE_OFFICER', commune: '00004' });
    expect(readClaims('nonsense')).toBeNull();
  });
});

interface RankRow {
  rank: number;
  evaluation: { unitCode: string; score: number; evaluated: boolean };
}

describeInChromium('the dashboard', 'the dashboard in headless Chromium, on npm start’s embedded default', () => {
  let gateway: Service;
  let dir: string;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let central: string;
  let citizenId: string;
  let streamServed = false;
  let record: PageRecord;
  const navigations: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  const PERIOD = { kind: 'MONTH', year: 2025, index: 12 };

  const provinceRanking = async (): Promise<RankRow[]> => {
    const { body } = await postGraphQL(
      `${origin}/graphql`,
      `query ($p: PeriodInput!) { provinceRanking(period: $p) { rank evaluation { unitCode score evaluated } } }`,
      { p: PERIOD },
    );
    return body.data!.provinceRanking as RankRow[];
  };
  const rowOf = (kind: string, code: string) => page.locator(`table[data-ranking="${kind}"] tr[data-unit="${code}"]`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-dashboard-'));
    gateway = await startService('gateway/index.ts', { ...embeddedDefaultEnv(dir, 3000), REDIS_URL: '' }, 240_000);
    origin = gateway.url.replace(/\/graphql$/, '').replace('localhost', '127.0.0.1');
    ({ central, citizenId } = await printedTokens(gateway));
    const probe = await fetch(`${origin}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    streamServed = probe.status !== 404;
    await probe.body?.cancel();
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    ({ page, ...record } = await openAirGappedPage(browser, { width: 1500, height: 1000 }));
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('opens on the latest evaluated month with the 34 provinces ranked, each group’s points and a monthly trend', async () => {
    await page.goto(`${origin}/dashboard`);
    const rows = page.locator('table[data-ranking="province"] tbody tr');
    await expect(rows.first().waitFor()).resolves.toBeUndefined();
    expect(await rows.count()).toBe(34);
    // The demo data ends in December 2025: the page finds that month by itself.
    expect(new URL(page.url()).searchParams.get('period')).toBe('2025-12');
    const expected = await provinceRanking();
    const ranks = await rows.locator('[data-field="rank"]').allTextContents();
    expect(ranks).toEqual(expected.map((r) => (r.evaluation.evaluated ? String(r.rank) : '—')));
    const first = expected[0]!.evaluation;
    await expect(rowOf('province', first.unitCode).locator('[data-field="score"]').textContent()).resolves.toBe(first.score.toFixed(2));
    await expect(page.locator('table[data-ranking="province"]').textContent()).resolves.toContain('Hà Nội');
    for (const group of ['PUBLICITY', 'PROGRESS', 'ONLINE', 'DIGITISATION', 'SATISFACTION']) {
      expect(await rows.first().locator(`[data-field="${group}"]`).textContent()).toMatch(/^\d+\.\d$/);
    }
    // Two Vega charts, drawn as SVG in the page: the trend and the groups.
    await page.waitForSelector('#nation .chart svg .mark-line');
    expect(await page.locator('#nation .chart svg').count()).toBe(2);
    // One bar segment per group of each evaluated province, none for a province without evaluated dossiers.
    expect(await page.locator('#nation .chart svg .mark-rect path').count()).toBe(
      5 * expected.filter((r) => r.evaluation.evaluated).length,
    );
    // Without the hub's stream the page stays static and says so.
    await page.waitForSelector(`[data-live-status="${streamServed ? 'live' : 'unavailable'}"]`);
    await shot('dashboard.png');
  });

  test('a province opens its communes and departments ranked; a commune its indicators and trend', async () => {
    const expected = await provinceRanking();
    const province = expected.find((r) => r.evaluation.evaluated && r.evaluation.unitCode !== '01')!.evaluation.unitCode;
    await rowOf('province', province).click();
    const communes = page.locator('table[data-ranking="commune"] tbody tr');
    await communes.first().waitFor();
    const { body } = await postGraphQL(
      `${origin}/graphql`,
      `query ($c: ProvinceCode!, $p: PeriodInput!) { communeRanking(provinceCode: $c, period: $p) { rank evaluation { unitCode } } departmentRanking(provinceCode: $c, period: $p) { rank } }`,
      { c: province, p: PERIOD },
    );
    expect(await communes.count()).toBe((body.data!.communeRanking as unknown[]).length);
    expect(await page.locator('table[data-ranking="department"] tbody tr').count()).toBe(
      (body.data!.departmentRanking as unknown[]).length,
    );
    // Communes are shown by name, not code.
    await expect(communes.first().locator('[data-field="name"]').textContent()).resolves.toMatch(/\p{L}{2,}/u);
    const commune = (body.data!.communeRanking as RankRow[])[0]!.evaluation.unitCode;
    await rowOf('commune', commune).click();
    await page.waitForSelector('#commune [data-indicator="ON_TIME"]');
    expect(await page.locator('#commune [data-indicator]').count()).toBeGreaterThan(5);
    await page.waitForSelector('#commune .chart svg .mark-rect path');
    expect(new URL(page.url()).searchParams.get('commune')).toBe(commune);
    await shot('dashboard-commune.png');
  });

  test('an officer who pastes a token and a purpose sees the commune’s overdue and due-today dossiers', async () => {
    await page.fill('.officer textarea[name="token"]', central);
    await page.fill('.officer input[name="purpose"]', PURPOSE);
    const answered = page.waitForResponse(
      // The page sends its operations by id (its trusted documents), never their text.
      (r) => r.url() === `${origin}/graphql` && (r.request().postData() ?? '').includes(documentId(COMMUNE_DOSSIERS)),
    );
    await page.click('.officer button[type="submit"]');
    const response = await answered;
    const headers = await response.request().allHeaders();
    expect(headers.authorization).toBe(`Bearer ${central}`);
    expect(headers['x-purpose']).toBe(PURPOSE);
    await page.waitForSelector('[data-dossiers="overdue"]');
    await page.waitForSelector('[data-dossiers="due-today"]');
    // The demo dossiers ended in 2025: the unfinished ones among them are overdue today.
    const { data } = (await response.json()) as { data: { commune: { dossiers: { edges: { node: { status: string } }[] } } } };
    const running = data.commune.dossiers.edges.filter(
      (e) => !['DONE', 'RETURNED', 'NOT_RECEIVED', 'WITHDRAWN', 'STOPPED', 'SUPPLEMENT_REQUESTED'].includes(e.node.status),
    );
    expect(await page.locator('[data-dossiers="overdue"] tbody tr').count()).toBe(running.length);
    await shot('dashboard-officer.png');
  });

  // Needs the hub's /graphql/stream (the live subscriptions): the test says so plainly when it is not served.
  test('a dossier event posted through the API changes the province’s score and rank on the open page within 3 s, without a reload', async () => {
    if (!streamServed) throw new Error('the hub does not serve /graphql/stream (HTTP 404): the live subscriptions are not there yet');
    await page.goto(`${origin}/dashboard/?period=2025-12`);
    await page.locator('table[data-ranking="province"] tbody tr').first().waitFor();
    await page.waitForSelector('[data-live-status="live"]');
    navigations.length = 0;
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    const before = await provinceRanking();
    const leader = before.find((r) => r.evaluation.evaluated)!;
    const code = leader.evaluation.unitCode;
    const row = rowOf('province', code);
    await expect(row.locator('[data-field="score"]').textContent()).resolves.toBe(leader.evaluation.score.toFixed(2));
    const { body: communes } = await postGraphQL(
      `${origin}/graphql`,
      `query ($c: ProvinceCode!) { communes(filter: { provinceCode: $c }, first: 1) { edges { node { code } } } procedures(level: COMMUNE) { code } }`,
      { c: code },
    );
    const commune = (communes.data!.communes as { edges: { node: { code: string } }[] }).edges[0]!.node.code;
    const procedure = (communes.data!.procedures as { code: string }[])[0]!.code;
    // Received in the month shown and already past due, still unfinished: the province's on-time rate must fall.
    const { body } = await postGraphQL(
      `${origin}/graphql`,
      `mutation ($i: ReceiveDossierInput!) { receiveDossier(input: $i) { dossier { number } } }`,
      {
        i: {
          number: `${commune}-251210-${String(900_000 + Math.floor(Math.random() * 99_999))}`,
          procedureCode: procedure,
          communeCode: commune,
          applicant: { citizenId },
          channel: 'IN_PERSON',
          receivedAt: '2025-12-10T09:00:00+07:00',
          dueAt: '2025-12-11T17:00:00+07:00',
        },
      },
      { authorization: `Bearer ${central}`, 'x-purpose': PURPOSE },
    );
    expect(body.errors).toBeUndefined();
    const posted = Date.now();
    const after = (await provinceRanking()).find((r) => r.evaluation.unitCode === code)!;
    expect(after.evaluation.score).toBeLessThan(leader.evaluation.score);
    await row.locator('[data-field="score"]', { hasText: after.evaluation.score.toFixed(2) }).waitFor({ timeout: 3000 });
    await rowOf('province', code)
      .locator('[data-field="rank"]', { hasText: new RegExp(`^${after.rank}$`) })
      .waitFor({ timeout: 3000 });
    const elapsed = Date.now() - posted;
    expect(elapsed).toBeLessThan(3000);
    expect(after.rank).toBeGreaterThanOrEqual(leader.rank);
    // Same document: no reload, no navigation.
    expect(navigations).toEqual([]);
    await expect(page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).resolves.toBe(true);
    await shot('dashboard-live.png');
  });

  test('a month without evaluated dossiers: every unit reads “—” (score and points) and has no bar, not the formula’s default', async () => {
    // The demo dossiers start in July 2025: in June no unit has any.
    const june = { kind: 'MONTH', year: 2025, index: 6 };
    const { body } = await postGraphQL(
      `${origin}/graphql`,
      `query ($p: PeriodInput!) { provinceRanking(period: $p) { rank evaluation { unitCode score evaluated } } }`,
      { p: june },
    );
    const ranking = body.data!.provinceRanking as RankRow[];
    expect(ranking).toHaveLength(34);
    expect(ranking.filter((r) => r.evaluation.evaluated)).toEqual([]);
    await page.goto(`${origin}/dashboard/?period=2025-06`);
    const rows = page.locator('table[data-ranking="province"] tbody tr');
    await page.waitForSelector('table[data-ranking="province"] tbody tr:nth-child(34)');
    expect(new Set(await rows.locator('[data-field="score"]').allTextContents())).toEqual(new Set(['—']));
    for (const group of ['PUBLICITY', 'PROGRESS', 'ONLINE', 'DIGITISATION', 'SATISFACTION'])
      expect(new Set(await rows.locator(`[data-field="${group}"]`).allTextContents())).toEqual(new Set(['—']));
    await expect(page.locator('[data-national-score] strong').textContent()).resolves.toBe('—');
    // The points-by-group chart is drawn, empty: no bar at all.
    await page.waitForSelector('#nation .chart svg');
    expect(await page.locator('#nation .chart svg .mark-rect path').count()).toBe(0);
    await shot('dashboard-not-evaluated.png');
  });

  test('a hub without the stream endpoint (404): the page stays static, ranked, and says live updates are unavailable', async () => {
    const other = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const errors: string[] = [];
    const streamCalls: string[] = [];
    other.on('pageerror', (error) => errors.push(error.message));
    await other.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return route.abort('blockedbyclient');
      if (url.pathname === '/graphql/stream') {
        streamCalls.push(url.href);
        return route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not found' });
      }
      return route.continue();
    });
    try {
      await other.goto(`${origin}/dashboard/?period=2025-12`);
      await other.waitForSelector('[data-live-status="unavailable"]');
      // The ranking is read on its own: the stream's 404 may be known before it is drawn.
      await other.waitForSelector('table[data-ranking="province"] tbody tr:nth-child(34)');
      expect(await other.locator('table[data-ranking="province"] tbody tr').count()).toBe(34);
      await expect(other.locator('[data-live-status]').textContent()).resolves.toContain('live updates unavailable');
      // Not retried: a 404 means the hub has no stream, not that it is down.
      await other.waitForTimeout(1500);
      expect(streamCalls).toHaveLength(1);
      expect(errors).toEqual([]);
      await other.screenshot({ path: join(ARTIFACTS, 'dashboard-static.png') });
    } finally {
      await other.close();
    }
  });

  test('nothing was requested from outside this machine, and nothing broke (no CSP violation, no script error)', () => {
    expect(record.outside).toEqual([]);
    expect(record.requested.length).toBeGreaterThan(5);
    expect(record.requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(record.problems).toEqual([]);
  });
});
