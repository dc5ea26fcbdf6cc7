import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { composeSupergraph, SUPERGRAPH_PATH } from './supergraph';

/**
 * `npm run compose` writes gateway/supergraph.graphql; `npm run check:supergraph` fails when the
 * committed file differs from what the subgraphs compose to today.
 */
const check = process.argv.includes('--check');
const composed = composeSupergraph();
if (check) {
  const committed = existsSync(SUPERGRAPH_PATH) ? readFileSync(SUPERGRAPH_PATH, 'utf8') : '';
  if (committed !== composed) {
    console.error(`${SUPERGRAPH_PATH} is stale: run \`npm run compose\` and commit the result.`);
    process.exit(1);
  }
  console.log('supergraph.graphql is up to date');
} else {
  writeFileSync(SUPERGRAPH_PATH, composed);
  console.log(`wrote ${SUPERGRAPH_PATH}`);
}
