import { parseArgs } from 'node:util';
import type { EntityType } from '../shared/config';
import { entityTypes, loadHubConfig } from '../hub/config';
import { redisLabel } from '../shared/cache';
import { createEntityCaching } from '../shared/cache/entityCache';

export const CACHE_HELP = `  npm run cli -- cache invalidate --tags Resident,Commune
      Makes every cached entry holding entities of these types unreachable at once, on every
      gateway and subgraph sharing REDIS_URL and CACHE_PREFIX (entity and response caches).
      Prints the new versions (exit code 0), or why it could not (exit code 1: Redis
      unreachable; 2: usage). Without REDIS_URL each process caches in its own memory, which
      nothing outside it can reach: restart it, or wait for the TTLs. Types:
      ${entityTypes().join(', ')}.
`;

/** The tags of `--tags`, checked against the entity types; throws naming the unknown ones. */
export function parseTags(value: string | undefined): EntityType[] {
  const tags = (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length === 0) throw new Error('--tags is required: a comma-separated list of entity types');
  const known = entityTypes();
  const unknown = tags.filter((t) => !known.includes(t));
  if (unknown.length > 0) throw new Error(`Unknown entity type(s) ${unknown.map((t) => `"${t}"`).join(', ')}; known: ${known.join(', ')}`);
  return [...new Set(tags)] as EntityType[];
}

/**
 * `cache <subcommand>` of the command line. Returns the process exit code: 0 done, 1 Redis
 * unreachable (nothing invalidated), 2 for a usage error.
 */
export async function cacheCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'invalidate') {
    const problem = subcommand === undefined ? 'Missing cache command' : `Unknown cache command "${subcommand}"`;
    console.error(`${problem}\n\n${CACHE_HELP}`);
    return 2;
  }
  let tags: EntityType[];
  try {
    const { values } = parseArgs({ args: rest, options: { tags: { type: 'string' } }, strict: true });
    tags = parseTags(values.tags);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${CACHE_HELP}`);
    return 2;
  }
  const config = loadHubConfig(env);
  if (!config.REDIS) {
    console.error(
      'REDIS_URL is not set (nor REDIS_CLUSTER_NODES): each process caches in its own memory, which this command cannot reach.',
    );
    return 1;
  }
  const caching = createEntityCaching({ redis: config.REDIS, prefix: config.CACHE_PREFIX, ttls: config.ENTITY_TTLS });
  try {
    await caching.bus.ready();
    if (caching.bus.consistent()) await caching.bus.invalidate(tags);
    // Not consistent: Redis did not answer, or the bump is only pending in this short-lived process.
    if (!caching.bus.consistent()) {
      console.error(`Redis at ${redisLabel(config.REDIS)} did not answer: nothing was invalidated.`);
      return 1;
    }
    console.log(`invalidated ${tags.join(', ')} (prefix "${config.CACHE_PREFIX}"): versions now ${caching.bus.version(tags)}`);
    return 0;
  } finally {
    await caching.close();
  }
}
