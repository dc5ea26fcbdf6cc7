import pg from 'pg';

/**
 * Counts every statement this process sends to PostgreSQL through node-postgres (TypeORM's driver,
 * so every loader, list, audit append, BEGIN and COMMIT). Imported for its side effect before the
 * gateway starts; the bench reads the count over IPC when the server has no pg_stat_statements.
 */
let statements = 0;

const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

/** Statements sent since the process started. */
export function statementCount(): number {
  return statements;
}
