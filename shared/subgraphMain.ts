import { loadConfig } from './config';
import { createDataSource, migrate } from './db';
import { createHttpHandler, listen } from './http';
import { createLogger } from './logger';
import { stopGracefully } from './run';
import { createSubgraphServer } from './server';
import { createContext, type SubgraphModule } from './subgraph';

/**
 * The entrypoint of a subgraph running as its own process (subgraphs/<name>/index.ts): reads the
 * environment, migrates its own schema, loads its reference data and serves /graphql and /health.
 * Needs PostgreSQL: the embedded PGlite can only be shared inside one process (use `npm start`).
 */
export async function runSubgraph(module: SubgraphModule, env: Record<string, string | undefined>): Promise<void> {
  const config = loadConfig(env);
  const log = createLogger(module.name, config.LOG_LEVEL);
  if (!config.DATABASE_URL) throw new Error(`DATABASE_URL is required to run subgraph "${module.name}" as its own process`);
  const target = { kind: 'postgres' as const, url: config.DATABASE_URL };
  await migrate(target, [module]);
  const db = await createDataSource({ target, entities: module.entities, schema: module.schema });
  await db.initialize();
  if (module.seedReference) await module.seedReference(db);
  const apollo = createSubgraphServer(module, log);
  await apollo.start();
  const handler = createHttpHandler(apollo, {
    context: async () => createContext(module, db),
    health: async () => (await db.query('SELECT 1')).length === 1,
  });
  const { server, url } = await listen(handler, config.PORT, config.HOST);
  log.info({ url }, 'subgraph ready');
  stopGracefully({ http: server, apollo, db, log });
}
