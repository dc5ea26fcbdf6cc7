import type { DataSource } from 'typeorm';
import type { Identity } from '../../shared/auth/identity';
import type { GraphQLResult, TestHub } from './hub';
import { TEST_PURPOSE } from './identities';

let sequence = 0;

/** Sends mutations through a test hub, each with a request id of its own to find its audit entries. */
export class WriteClient {
  private readonly requestIds = new WeakMap<GraphQLResult, string>();
  constructor(private readonly hub: TestHub) {}

  async mutate(
    field: string,
    inputType: string,
    input: Record<string, unknown>,
    selection: string,
    identity: Identity,
    purpose: string | null = TEST_PURPOSE,
  ): Promise<GraphQLResult> {
    const requestId = `write-${process.pid}-${++sequence}`;
    const result = await this.hub.run(
      `mutation ($input: ${inputType}!) { ${field}(input: $input) { ${selection} } }`,
      { input },
      {
        identity,
        purpose,
        requestId,
      },
    );
    this.requestIds.set(result, requestId);
    return result;
  }

  /** The audit entries of the request that produced `result`. */
  async auditOf(result: GraphQLResult): Promise<{ outcome: string; fields: string[]; subjects: string[]; purpose: string | null }[]> {
    return (await this.hub.db.query(
      `SELECT outcome, fields, subjects, purpose FROM audit.entry WHERE request_id = $1 AND fields[1] LIKE 'Mutation.%' ORDER BY id`,
      [this.requestIds.get(result)],
    )) as { outcome: string; fields: string[]; subjects: string[]; purpose: string | null }[];
  }
}

/** A fingerprint of every row of every table of `schema`: equal before and after means nothing was written. */
export async function digest(db: DataSource, schema: string): Promise<string> {
  const tables = (await db.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [
    schema,
  ])) as { name: string }[];
  const parts: string[] = [];
  for (const { name } of tables) {
    const [row] = (await db.query(
      `SELECT count(*)::text AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS h FROM ${schema}."${name}" t`,
    )) as { n: string; h: string }[];
    parts.push(`${name}:${row!.n}:${row!.h}`);
  }
  return parts.join(',');
}
