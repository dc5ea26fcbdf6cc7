import pg from 'pg';

/**
 * Counts every statement this process sends to PostgreSQL through node-postgres (TypeORM's driver,
 * so every loader, list, audit append, BEGIN and COMMIT). Imported for its side effect before the
 * gateway starts; the bench reads the count over IPC when the server has no pg_stat_statements.
 * On request it also records them (text, parameters, connection), for the SQL floor (bench/floor.ts).
 */
let statements = 0;

/** A statement as this process sent it. */
export interface RecordedStatement {
  text: string;
  /** Its parameters as given to node-postgres, dates as ISO strings (the same instant). */
  values: unknown[];
  /** Which connection sent it: 0, 1, … in the order the connections first appear in the recording. */
  connection: number;
}

let recording: { statements: RecordedStatement[]; connections: Map<pg.Client, number> } | null = null;

/** Parameters fit to cross the IPC channel (JSON) and mean the same to PostgreSQL once sent again. */
function portable(value: unknown, text: string): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => portable(v, text));
  if (typeof value === 'bigint') return String(value);
  if (value instanceof Uint8Array) throw new Error(`cannot record a binary parameter (statement: ${text.slice(0, 200)})`);
  return value;
}

function record(client: pg.Client, args: unknown[]): void {
  const [first, second] = args;
  const config = typeof first === 'string' ? { text: first, values: second } : (first as { text: string; values?: unknown });
  const text = config.text;
  const values = Array.isArray(config.values) ? config.values : Array.isArray(second) ? second : [];
  const connections = recording!.connections;
  if (!connections.has(client)) connections.set(client, connections.size);
  recording!.statements.push({ text, values: values.map((v: unknown) => portable(v, text)), connection: connections.get(client)! });
}

const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  statements += 1;
  if (recording) record(this, args);
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

/** Statements sent since the process started. */
export function statementCount(): number {
  return statements;
}

/** Starts recording every statement sent (again from empty), or stops and returns what was recorded. */
export const statementRecorder = {
  start(): void {
    recording = { statements: [], connections: new Map() };
  },
  stop(): RecordedStatement[] {
    const recorded = recording?.statements ?? [];
    recording = null;
    return recorded;
  },
};
