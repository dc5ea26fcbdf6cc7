import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';

/**
 * `npm run build`: the hub as plain JavaScript in `dist/`, what the image runs (`node
 * dist/gateway/index.js`). Development runs the TypeScript through tsx, which compiles every module
 * when it is loaded and turns on source maps for the whole process, so Node reads and keeps the
 * source map of every package that ships one: measured on the remote gateway, 163 MB of RSS at rest
 * under tsx against 134 MB for the same code built (Node 20), and no compiler at start.
 *
 * Each TypeScript file is transpiled on its own (esbuild `transform`, CommonJS, as tsconfig's
 * `module`), not bundled: `dist/` mirrors the repository, so a module's `__dirname` finds the files
 * beside it (SDL, seed data, the pages' committed bundles), which are copied as they are. Types are
 * not checked here (`npm run check:types` does). Tests, the bench and the pages' browser sources
 * (`src/`, already in the committed bundles) are left out.
 */

/** What the hub runs from: its folders (all but tests and the pages' sources) and the files it reads at run time. */
export const ROOTS: readonly string[] = ['gateway', 'shared', 'subgraphs', 'hub', 'cli', 'tools', 'dashboard', 'explorer'];
const LEFT_OUT = [/(^|\/)__tests__\//, /^(dashboard|explorer)\/src\//, /(^|\/)tsconfig\.json$/, /\.md$/];

/** The files under the roots, relative to `root` (a walk, not git: the image builds without .git). */
function sourceFiles(root: string, roots: readonly string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(path);
      return entry.isFile() ? [path] : [];
    });
  return roots.flatMap(walk).filter((file) => !LEFT_OUT.some((pattern) => pattern.test(file)));
}

/**
 * Node's flags for a gateway, in docker-compose.yml's gateway command and the bench's gateways
 * (test/deployment.test.ts checks the former): a smaller young generation, since a gateway holds
 * thousands of idle live streams. Measured on Node 24 with 10,000 SSE subscribers (npm run bench,
 * live part, tsx): peak RSS 490 → 390 MB, delivery p99 74 → 131 ms.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

/** Where the build puts an entrypoint given relative to the repository: `gateway/index.ts` → `dist/gateway/index.js`. */
export function builtEntry(entry: string, out = 'dist'): string {
  return `${out}/${entry.replace(/\.ts$/, '.js')}`;
}

/** Builds the repository at `root` into `out` (emptied first); returns how many modules and files it wrote. */
export async function buildHub(root: string, out: string, roots: readonly string[] = ROOTS): Promise<{ modules: number; files: number }> {
  rmSync(out, { recursive: true, force: true });
  // The compiler options tsx applies in development (decorators for the TypeORM entities …).
  const tsconfigRaw = await readFile(join(root, 'tsconfig.json'), 'utf8');
  let modules = 0;
  let files = 0;
  for (const file of sourceFiles(root, roots)) {
    const target = join(out, file);
    mkdirSync(dirname(target), { recursive: true });
    if (file.endsWith('.ts') && !file.endsWith('.d.ts')) {
      const source = await readFile(join(root, file), 'utf8');
      const { code } = await transform(source, {
        loader: 'ts',
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        sourcefile: file,
        tsconfigRaw,
      });
      writeFileSync(target.replace(/\.ts$/, '.js'), code);
      modules++;
    } else if (!file.endsWith('.ts')) {
      copyFileSync(join(root, file), target);
      files++;
    }
  }
  return { modules, files };
}

if (require.main === module) {
  const root = resolve(__dirname, '..');
  const out = resolve(root, process.argv[2] ?? 'dist');
  void buildHub(root, out).then(
    ({ modules, files }) => console.log(`built ${modules} modules and copied ${files} files into ${relative(root, out) || '.'}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
