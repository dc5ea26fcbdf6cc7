import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildPage, bundleDifferences, distOf, PAGES, readCommittedPage } from './pageBundle';

/**
 * `npm run build:<page>` (`tsx tools/buildPage.ts <page>`) bundles a page into `<page>/dist` (commit
 * the result); `npm run check:<page>` (`--check`) fails when the committed bundle differs from what
 * the sources and the lockfile build today. Pages: explorer, dashboard.
 */
async function main(): Promise<void> {
  const page = PAGES[process.argv[2] as keyof typeof PAGES];
  if (!page) throw new Error(`usage: tools/buildPage.ts ${Object.keys(PAGES).join('|')} [--check]`);
  const dist = distOf(page);
  const built = await buildPage(page);
  const shown = relative(process.cwd(), dist) || dist;
  if (process.argv.includes('--check')) {
    const stale = bundleDifferences(built, readCommittedPage(page));
    if (stale.length > 0) {
      console.error(`${shown} is stale (${stale.join(', ')}): run \`npm run build:${page.name}\` and commit the result.`);
      process.exit(1);
    }
    console.log(`the ${page.name} bundle is up to date`);
    return;
  }
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  for (const [name, contents] of built) {
    writeFileSync(join(dist, name), contents);
    console.log(`${join(shown, name)}  ${(contents.length / 1024).toFixed(1)} kB`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
