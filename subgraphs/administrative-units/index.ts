import { runSubgraph } from '../../shared/subgraph/main';
import { administrativeUnits } from './subgraph';

/** Runs this subgraph as its own process: `tsx subgraphs/administrative-units/index.ts` (needs DATABASE_URL). */
runSubgraph(administrativeUnits, process.env).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
