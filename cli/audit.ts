import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { createAuditLog } from '../shared/audit';
import { checkpointSigner, checkpointVerifier, takeCheckpoint, verifyCheckpoints } from '../shared/audit/checkpoint';
import { loadCheckpointKeys } from '../shared/auth/keys';
import type { Config } from '../shared/config';

export const AUDIT_HELP = `  npm run cli -- audit verify [--batch-size N] [--checkpoint FILE]…
      Checks the personal-data access log's hash chain, entry by entry in id order, then every
      signed checkpoint of its head (and those in the FILEs given, kept outside the database: one
      checkpoint, as printed by "audit checkpoint", per file) with AUDIT_CHECKPOINT_PUBLIC_KEY_FILE:
      a checkpoint naming an entry that is gone or changed means the newest entries were cut off or
      the chain rewritten. After quarters were archived (partitions detach audit.entry PERIOD), the
      chain is checked from the last archived hash on, and the archived ids are reported. Prints "audit chain intact: N entries, M checkpoints" (exit code 0) or
      "audit chain BROKEN …: <reason>" (exit code 1). Reads DATABASE_URL, or the embedded PGlite.

  npm run cli -- audit checkpoint
      Signs the head of the access log with AUDIT_CHECKPOINT_PRIVATE_KEY_FILE, stores the checkpoint
      (serving processes with the key take one every AUDIT_CHECKPOINT_SECONDS) and prints it, to keep
      somewhere the database's administrators cannot write.
`;

function usage(problem: string): number {
  console.error(`${problem}\n\n${AUDIT_HELP}`);
  return 2;
}

/**
 * `audit <subcommand>` of the command line, over a DataSource whose database has the `audit`
 * schema. Returns the process exit code: 0 intact, 1 broken, 2 for a usage error.
 */
export async function auditCommand(args: string[], db: DataSource, config: Config): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === 'checkpoint') return checkpoint(rest, db, config);
  if (subcommand !== 'verify') return usage(subcommand === undefined ? 'Missing audit command' : `Unknown audit command "${subcommand}"`);
  let values: { 'batch-size'?: string | undefined; checkpoint?: string[] | undefined };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { 'batch-size': { type: 'string' }, checkpoint: { type: 'string', multiple: true } },
      strict: true,
    }));
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
    console.error(`--batch-size must be a positive integer, got "${values['batch-size']}"`);
    return 2;
  }
  let external: string[];
  try {
    external = (values.checkpoint ?? []).map((file) => readFileSync(file, 'utf8').trim());
  } catch (error) {
    console.error(`Cannot read a --checkpoint file: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const progress = process.stderr.isTTY ? (checked: number) => process.stderr.write(`\rchecked ${checked} entries…`) : undefined;
  const result = await createAuditLog(db).verify({ ...(batchSize ? { batchSize } : {}), ...(progress ? { onProgress: progress } : {}) });
  if (progress) process.stderr.write('\n');
  if (!result.ok) {
    console.log(`audit chain BROKEN at entry ${result.brokenId}: ${result.reason}`);
    return 1;
  }
  const { publicKeys } = await loadCheckpointKeys(config);
  const [{ count }] = (await db.query(`SELECT count(*)::int AS count FROM audit.checkpoint`)) as [{ count: number }];
  if (!publicKeys) {
    // A chain whose tail cannot be checked is not called intact.
    console.log(
      `audit chain consistent: ${result.checked} entries, but ${count + external.length} checkpoints NOT checked: ` +
        'set AUDIT_CHECKPOINT_PUBLIC_KEY_FILE (removal of the newest entries cannot be ruled out without it)',
    );
    return 1;
  }
  const checkpoints = await verifyCheckpoints(db, checkpointVerifier(publicKeys), external, batchSize);
  if (!checkpoints.ok) {
    console.log(`audit chain BROKEN: ${checkpoints.reason}`);
    return 1;
  }
  const archived = result.archived
    ? ` (after ${result.archived.entries} entries archived in ${result.archived.partitions} detached quarters` +
      `${result.archived.firstId ? `, ids ${result.archived.firstId}–${result.archived.lastId}` : ''})`
    : '';
  console.log(`audit chain intact: ${result.checked} entries${archived}, ${checkpoints.checked} checkpoints`);
  return 0;
}

async function checkpoint(args: string[], db: DataSource, config: Config): Promise<number> {
  if (args.length > 0) return usage(`Unexpected arguments: ${args.join(' ')}`);
  const { privateJwk } = await loadCheckpointKeys(config);
  if (!privateJwk) {
    console.error('Set AUDIT_CHECKPOINT_PRIVATE_KEY_FILE (the checkpoint key, from npm run cli -- keys)');
    return 2;
  }
  const taken = await takeCheckpoint(db, await checkpointSigner(privateJwk));
  if (!taken) {
    const [last] = (await db.query(`SELECT signature FROM audit.checkpoint ORDER BY id DESC LIMIT 1`)) as { signature: string }[];
    if (!last) {
      console.error('The access log is empty: nothing to checkpoint');
      return 0;
    }
    console.error('The newest checkpoint already names the head:');
    console.log(last.signature);
    return 0;
  }
  console.error(`Checkpoint ${taken.id}: entry ${taken.entryId} (${taken.hash}) at ${taken.at}`);
  console.log(taken.signature);
  return 0;
}
