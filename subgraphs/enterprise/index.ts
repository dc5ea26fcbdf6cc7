import { runSubgraph } from '../../shared/subgraph/main';
import { enterprise } from './subgraph';

/** Runs this subgraph as its own process: `tsx subgraphs/enterprise/index.ts` (needs DATABASE_URL). */
runSubgraph(enterprise, process.env).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
