import { runGenerated, SCHEMA_DOCS_FILE } from './artifacts';

/**
 * `npm run docs` writes docs/schema.md from the committed supergraph; `npm run check:docs`
 * (`--check`) fails when the committed reference differs from what it generates today.
 */
process.exitCode = runGenerated([SCHEMA_DOCS_FILE], process.argv.includes('--check') ? 'check' : 'write');
