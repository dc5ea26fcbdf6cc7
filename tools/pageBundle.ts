import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { dashboardDocuments } from '../dashboard/site';

/** A page the hub serves from a committed bundle: its folder holds `src/` (with `main.tsx`, `index.html`), its `tsconfig.json` and `dist/`. */
export interface Page {
  /** The page's name: the bundle's file names and its npm scripts (`build:<name>`, `check:<name>`). */
  name: string;
  dir: string;
  /** Constants the page's code reads, defined at build time (esbuild `define`, JSON values). */
  defines?: () => Record<string, unknown>;
}

const ROOT = join(__dirname, '..');

/**
 * The pages: the GraphQL explorer (React + GraphiQL; its fonts are `data:` URLs in the CSS) and the
 * evaluation dashboard (React, Vega-Lite, the graphql-sse client; system fonts).
 */
export const PAGES: Readonly<Record<'explorer' | 'dashboard', Page>> = {
  explorer: { name: 'explorer', dir: join(ROOT, 'explorer') },
  dashboard: {
    name: 'dashboard',
    dir: join(ROOT, 'dashboard'),
    // Its operations' ids, by text: the page sends them by id (trusted documents, dashboard/operations.ts).
    defines: () => ({ __DOCUMENT_IDS__: Object.fromEntries([...dashboardDocuments().documents].map(([id, text]) => [text, id])) }),
  },
};

/** Where a page's committed bundle lives (its `site.ts` serves the same folder). */
export const distOf = (page: Page) => join(page.dir, 'dist');

/**
 * Bundles a page with esbuild, in memory: `index.html`, `<name>.js`, `<name>.css` and the licences
 * of what they contain (`<name>.js.LEGAL.txt` …), by file name. Everything the page needs is inside
 * these files, so nothing is fetched from anywhere but the gateway. Deterministic for a given lockfile.
 */
export async function buildPage(page: Page): Promise<Map<string, Buffer>> {
  const src = join(page.dir, 'src');
  const result = await build({
    entryPoints: { [page.name]: join(src, 'main.tsx') },
    outdir: distOf(page),
    write: false,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome109', 'firefox115', 'safari16'],
    jsx: 'automatic',
    charset: 'utf8',
    legalComments: 'linked',
    define: {
      'process.env.NODE_ENV': '"production"',
      ...Object.fromEntries(Object.entries(page.defines?.() ?? {}).map(([name, value]) => [name, JSON.stringify(value)])),
    },
    tsconfig: join(page.dir, 'tsconfig.json'),
    logLevel: 'warning',
  });
  const files = new Map<string, Buffer>([['index.html', readFileSync(join(src, 'index.html'))]]);
  for (const file of result.outputFiles) files.set(basename(file.path), Buffer.from(file.contents));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** A page's committed build, by file name (empty when there is none). */
export function readCommittedPage(page: Page): Map<string, Buffer> {
  const dist = distOf(page);
  if (!existsSync(dist)) return new Map();
  const names = readdirSync(dist).sort((a, b) => a.localeCompare(b));
  return new Map(names.map((name) => [name, readFileSync(join(dist, name))]));
}

/** The names of the files that differ between two builds (added, removed or changed). */
export function bundleDifferences(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((name) => !a.get(name)?.equals(b.get(name) ?? Buffer.alloc(0)) || !b.has(name)).sort();
}
