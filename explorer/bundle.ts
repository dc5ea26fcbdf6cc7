import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { EXPLORER_DIST } from './site';

export { EXPLORER_DIST };

/** The explorer's sources (React + GraphiQL, for the browser; their own tsconfig.json beside this file). */
export const EXPLORER_SRC = join(__dirname, 'src');

/**
 * Bundles the explorer with esbuild, in memory: `index.html`, `explorer.js`, `explorer.css` and the
 * licences of what they contain (`explorer.js.LEGAL.txt`, `explorer.css.LEGAL.txt`), by file name.
 * Everything the page needs is inside these files (GraphiQL's fonts are `data:` URLs in the CSS),
 * so nothing is fetched from anywhere but the gateway. Deterministic for a given lockfile.
 */
export async function buildExplorer(): Promise<Map<string, Buffer>> {
  const result = await build({
    entryPoints: { explorer: join(EXPLORER_SRC, 'main.tsx') },
    outdir: EXPLORER_DIST,
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
  const files = new Map<string, Buffer>([['index.html', readFileSync(join(EXPLORER_SRC, 'index.html'))]]);
  for (const file of result.outputFiles) files.set(basename(file.path), Buffer.from(file.contents));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** The committed build, by file name (empty when there is none). */
export function readCommittedExplorer(): Map<string, Buffer> {
  if (!existsSync(EXPLORER_DIST)) return new Map();
  const names = readdirSync(EXPLORER_DIST).sort((a, b) => a.localeCompare(b));
  return new Map(names.map((name) => [name, readFileSync(join(EXPLORER_DIST, name))]));
}

/** The names of the files that differ between two builds (added, removed or changed). */
export function explorerDifferences(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((name) => !a.get(name)?.equals(b.get(name) ?? Buffer.alloc(0)) || !b.has(name)).sort();
}
