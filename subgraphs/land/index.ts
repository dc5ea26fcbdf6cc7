import { runSubgraph } from '../../shared/subgraph/main';
import { land } from './subgraph';

/** Runs this subgraph as its own process: `tsx subgraphs/land/index.ts` (needs DATABASE_URL). */
runSubgraph(land, process.env).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
