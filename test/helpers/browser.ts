import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: playwright-core downloads no browser, `.ci/run` installs this one. */
export const CHROMIUM = '/usr/bin/chromium';
/** Flags for a closed network: without the background-networking ones Chromium keeps calling Google. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const haveChromium = existsSync(CHROMIUM);

/**
 * `describe` for a browser suite: skipped with a notice when Chromium is missing outside CI; with
 * CI=true it runs, and {@link launchChromium} fails it saying what to install.
 */
export function describeInChromium(what: string, name: string, suite: () => void): void {
  if (!haveChromium && process.env.CI !== 'true') {
    console.warn(`\n[tests] ${CHROMIUM} is not installed: ${what}'s browser test is skipped (apt-get install -y chromium).\n`);
  }
  (haveChromium || process.env.CI === 'true' ? describe : describe.skip)(name, suite);
}

export function launchChromium(): Promise<Browser> {
  if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs it (apt-get install chromium).`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** What a page asked for and what went wrong in it, for the suite's last checks. */
export interface PageRecord {
  /** Requests refused because they left this machine (an air-gapped network): must stay empty. */
  outside: string[];
  /** Every URL the page requested. */
  requested: string[];
  /** Script errors and console errors (CSP violations included). */
  problems: string[];
}

/**
 * A page on an air-gapped network: any request that is not to this machine (or a `data:` URL) is
 * refused and recorded; script and console errors, and CSP violations, are recorded too.
 */
export async function openAirGappedPage(
  browser: Browser,
  viewport: { width: number; height: number },
): Promise<{ page: Page } & PageRecord> {
  const record: PageRecord = { outside: [], requested: [], problems: [] };
  const page = await browser.newPage({ viewport });
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || ['127.0.0.1', 'localhost'].includes(url.hostname)) return route.continue();
    record.outside.push(url.href);
    return route.abort('blockedbyclient');
  });
  // Injected by the browser, not the page: the CSP does not apply to it, and it sees every violation.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('request', (request) => record.requested.push(request.url()));
  page.on('pageerror', (error) => record.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') record.problems.push(`console: ${message.text()}`);
  });
  return { page, ...record };
}

/** A text file of a page bundle, by name. */
export function bundledText(files: Map<string, Buffer>, name: string): string {
  const file = files.get(name);
  if (!file) throw new Error(`the bundle has no ${name}`);
  return file.toString('utf8');
}
