import { join } from 'node:path';
import type { StaticSite } from '../shared/http/staticFiles';

/**
 * The committed build the gateway serves at /explorer (`npm run build:explorer` writes it,
 * `npm run check:explorer` fails when it is stale). Nothing here imports the build tools: a
 * production install has no devDependencies.
 */
export const EXPLORER_DIST = join(__dirname, 'dist');

/** Where the explorer is served. */
export const EXPLORER_PATH = '/explorer';

/**
 * The explorer as a static site of the HTTP layer. `devTokens` (persona → token) are offered in
 * the page through `dev-tokens.json`, which is otherwise an empty list: pass them only when the
 * gateway runs on generated development keys, never in production.
 */
export function explorerSite(devTokens: Record<string, string> | null): StaticSite {
  const tokens = Object.entries(devTokens ?? {}).map(([persona, token]) => ({ persona, token }));
  return { prefix: EXPLORER_PATH, dir: EXPLORER_DIST, generated: { 'dev-tokens.json': JSON.stringify({ tokens }) } };
}
