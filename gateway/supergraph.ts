import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the committed supergraph lives: the gateway's schema and the offline schema reference (tools/ composes it). */
export const SUPERGRAPH_PATH = join(__dirname, 'supergraph.graphql');

export function readCommittedSupergraph(): string {
  return readFileSync(SUPERGRAPH_PATH, 'utf8');
}
