// One linter (ESLint, type-aware rules off for speed; `tsc --noEmit` typechecks) and one formatter
// (Prettier, checked separately). The boundaries of STYLE.md are enforced here, between the
// top-level folders (none imports another that imports it back):
//   shared/     domain-free: imports no other folder
//   subgraphs/<name>/  only shared/ and itself (its tests may also use test/helpers)
//   subgraphs/index.ts the registry: the subgraphs' manifests (each loads its implementation lazily)
//   hub/        the composition root: shared/ and subgraphs/
//   gateway/    the runtime gateway: shared/; its entrypoint (main.ts, index.ts) also hub/ and explorer/site
//   explorer/   the explorer page (sources, committed bundle, site.ts): shared/ (and hub/operations for its examples)
//   dashboard/  the dashboard page (sources, committed bundle, site.ts): shared/ only; gateway/main.ts mounts dashboard/site
//   tools/      build time: the supergraph, schema docs, README table, compose services, the pages' bundles
//   cli/        hub/, tools/, shared/, and subgraphs' seed/ data tools
//   bench/      anything but test/ and cli/
// The subgraphs are read from the registry (subgraphs/index.ts), never listed here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const REGISTRY = readFileSync(join(import.meta.dirname, 'subgraphs', 'index.ts'), 'utf8');
const SUBGRAPHS = [...REGISTRY.matchAll(/from '\.\/([a-z0-9-]+)\/manifest'/g)].map((m) => m[1]);
if (SUBGRAPHS.length === 0) throw new Error('eslint.config.mjs: no subgraph found in the registry (subgraphs/index.ts)');

const restrict = (files, groups, message, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }] },
});
const folders = (...names) => names.map((n) => `**/${n}/**`);
const TESTS = ['**/__tests__/**'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      // What `npm run build` writes (tools/build.ts): generated from the sources checked here.
      'dist/**',
      '.data/**',
      'coverage/**',
      'bench-results/**',
      'test-artifacts/**',
      'explorer/dist/**',
      'dashboard/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  restrict(
    ['shared/**/*.ts'],
    folders('gateway', 'subgraphs', 'cli', 'hub', 'tools', 'bench', 'explorer', 'dashboard', 'test'),
    'shared/ is domain-free: it imports no other folder.',
    TESTS,
  ),
  restrict(
    ['shared/**/__tests__/**/*.ts'],
    folders('gateway', 'subgraphs', 'cli', 'hub', 'tools', 'bench', 'explorer'),
    'shared/ is domain-free (its tests may use test/helpers).',
  ),
  ...SUBGRAPHS.map((name) =>
    restrict(
      [`subgraphs/${name}/**/*.ts`],
      [...folders('gateway', 'cli', 'hub', 'tools', 'bench', 'explorer'), ...SUBGRAPHS.filter((o) => o !== name).map((o) => `**/${o}/**`)],
      'A subgraph imports only shared/ and itself; it knows other subgraphs through @key references in SDL only.',
    ),
  ),
  ...SUBGRAPHS.map((name) =>
    restrict([`subgraphs/${name}/**/*.ts`], folders('test'), 'Only a subgraph’s tests may use test/helpers.', [
      `subgraphs/${name}/**/__tests__/**`,
    ]),
  ),
  restrict(
    ['hub/**/*.ts'],
    folders('gateway', 'cli', 'tools', 'bench', 'explorer', 'test'),
    'hub/ composes shared/ and the subgraphs only.',
    TESTS,
  ),
  restrict(
    ['gateway/**/*.ts'],
    [...folders('subgraphs', 'cli', 'tools', 'bench', 'test'), '**/hub', '**/hub/**', '**/explorer/**', '**/dashboard/**'],
    'The runtime gateway knows no subgraph: it gets them from the composition root (hub/) in its entrypoint only.',
    ['gateway/index.ts', 'gateway/main.ts'],
  ),
  restrict(
    ['gateway/index.ts', 'gateway/main.ts'],
    [...folders('subgraphs', 'cli', 'tools', 'bench', 'test'), '**/explorer/src/**', '**/dashboard/src/**'],
    'The gateway’s entrypoint composes through hub/ and mounts the pages’ committed bundles (their site.ts); their sources and build (tools/) stay out of the runtime.',
  ),
  restrict(
    ['explorer/**/*.ts', 'explorer/**/*.tsx'],
    [...folders('gateway', 'subgraphs', 'cli', 'tools', 'bench', 'test'), '**/hub/seed/**'],
    'The explorer imports shared/ only.',
  ),
  restrict(
    ['dashboard/**/*.ts', 'dashboard/**/*.tsx'],
    [...folders('gateway', 'subgraphs', 'cli', 'tools', 'bench', 'test', 'explorer'), '**/hub', '**/hub/**'],
    'The dashboard imports shared/ only: it knows the graph through its GraphQL API.',
  ),
  restrict(
    ['tools/**/*.ts'],
    [...folders('cli', 'hub', 'bench', 'explorer', 'test')],
    'Build-time tools read the registry and the committed supergraph only.',
  ),
  restrict(
    ['cli/**/*.ts'],
    [
      ...folders('gateway', 'bench', 'explorer', 'test'),
      ...SUBGRAPHS.flatMap((n) => [`**/subgraphs/${n}/!(seed)`, `**/subgraphs/${n}/!(seed)/**`]),
    ],
    'The CLI composes through hub/ (and a subgraph’s seed/ data tools).',
    TESTS,
  ),
  restrict(['bench/**/*.ts'], folders('test', 'cli'), 'The bench imports no test helper and no CLI: shared operations live in hub/.'),
);
