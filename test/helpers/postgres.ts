import { Client } from 'pg';
import { openPglite, type DatabaseTarget } from '../../shared/db';

/** The server the suites use; `TEST_DATABASE_ADMIN_URL` overrides it. */
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a PostgreSQL server answers at {@link ADMIN_URL}. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function admin<T>(run: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates a database of this test run's own (so parallel runs never share data) and returns its URL. */
export async function createDatabase(label: string): Promise<string> {
  const url = newDatabaseUrl(label);
  await admin((c) => c.query(`CREATE DATABASE "${new URL(url).pathname.slice(1)}"`));
  return url;
}

/** The URL of a database name of this process's own, not yet created. */
function newDatabaseUrl(label: string): string {
  const name = `lien_thong_${label}_${process.pid}_${Date.now().toString(36)}_${(sequence++).toString(36)}`.toLowerCase();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
let sequence = 0;

/**
 * A database of the suite's own holding what the run's shared one held when the run began: a copy
 * (`CREATE DATABASE … TEMPLATE`, a file copy: about a second) of the pristine seeded database that
 * test/globalSetup.ts keeps for this, unconnected, under `LT_TEST_DATABASE_TEMPLATE`. Suites that
 * write take one, so suites running side by side never read each other's changes.
 */
export async function createSeededDatabase(label: string): Promise<string> {
  const template = process.env.LT_TEST_DATABASE_TEMPLATE;
  if (!template) throw new Error("no seeded template database: PostgreSQL is not this run's database");
  const url = newDatabaseUrl(label);
  await admin((c) => c.query(`CREATE DATABASE "${new URL(url).pathname.slice(1)}" TEMPLATE "${new URL(template).pathname.slice(1)}"`));
  return url;
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Drops roles a test created (after the databases they had privileges in are dropped). */
export async function dropRoles(names: readonly string[]): Promise<void> {
  await admin(async (c) => {
    for (const name of names) await c.query(`DROP ROLE IF EXISTS "${name}"`);
  });
}

/** `url` with another user (no password: the test server trusts loopback connections). */
export function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = '';
  return u.toString();
}

/** Runs one statement on `url` with a connection of its own and returns its rows. */
export async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * An empty database of the suite's own, for suites that migrate it themselves: on the run's
 * PostgreSQL server when it has one (`release` drops it), else a fresh in-memory PGlite (`release`
 * closes it). Destroy the DataSource over it before `release`.
 */
export async function openOwnTarget(label: string): Promise<{ target: DatabaseTarget; release(): Promise<void> }> {
  if (process.env.LT_TEST_DATABASE === 'postgres') {
    const url = await createDatabase(label);
    return { target: { kind: 'postgres', url }, release: () => dropDatabase(url) };
  }
  const pglite = await openPglite();
  return { target: { kind: 'pglite', pglite }, release: () => pglite.close() };
}
