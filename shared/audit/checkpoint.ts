/**
 * Signed checkpoints of the access log's head, so that cutting off the newest entries, or
 * rewriting the chain from some entry on, is detected by `audit verify` even though the chain
 * itself stays consistent after either.
 *
 * A checkpoint is a compact JWS (ES256) of `{"v":1,"entryId","hash","at"}`: the id and hash of the
 * newest entry when it was taken, and when. It is signed with a key the database does not hold
 * (AUDIT_CHECKPOINT_PRIVATE_KEY_FILE, given to the processes that take checkpoints) and appended to
 * `audit.checkpoint`, which application roles may only read and append to. Each one is also
 * returned (and printed by `npm run cli -- audit checkpoint`) to keep outside the database: a copy
 * there still catches an owner who removed checkpoints along with the entries.
 *
 * Verifying (with the public key) checks every checkpoint's signature and that the entry it names
 * is still in the chain with the same hash, or was archived with a detached quarter (archive.ts).
 *
 * @module
 */
import { CompactSign, compactVerify, createLocalJWKSet, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import type { DataSource } from 'typeorm';
import type { Logger } from '../observability/logger';
import { loadCheckpointKeys } from '../auth/keys';
import type { Config } from '../config';
import { startPeriodic } from '../periodic';

/** Signs checkpoints (the private half); `kid` names the key in each signature. */
export interface CheckpointSigner {
  sign(payload: string): Promise<string>;
}

/** Checks a checkpoint's signature and returns its payload; throws when it is not valid. */
export interface CheckpointVerifier {
  verify(jws: string): Promise<string>;
}

/** What a checkpoint states. */
export interface CheckpointPayload {
  v: 1;
  /** The newest entry's id when it was taken (decimal string). */
  entryId: string;
  hash: string;
  /** When it was taken (ISO 8601). */
  at: string;
}

/** A stored checkpoint. */
export interface Checkpoint extends CheckpointPayload {
  /** Its row id in `audit.checkpoint`. */
  id: string;
  /** The compact JWS to keep elsewhere. */
  signature: string;
}

const ALGORITHM = 'ES256';

export async function checkpointSigner(privateJwk: JWK): Promise<CheckpointSigner> {
  const key = await importJWK(privateJwk, ALGORITHM);
  return {
    sign: (payload) =>
      new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: ALGORITHM, ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
        .sign(key),
  };
}

/** Verifies with one public key or a key set (rotation: old checkpoints keep verifying with their key). */
export function checkpointVerifier(keys: JWK | JSONWebKeySet): CheckpointVerifier {
  const set = createLocalJWKSet('keys' in keys ? (keys as JSONWebKeySet) : { keys: [keys as JWK] });
  return {
    async verify(jws) {
      const { payload } = await compactVerify(jws, set, { algorithms: [ALGORITHM] });
      return new TextDecoder().decode(payload);
    },
  };
}

/** Reads a payload; throws on anything but the shape a signer writes. */
function parsePayload(text: string): CheckpointPayload {
  const value = JSON.parse(text) as Partial<CheckpointPayload>;
  if (value.v !== 1 || typeof value.entryId !== 'string' || !/^[1-9][0-9]{0,18}$/.test(value.entryId)) throw new Error('not a checkpoint');
  if (typeof value.hash !== 'string' || !/^[0-9a-f]{64}$/.test(value.hash) || typeof value.at !== 'string')
    throw new Error('not a checkpoint');
  return value as CheckpointPayload;
}

/** Key of the advisory lock under which one checkpoint is taken: "auditcp" in ASCII. */
const CHECKPOINT_LOCK_KEY = 0x61756469746370;

/**
 * Takes a checkpoint of the head, unless there is no entry yet or the newest checkpoint already
 * names the head (replicas taking them at once write one). Returns it, or null.
 */
export async function takeCheckpoint(db: DataSource, signer: CheckpointSigner): Promise<Checkpoint | null> {
  return db.transaction(async (em) => {
    await em.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [CHECKPOINT_LOCK_KEY]);
    const [row] = (await em.query(
      `SELECT (SELECT id::text FROM audit.entry ORDER BY id DESC LIMIT 1) AS head_id,
              (SELECT hash FROM audit.entry ORDER BY id DESC LIMIT 1) AS head_hash,
              (SELECT entry_id::text FROM audit.checkpoint ORDER BY id DESC LIMIT 1) AS last_id`,
    )) as { head_id: string | null; head_hash: string | null; last_id: string | null }[];
    if (!row?.head_id || !row.head_hash || row.head_id === row.last_id) return null;
    const payload: CheckpointPayload = { v: 1, entryId: row.head_id, hash: row.head_hash, at: new Date().toISOString() };
    const signature = await signer.sign(JSON.stringify(payload));
    const [inserted] = (await em.query(
      `INSERT INTO audit.checkpoint (entry_id, entry_hash, signature) VALUES ($1::bigint, $2, $3) RETURNING id::text AS id`,
      [payload.entryId, payload.hash, signature],
    )) as { id: string }[];
    return { ...payload, id: inserted!.id, signature };
  });
}

export type CheckpointsResult = { ok: true; checked: number } | { ok: false; checked: number; reason: string };

/**
 * Checks every stored checkpoint (and `external` ones, kept outside the database) against the
 * chain: a valid signature, columns equal to what it signs, and its entry still there with the
 * same hash. Reports the first that fails, saying what it means.
 */
export async function verifyCheckpoints(
  db: DataSource,
  verifier: CheckpointVerifier,
  external: readonly string[] = [],
  batchSize = 1000,
): Promise<CheckpointsResult> {
  const [last] = (await db.query(`SELECT id::text AS id FROM audit.entry ORDER BY id DESC LIMIT 1`)) as { id: string }[];
  // Entries of detached quarters (archive.ts) are gone on purpose: a checkpoint naming one is checked
  // against the archive's record where it names the last entry of a quarter, and otherwise passes.
  const archive = (await db.query(
    `SELECT first_id::text AS first, last_id::text AS last, last_hash AS hash FROM audit.archive WHERE last_id IS NOT NULL`,
  )) as { first: string; last: string; hash: string }[];
  const archivedUpTo = archive.reduce((max, a) => (BigInt(a.last) > max ? BigInt(a.last) : max), 0n);
  const headId = last ? BigInt(last.id) : archivedUpTo;
  let checked = 0;
  const check = async (rows: { id: string | null; entry_id: string; entry_hash: string; signature: string }[]): Promise<string | null> => {
    const payloads: CheckpointPayload[] = [];
    for (const row of rows) {
      const name = row.id ? `checkpoint ${row.id}` : 'the checkpoint given';
      let payload: CheckpointPayload;
      try {
        payload = parsePayload(await verifier.verify(row.signature));
      } catch {
        return `${name} has no valid signature (forged, altered, or signed with another key)`;
      }
      if (row.id && (payload.entryId !== row.entry_id || payload.hash !== row.entry_hash)) {
        return `${name} was altered: its columns differ from what it signs`;
      }
      payloads.push(payload);
    }
    const ids = payloads.map((p) => p.entryId);
    const found = new Map(
      (
        (await db.query(`SELECT id::text AS id, hash FROM audit.entry WHERE id = ANY($1::bigint[])`, [ids])) as {
          id: string;
          hash: string;
        }[]
      ).map((e) => [e.id, e.hash]),
    );
    for (const [i, payload] of payloads.entries()) {
      const name = rows[i]!.id ? `checkpoint ${rows[i]!.id} (${payload.at})` : `the checkpoint given (${payload.at})`;
      const archived = archive.find((a) => BigInt(a.first) <= BigInt(payload.entryId) && BigInt(payload.entryId) <= BigInt(a.last));
      if (archived && !found.has(payload.entryId)) {
        if (archived.last === payload.entryId && archived.hash !== payload.hash) {
          return `${name} names archived entry ${payload.entryId} with another hash than the archive records: the chain was rewritten`;
        }
        checked += 1;
        continue;
      }
      const hash = found.get(payload.entryId);
      if (hash === undefined && BigInt(payload.entryId) > headId) {
        return `${name} names entry ${payload.entryId}, but the chain ends at ${headId}: the newest entries were removed`;
      }
      if (hash === undefined) return `${name} names entry ${payload.entryId}, which is missing: entries were removed`;
      if (hash !== payload.hash) return `${name} names entry ${payload.entryId} with another hash: the chain was rewritten from there on`;
      checked += 1;
    }
    return null;
  };
  let after = '0';
  for (;;) {
    const rows = (await db.query(
      `SELECT id::text AS id, entry_id::text AS entry_id, entry_hash, signature FROM audit.checkpoint
       WHERE id > $1::bigint ORDER BY id LIMIT $2`,
      [after, batchSize],
    )) as { id: string; entry_id: string; entry_hash: string; signature: string }[];
    const problem = await check(rows);
    if (problem) return { ok: false, checked, reason: problem };
    if (rows.length < batchSize) break;
    after = rows.at(-1)!.id;
  }
  const problem = await check(external.map((signature) => ({ id: null, entry_id: '', entry_hash: '', signature })));
  return problem ? { ok: false, checked, reason: problem } : { ok: true, checked };
}

/**
 * Takes a checkpoint every `intervalMs` while the process runs, one at a time (see {@link takeCheckpoint}; safe on
 * every replica). Returns the function that stops it (waiting for one under way); entries of the
 * last interval are covered by the next checkpoint any process takes.
 */
export function startCheckpoints(db: DataSource, signer: CheckpointSigner, intervalMs: number, log: Logger): () => Promise<void> {
  return startPeriodic({
    intervalMs,
    immediately: false,
    run: async () => void (await takeCheckpoint(db, signer)),
    onError: (error) => log.warn({ err: error }, 'audit checkpoint not taken: retried at the next interval'),
  });
}

/**
 * The checkpoints of a serving process, as configured (AUDIT_CHECKPOINT_SECONDS, the private key of
 * loadCheckpointKeys): started, and the function that stops them; null when it takes none.
 */
export async function auditCheckpoints(config: Config, db: DataSource, log: Logger): Promise<(() => Promise<void>) | null> {
  if (config.AUDIT_CHECKPOINT_SECONDS === 0) return null;
  const { privateJwk } = await loadCheckpointKeys(config);
  if (!privateJwk) {
    log.warn(
      'no AUDIT_CHECKPOINT_PRIVATE_KEY_FILE: this process takes no audit checkpoints (another must, or a scheduled npm run cli -- audit checkpoint)',
    );
    return null;
  }
  return startCheckpoints(db, await checkpointSigner(privateJwk), config.AUDIT_CHECKPOINT_SECONDS * 1000, log);
}
