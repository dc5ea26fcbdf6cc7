import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DASHBOARD_CLIENT, DASHBOARD_OPERATIONS } from './operations';
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

/**
 * The dashboard's trusted documents (id → text), which every gateway runs for its client name
 * without their being published: the page ships with the hub.
 */
export function dashboardDocuments(): { client: string; documents: ReadonlyMap<string, string> } {
  return {
    client: DASHBOARD_CLIENT,
    documents: new Map(DASHBOARD_OPERATIONS.map((text) => [createHash('sha256').update(text).digest('hex'), text])),
  };
}
