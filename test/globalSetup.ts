import { openHubDatabase } from '../hub/database';
import { seedTestData } from './helpers/dataset';
import { ADMIN_URL, createDatabase, postgresAvailable, sql } from './helpers/postgres';
import { redisAvailable, TEST_REDIS_URL } from './helpers/cache';

/**
 * The cache suites run against the Redis at TEST_REDIS_URL (each under a key prefix of its own)
 * and on the in-process store; without Redis they skip their Redis half and say so, except in CI.
 */
async function checkRedis(): Promise<void> {
  if (await redisAvailable(TEST_REDIS_URL)) {
    process.env.LT_TEST_REDIS_URL = TEST_REDIS_URL;
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but Redis is not reachable at ${TEST_REDIS_URL}: the cache suites must run against it in CI.`);
  }
  console.warn(`\n[tests] Redis is not reachable at ${TEST_REDIS_URL}: the cache suites run on the in-process store only.\n`);
}

/**
 * Once per test run: with PostgreSQL reachable, create this run's own database, migrate and seed
 * it, and keep a pristine copy of it; suites then only read it, or write in a copy of their own. Without PostgreSQL the database
 * suites run on the embedded PGlite instead, and say so; in CI that is an error.
 */
export default async function globalSetup(): Promise<void> {
  await checkRedis();
  if (!(await postgresAvailable())) {
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but PostgreSQL is not reachable at ${ADMIN_URL}: the database suites must run on the real server in CI.`);
    }
    console.warn(
      `\n[tests] PostgreSQL is not reachable at ${ADMIN_URL}: the PostgreSQL suites run on the embedded PGlite instead, and the separate-process suite is skipped.\n`,
    );
    process.env.LT_TEST_DATABASE = 'pglite';
    return;
  }
  const url = await createDatabase('test');
  const db = await openHubDatabase({ kind: 'postgres', url });
  try {
    await seedTestData(db);
  } finally {
    await db.destroy();
  }
  // The same, untouched, for the suites that write (helpers/postgres.ts createSeededDatabase): copied
  // now, while nothing is connected to the run's database, and never connected to afterwards.
  const template = new URL(url);
  template.pathname = `${template.pathname}_seeded`;
  await sql(ADMIN_URL, `CREATE DATABASE "${template.pathname.slice(1)}" TEMPLATE "${new URL(url).pathname.slice(1)}"`);
  process.env.LT_TEST_DATABASE = 'postgres';
  process.env.LT_TEST_DATABASE_URL = url;
  process.env.LT_TEST_DATABASE_TEMPLATE = template.toString();
  console.log(`\n[tests] PostgreSQL: this run's database is ${new URL(url).pathname.slice(1)}\n`);
}
