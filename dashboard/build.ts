import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildDashboard, DASHBOARD_DIST, dashboardDifferences, readCommittedDashboard } from './bundle';

/**
 * `npm run build:dashboard` bundles the dashboard into dashboard/dist (commit the result);
 * `npm run check:dashboard` fails when the committed bundle differs from what the sources and the
 * lockfile build today.
 */
async function main(): Promise<void> {
  const built = await buildDashboard();
  const shown = relative(process.cwd(), DASHBOARD_DIST) || DASHBOARD_DIST;
  if (process.argv.includes('--check')) {
    const stale = dashboardDifferences(built, readCommittedDashboard());
    if (stale.length > 0) {
      console.error(`${shown} is stale (${stale.join(', ')}): run \`npm run build:dashboard\` and commit the result.`);
      process.exit(1);
    }
    console.log('the dashboard bundle is up to date');
    return;
  }
  rmSync(DASHBOARD_DIST, { recursive: true, force: true });
  mkdirSync(DASHBOARD_DIST, { recursive: true });
  for (const [name, contents] of built) {
    writeFileSync(join(DASHBOARD_DIST, name), contents);
    console.log(`${join(shown, name)}  ${(contents.length / 1024).toFixed(1)} kB`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
