import type { SubgraphContext } from '../../shared/subgraph';
import type { Loaders } from './loaders';

/** What every resolver of this subgraph receives. */
export type Context = SubgraphContext<Loaders>;
