import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { DASHBOARD_DIST } from './site';

export { DASHBOARD_DIST };

/** The dashboard's sources (React, Vega-Lite and the graphql-sse client, for the browser; their own tsconfig.json beside this file). */
export const DASHBOARD_SRC = join(__dirname, 'src');

/**
 * Bundles the dashboard with esbuild, in memory: `index.html`, `dashboard.js`, `dashboard.css` and
 * the licences of what they contain (`dashboard.js.LEGAL.txt`), by file name. Everything the page
 * needs is inside these files (system fonts only; charts drawn in the page by Vega), so nothing is
 * fetched from anywhere but the gateway. Deterministic for a given lockfile.
 */
export async function buildDashboard(): Promise<Map<string, Buffer>> {
  const result = await build({
    entryPoints: { dashboard: join(DASHBOARD_SRC, 'main.tsx') },
    outdir: DASHBOARD_DIST,
    write: false,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome109', 'firefox115', 'safari16'],
    jsx: 'automatic',
    charset: 'utf8',
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    tsconfig: join(__dirname, 'tsconfig.json'),
    logLevel: 'warning',
  });
  const files = new Map<string, Buffer>([['index.html', readFileSync(join(DASHBOARD_SRC, 'index.html'))]]);
  for (const file of result.outputFiles) files.set(basename(file.path), Buffer.from(file.contents));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** The committed build, by file name (empty when there is none). */
export function readCommittedDashboard(): Map<string, Buffer> {
  if (!existsSync(DASHBOARD_DIST)) return new Map();
  const names = readdirSync(DASHBOARD_DIST).sort((a, b) => a.localeCompare(b));
  return new Map(names.map((name) => [name, readFileSync(join(DASHBOARD_DIST, name))]));
}

/** The names of the files that differ between two builds (added, removed or changed). */
export function dashboardDifferences(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((name) => !a.get(name)?.equals(b.get(name) ?? Buffer.alloc(0)) || !b.has(name)).sort();
}
