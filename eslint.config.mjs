// One linter (ESLint, type-aware rules off for speed; `tsc --noEmit` typechecks) and one formatter
// (Prettier, checked separately). The boundaries of STYLE.md are enforced here:
//   shared/   imports neither gateway/ nor subgraphs/ nor cli/
//   subgraphs/<name>/ imports only shared/ and itself (tests may also use test/helpers)
//   gateway/ never reaches into a subgraph's internals, only the registry and shared/
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const SUBGRAPHS = ['administrative-units', 'population', 'land', 'enterprise', 'public-services'];

const restrict = (files, groups, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'coverage/**', 'bench-results/**', 'test-artifacts/**', 'gateway/explorer/dist/**'] },
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
  {
    ...restrict(
      ['shared/**/*.ts'],
      ['**/gateway/**', '**/subgraphs/**', '**/cli/**', '**/test/**'],
      'shared/ is domain-free: it imports neither the gateway, nor subgraphs, nor the CLI.',
    ),
    ignores: ['shared/**/__tests__/**'],
  },
  restrict(
    ['shared/**/__tests__/**/*.ts'],
    ['**/gateway/**', '**/subgraphs/**', '**/cli/**'],
    'shared/ is domain-free (its tests may use test/helpers).',
  ),
  ...SUBGRAPHS.map((name) =>
    restrict(
      [`subgraphs/${name}/**/*.ts`],
      ['**/gateway/**', '**/cli/**', ...SUBGRAPHS.filter((other) => other !== name).map((other) => `**/${other}/**`)],
      `A subgraph imports only shared/ and itself; it knows other subgraphs through @key references in SDL only.`,
    ),
  ),
  restrict(
    ['gateway/**/*.ts'],
    SUBGRAPHS.map((name) => `**/subgraphs/${name}/**`),
    'The gateway uses subgraphs through the registry (subgraphs/index.ts) only.',
  ),
);
