import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { urlVariable } from '../shared/config';
import type { SubgraphManifest } from '../shared/subgraph/manifest';
import { subgraphs as registry } from '../subgraphs';

/** The repository root: entrypoints are given relative to it. */
export const REPO_ROOT = join(__dirname, '..');

/** A free TCP port on 127.0.0.1 (the OS picks it; free when asked, so start the server soon). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One subgraph to run as its own process: its entrypoint (relative to the repository), port and URL. */
export interface SubgraphProcess {
  name: string;
  entry: string;
  port: number;
  url: string;
}

/**
 * Separate processes for every subgraph, on free ports chosen up front so that each (and the
 * gateway) is told where the others are: the processes and the environment naming their URLs.
 */
export async function planSubgraphProcesses(
  subgraphs: readonly SubgraphManifest[] = registry,
): Promise<{ processes: SubgraphProcess[]; urlEnv: Record<string, string> }> {
  const processes = await Promise.all(
    subgraphs.map(async (s) => {
      const port = await freePort();
      return { name: s.name, entry: relative(REPO_ROOT, s.entrypoint), port, url: `http://127.0.0.1:${port}/graphql` };
    }),
  );
  return { processes, urlEnv: subgraphUrlEnv(Object.fromEntries(processes.map((p) => [p.name, p.url]))) };
}

/** Each subgraph's URL variable (`POPULATION_URL` …) set to its URL in `urls` (by service name). */
export function subgraphUrlEnv(urls: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(urls).map(([name, url]) => [urlVariable(name), url]));
}

/** No PostgreSQL server and no remote subgraphs: the gateway runs everything embedded, on PGlite. */
export function noServersEnv(subgraphs: readonly SubgraphManifest[] = registry): Record<string, string> {
  return { DATABASE_URL: '', ...Object.fromEntries(subgraphs.map((s) => [urlVariable(s.name), ''])) };
}
