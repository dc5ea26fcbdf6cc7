import type { BlockList } from 'node:net';
import { z } from 'zod';
import { loadConfig, type Config } from '../shared/config';
import type { SubgraphManifest } from '../shared/subgraph/manifest';
import { trustedProxies } from './clientAddress';

/** The settings only the gateway reads, beside the hub's (shared/config.ts). */
const gatewaySettings = z.object({
  /**
   * Milliseconds a gateway goes on serving after SIGTERM turned its `/ready` to 503, before it
   * closes its listener: set it above the load balancer's time to take a replica out of rotation
   * (deploy/haproxy.cfg: 1 s + 2 × 0.5 s; docker-compose.yml sets 3000). 0 (default): no load
   * balancer, close at once. The drain comes before SHUTDOWN_TIMEOUT_MS.
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  /**
   * The load balancers in front of the gateway, as addresses and CIDR ranges
   * (`10.0.0.5,172.16.0.0/12`): from them, X-Forwarded-For says who the client is (its rightmost
   * address they did not add), for the rate limit and the live limits of anonymous callers. Empty
   * (default): the connection's peer is the client.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((value, ctx): BlockList | null => {
      const entries = value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      if (entries.length === 0) return null;
      try {
        return trustedProxies(entries);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^TRUSTED_PROXIES: /, '') });
        return z.NEVER;
      }
    }),
});

/** The variables the gateway reads beside the hub's: for checks of deployment files (docker-compose.yml). */
export const GATEWAY_VARIABLES: readonly string[] = Object.keys(gatewaySettings.shape);

export type GatewayConfig = Config & z.infer<typeof gatewaySettings>;

/**
 * The gateway's configuration: the hub's, for every subgraph of the registry (`subgraphs`, from
 * hub/; CACHE_TTLS checked against their types), and its own, every bad variable of both reported at once.
 */
export function loadGatewayConfig(env: Record<string, string | undefined>, subgraphs: readonly SubgraphManifest[]): GatewayConfig {
  const issues: string[] = [];
  let hub: Config | undefined;
  try {
    hub = loadConfig(env, { subgraphs, complete: true });
  } catch (error) {
    issues.push((error as Error).message.replace(/^Invalid configuration:\n/, ''));
  }
  const given = Object.fromEntries(Object.entries(env).filter(([name, v]) => name in gatewaySettings.shape && v !== undefined && v !== ''));
  const own = gatewaySettings.safeParse(given);
  if (!own.success) issues.push(...own.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`));
  if (!hub || !own.success) throw new Error(`Invalid configuration:\n${issues.join('\n')}`);
  return { ...hub, ...own.data };
}
