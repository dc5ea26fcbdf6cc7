import { GENERATED_FILES, runGenerated, SUPERGRAPH_FILE } from './generated';

/**
 * `npm run compose` writes gateway/supergraph.graphql and then docs/schema.md, which is generated
 * from it; `npm run check:supergraph` (`--check`) fails when the committed supergraph differs from
 * what the subgraphs compose to today.
 */
const check = process.argv.includes('--check');
process.exitCode = check ? runGenerated([SUPERGRAPH_FILE], 'check') : runGenerated(GENERATED_FILES, 'write');
