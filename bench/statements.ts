import { Client } from 'pg';
import { askStats, type ChildServer } from './processes';

/** How the bench counts the SQL statements a gateway sends. */
export interface StatementCounting {
  /** Said in the output next to the numbers. */
  method: string;
  /** A counter that only grows; the bench takes differences around each measurement. */
  read(gateway: ChildServer): Promise<number>;
  close(): Promise<void>;
}

const PGSS_CALLS = `SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND query NOT LIKE '%pg_stat_statements%'`;

/**
 * The server's own count when it can give one: calls recorded by pg_stat_statements in the bench
 * database (the extension is created there if missing; it only works when the server preloads the
 * library). Otherwise the gateway's count of what its PostgreSQL client sent (bench/countStatements.ts).
 */
export async function statementCounting(databaseUrl: string): Promise<StatementCounting> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'lien-thong-bench' });
  await client.connect();
  let reason: string;
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query(PGSS_CALLS);
    return {
      method: 'pg_stat_statements (calls in the bench database)',
      read: async () => Number((await client.query<{ calls: string }>(PGSS_CALLS)).rows[0]?.calls ?? 0),
      close: () => client.end(),
    };
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  await client.end();
  return {
    method: `statements sent by the gateway's PostgreSQL client (pg_stat_statements unavailable: ${reason})`,
    read: async (gateway) => (await askStats(gateway)).statements ?? Number.NaN,
    close: async () => undefined,
  };
}
