import { join } from 'node:path';
import type { StaticSite } from '../shared/http/staticFiles';

/**
 * The committed build the gateway serves at /dashboard (`npm run build:dashboard` writes it,
 * `npm run check:dashboard` fails when it is stale). Nothing here imports the build tools: a
 * production install has no devDependencies.
 */
export const DASHBOARD_DIST = join(__dirname, 'dist');

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/dashboard';

/**
 * The dashboard as a static site of the HTTP layer, under the same-origin-only CSP: it reads
 * `/graphql` and `/graphql/stream` of this origin and loads nothing else. It shows public
 * aggregates to anyone; an officer's dossiers only with the token they paste (never stored).
 */
export function dashboardSite(): StaticSite {
  return { prefix: DASHBOARD_PATH, dir: DASHBOARD_DIST };
}
