import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadGatewayKeys } from '../gateway/auth';
import { purposeFrom } from '../gateway/context';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { subgraphUrls } from '../shared/config';
import { loadHubConfig } from '../hub';
import type { Identity, RequestMeta } from '../shared/auth/identity';
import { bodyHash, IDENTITY_HEADER, signIdentity } from '../shared/auth/internalToken';
import { answerStats } from './serverStats';

/**
 * The part of `@graphql-hive/gateway` used here, typed by hand: importing its typings would bring
 * graphql-yoga's augmentation of GraphQLErrorExtensions (`http.headers` as a record) into the
 * whole program, where Apollo's (a Map) is the one in force.
 */
interface HivePlugin {
  onRequestParse?(payload: { request: Request }): { onRequestParseDone(): Promise<void> };
  onFetch?(payload: {
    url: string;
    options: { body?: unknown; headers?: unknown };
    setOptions(options: object): void;
    context: unknown;
  }): Promise<void>;
}
interface HiveRuntime {
  (req: IncomingMessage, res: ServerResponse): void;
  dispose(): Promise<void> | void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createGatewayRuntime } = require('@graphql-hive/gateway') as {
  createGatewayRuntime(config: {
    supergraph: string;
    plugins: () => HivePlugin[];
    logging: string;
    landingPage: boolean;
    transportEntries: Record<string, { options: { deduplicateInflightRequests: boolean } }>;
  }): HiveRuntime;
};

/**
 * The peer gateway of the bench: Hive Gateway (`@graphql-hive/gateway`) serving the same committed
 * supergraph over the same subgraph processes. Our subgraphs trust nothing but the gateway's signed
 * identity, so a plugin does what our gateway does at the same points: it verifies the caller's
 * bearer token with the same keys (gateway/auth.ts) and signs each subgraph fetch for that subgraph
 * and that exact body (shared/auth/internalToken.ts). Nothing else of ours runs here: no query limits,
 * rate limit, response cache or metrics — the peer is measured as it comes, with one exception:
 * its deduplication of identical in-flight subgraph requests (on by default) is turned off. With
 * it, concurrent callers share one subgraph answer — measured here, 924 subgraph requests for
 * 9,200 client requests — which for personal data would hand one caller's answer to another
 * without the subgraph checking or auditing the second; the bench would compare a cache to none.
 */
async function main(): Promise<void> {
  const config = loadHubConfig(process.env);
  const keys = await loadGatewayKeys(config);
  const urls = subgraphUrls(config);
  // The committed supergraph names the compose hosts; point each subgraph at its process.
  let supergraph = readCommittedSupergraph();
  const names = new Map<string, string>();
  for (const [name, url] of Object.entries(urls)) {
    supergraph = supergraph.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]+`), `$1${url}`);
    names.set(url, name);
  }
  const identities = new WeakMap<object, { identity: Identity; meta: RequestMeta }>();
  const signing: HivePlugin = {
    onRequestParse({ request }) {
      // Verified once per request, kept by the Request object the context carries.
      return {
        async onRequestParseDone() {
          identities.set(request, {
            identity: await keys.authenticate(request.headers.get('authorization') ?? undefined),
            meta: {
              requestId: request.headers.get('x-request-id') ?? randomUUID(),
              purpose: purposeFrom(request.headers.get('x-purpose') ?? undefined),
            },
          });
        },
      };
    },
    async onFetch({ url, options, setOptions, context }) {
      const service = names.get(url);
      const request = (context as { request?: Request }).request;
      const caller = request ? identities.get(request) : undefined;
      if (!service || !caller || typeof options.body !== 'string') return;
      const { query, variables } = JSON.parse(options.body) as { query: string; variables?: unknown };
      const token = await signIdentity(keys.internal, service, caller.identity, caller.meta, bodyHash(query, variables));
      setOptions({ ...options, headers: { ...(options.headers as Record<string, string>), [IDENTITY_HEADER]: token } });
    },
  };
  const gateway = createGatewayRuntime({
    supergraph,
    plugins: () => [signing],
    logging: 'error',
    landingPage: false,
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },
  });
  const server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const { port } = server.address() as AddressInfo;
  console.log(`Hive Gateway ready at http://127.0.0.1:${port}/graphql`);
  answerStats(() => null);
  process.once('SIGTERM', () => {
    server.close();
    void Promise.resolve(gateway.dispose()).finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
