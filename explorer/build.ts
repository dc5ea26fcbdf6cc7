import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildExplorer, EXPLORER_DIST, explorerDifferences, readCommittedExplorer } from './bundle';

/**
 * `npm run build:explorer` bundles the explorer into explorer/dist (commit the result);
 * `npm run check:explorer` fails when the committed bundle differs from what the sources and the
 * lockfile build today.
 */
async function main(): Promise<void> {
  const built = await buildExplorer();
  const shown = relative(process.cwd(), EXPLORER_DIST) || EXPLORER_DIST;
  if (process.argv.includes('--check')) {
    const stale = explorerDifferences(built, readCommittedExplorer());
    if (stale.length > 0) {
      console.error(`${shown} is stale (${stale.join(', ')}): run \`npm run build:explorer\` and commit the result.`);
      process.exit(1);
    }
    console.log('the explorer bundle is up to date');
    return;
  }
  rmSync(EXPLORER_DIST, { recursive: true, force: true });
  mkdirSync(EXPLORER_DIST, { recursive: true });
  for (const [name, contents] of built) {
    writeFileSync(join(EXPLORER_DIST, name), contents);
    console.log(`${join(shown, name)}  ${(contents.length / 1024).toFixed(1)} kB`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
