import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import type { writeKeyFiles } from '../../shared/auth/keys';
import { signToken } from './tokens';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { noServersEnv, planSubgraphProcesses } from '../../hub/processes';
import type { SubgraphManifest } from '../../shared/subgraph/manifest';
import { builtEntry } from '../../tools/build';
export { subgraphUrlEnv } from '../../hub/processes';

const ROOT = join(__dirname, '..', '..');
/**
 * tsx as a loader of the entrypoint's own Node process (the image runs the build instead, `node
 * dist/…js`: the same esbuild transform ahead of time; test/build.test.ts starts that). Not its CLI: that puts a process in between which, on SIGTERM, kills the server
 * with SIGKILL when the server's acknowledgement takes more than 30 ms (a busy event loop), so
 * that a graceful stop under load would cut requests.
 */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

export interface Service {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts an entrypoint (`gateway/index.ts`, `subgraphs/<name>/index.ts`) as its own process on a
 * free port, and resolves once it logs the URL it listens on: the TypeScript through tsx, or a
 * built `.js` file (`npm run build`) on plain Node, as the image runs it.
 */
export function startService(entry: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Service> {
  const args = entry.endsWith('.js') ? [join(ROOT, entry)] : ['--import', TSX_LOADER, join(ROOT, entry)];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      // A process killed by a signal has no exit code, only its signal.
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${entry} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1] && /ready/.test(output)) {
        clearTimeout(timer);
        resolve({ url: match[1], process: child, output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with code ${code}:\n${output}`));
    });
  });
}

/** POSTs a GraphQL operation as any HTTP client would. */
export async function postGraphQL(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: Record<string, unknown>; errors?: { extensions?: Record<string, unknown> }[] },
  };
}

/**
 * The development tokens `npm start` prints after it logged that it is ready (waits for them):
 * the central officer's, and the first resident's ID with their citizen token.
 */
export async function printedTokens(
  gateway: Service,
  timeoutMs = 10_000,
): Promise<{ central: string; citizenId: string; citizen: string }> {
  const started = Date.now();
  while (!gateway.output().includes('Mint others with')) {
    if (Date.now() - started > timeoutMs) throw new Error(`no development tokens printed within ${timeoutMs} ms:\n${gateway.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const central = /central \/ ministry:\s+(\S+)/.exec(gateway.output())?.[1];
  const citizen = /citizen (\d{12}):\s+(\S+)/.exec(gateway.output());
  if (!central || !citizen?.[1] || !citizen[2]) throw new Error(`unexpected token banner:\n${gateway.output()}`);
  return { central, citizenId: citizen[1], citizen: citizen[2] };
}

/** No PostgreSQL server and no remote subgraphs: the gateway runs everything embedded, on PGlite. */
export const NO_SERVERS: Record<string, string> = noServersEnv();

/** The environment of `npm start` on the embedded default, with its PGlite and development keys in `dir`. */
export function embeddedDefaultEnv(dir: string, seedResidents: number): Record<string, string> {
  return { PGLITE_DIR: join(dir, 'pglite'), DEV_KEYS_DIR: join(dir, 'keys'), SEED_RESIDENTS: String(seedResidents), ...NO_SERVERS };
}

/**
 * Starts every subgraph of the registry as its own process, on ports chosen up front so that each
 * is told where the others are (the existence checks of writes). `envOf` adds settings of one
 * subgraph's own. Resolves with the services and their URLs, in the registry's order.
 */
export async function startSubgraphs(
  env: Record<string, string>,
  envOf: (name: string) => Record<string, string> = () => ({}),
  subgraphs?: readonly SubgraphManifest[],
  /** The build to run (`npm run build`'s output, relative to the repository) instead of the TypeScript. */
  built?: string,
): Promise<{ services: Service[]; urls: string[]; urlEnv: Record<string, string>; byName: Record<string, Service> }> {
  const { processes, urlEnv } = await planSubgraphProcesses(subgraphs);
  const services = await Promise.all(
    processes.map((p) =>
      startService(built ? builtEntry(p.entry, built) : p.entry, { ...urlEnv, ...env, PORT: String(p.port), ...envOf(p.name) }),
    ),
  );
  const byName = Object.fromEntries(processes.map((p, i) => [p.name, services[i]!]));
  return { services, urls: processes.map((p) => p.url), urlEnv, byName };
}

/** The key files of a deployment, as `writeKeyFiles` (shared/auth/keys.ts) writes them. */
export type KeyFiles = Awaited<ReturnType<typeof writeKeyFiles>>;

/**
 * A gateway's environment in production mode with the deployment's key files (the test issuer's
 * JWKS): queries as text, since production's default runs published documents only
 * (trusted-documents.test.ts).
 */
export function productionGatewayEnv(files: KeyFiles): Record<string, string> {
  return {
    NODE_ENV: 'production',
    TRUSTED_DOCUMENTS: 'off',
    AUTH_ISSUER: 'lien-thong-dev',
    AUTH_JWKS_FILE: files.issuerJwks,
    INTERNAL_PRIVATE_KEY_FILE: files.internalPrivate,
    INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
  };
}

/** The headers of a CENTRAL officer (a token of the test issuer) stating `purpose`. */
export async function centralOfficer(files: KeyFiles, purpose: string): Promise<Record<string, string>> {
  const issuer = JSON.parse(readFileSync(files.issuerPrivate, 'utf8')) as JWK;
  return {
    authorization: `Bearer ${await signToken(issuer, { role: 'CENTRAL', org: 'Bộ Công an' }, { sub: 'ministry-1' })}`,
    'x-purpose': purpose,
  };
}
