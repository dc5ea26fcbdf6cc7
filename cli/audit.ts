import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { createAuditLog } from '../shared/audit';

export const AUDIT_HELP = `  npm run cli -- audit verify [--batch-size N]
      Checks the personal-data access log's hash chain, entry by entry in id order, and prints
      "audit chain intact: N entries" (exit code 0) or "audit chain BROKEN at entry <id>: <reason>"
      (exit code 1). Reads DATABASE_URL, or the embedded PGlite in PGLITE_DIR.
`;

/**
 * `audit <subcommand>` of the command line, over a DataSource whose database has the `audit`
 * schema. Returns the process exit code: 0 intact, 1 broken, 2 for a usage error.
 */
export async function auditCommand(args: string[], db: DataSource): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'verify') {
    const problem = subcommand === undefined ? 'Missing audit command' : `Unknown audit command "${subcommand}"`;
    console.error(`${problem}\n\n${AUDIT_HELP}`);
    return 2;
  }
  let values: { 'batch-size'?: string | undefined };
  try {
    ({ values } = parseArgs({ args: rest, options: { 'batch-size': { type: 'string' } }, strict: true }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${AUDIT_HELP}`);
    return 2;
  }
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
    console.error(`--batch-size must be a positive integer, got "${values['batch-size']}"`);
    return 2;
  }
  const progress = process.stderr.isTTY ? (checked: number) => process.stderr.write(`\rchecked ${checked} entries…`) : undefined;
  const result = await createAuditLog(db).verify({ ...(batchSize ? { batchSize } : {}), ...(progress ? { onProgress: progress } : {}) });
  if (progress) process.stderr.write('\n');
  if (result.ok) {
    console.log(`audit chain intact: ${result.checked} entries`);
    return 0;
  }
  console.log(`audit chain BROKEN at entry ${result.brokenId}: ${result.reason}`);
  return 1;
}
