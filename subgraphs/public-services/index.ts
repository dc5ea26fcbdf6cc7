import { runSubgraph } from '../../shared/subgraph/main';
import { publicServices } from './subgraph';

/** Runs this subgraph as its own process: `tsx subgraphs/public-services/index.ts` (needs DATABASE_URL). */
runSubgraph(publicServices, process.env).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
