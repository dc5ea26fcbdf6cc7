import { COMPOSE_FILE, GENERATED_FILES, README_TABLE_FILE, runGenerated, SUPERGRAPH_FILE } from './artifacts';

/**
 * `npm run compose` writes gateway/supergraph.graphql, then docs/schema.md, which is generated
 * from it, README.md's subgraph table and docker-compose.yml's subgraph services; `npm run
 * check:supergraph` (`--check`) fails when the committed supergraph, the table or the services
 * differ from what the registry gives today.
 */
const check = process.argv.includes('--check');
process.exitCode = check
  ? runGenerated([SUPERGRAPH_FILE, README_TABLE_FILE, COMPOSE_FILE], 'check')
  : runGenerated(GENERATED_FILES, 'write');
