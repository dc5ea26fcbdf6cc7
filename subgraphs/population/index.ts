import { runSubgraph } from '../../shared/subgraph/main';
import { population } from './subgraph';

/** Runs this subgraph as its own process: `tsx subgraphs/population/index.ts` (needs DATABASE_URL). */
runSubgraph(population, process.env).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
