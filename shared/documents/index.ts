import { createHash } from 'node:crypto';
import { Kind, parse } from 'graphql';
import { createRedis, delKeys, type RedisTarget } from '../cache';
import type { MigrationSet } from '../db';
import { CreateTrustedDocuments1780000000000 } from './migrations/1780000000000-CreateTrustedDocuments';

/**
 * Trusted documents (persisted operations): the operations a client application ships, published
 * ahead of time (`npm run cli -- documents publish`), so that a production gateway executes those
 * and nothing else (gateway/trustedDocuments.ts). Kept in PostgreSQL (`documents` schema), read
 * through Redis when configured; publishing and revoking drop the cached entries, so a revoked
 * document is refused by every gateway at its next request.
 */

/** The schema of the store's table, migrated with the hub (hub/database.ts). */
export const documentMigrations: MigrationSet = {
  name: 'documents',
  schema: 'documents',
  migrations: [CreateTrustedDocuments1780000000000],
};

/** A client application's name, as sent in `apollographql-client-name`. */
export const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** A document's id: the sha256 of its text, lowercase hex (what Apollo clients send as `sha256Hash`). */
export const DOCUMENT_ID = /^[0-9a-f]{64}$/;

export const documentId = (body: string): string => createHash('sha256').update(body).digest('hex');

/** What the store needs of a database: TypeORM's DataSource (PostgreSQL or PGlite) fits. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** The cache in front of the table (Redis in production; none without REDIS_URL). */
export interface DocumentCache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<unknown>;
  del(keys: string[]): Promise<unknown>;
}

export interface StoredDocument {
  client: string;
  id: string;
  operationName: string | null;
  publishedAt: string;
  revokedAt: string | null;
}

export interface PublishResult {
  published: number;
  /** Already published (same id): left as they were; a revoked one stays revoked. */
  unchanged: number;
}

/** A manifest's problems, all of them, before anything is written. */
export class ManifestError extends Error {}

/**
 * Reads a manifest: `{ "<client name>": { "<sha256 of the document>": "<document>" } }`. Every id
 * must be the sha256 of its text, and every document one parseable executable operation (named,
 * so metrics and logs can say which).
 */
export function readManifest(json: unknown): Map<string, Map<string, string>> {
  const problems: string[] = [];
  const result = new Map<string, Map<string, string>>();
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new ManifestError('A manifest is a JSON object: client name → { id: document }');
  for (const [client, documents] of Object.entries(json as Record<string, unknown>)) {
    if (!CLIENT_NAME.test(client)) problems.push(`client name "${client.slice(0, 40)}" is not 1–100 letters, digits, ".", "_" or "-"`);
    if (!documents || typeof documents !== 'object' || Array.isArray(documents)) {
      problems.push(`${client}: expected an object of id → document`);
      continue;
    }
    const entries = new Map<string, string>();
    for (const [id, body] of Object.entries(documents as Record<string, unknown>)) {
      if (typeof body !== 'string') {
        problems.push(`${client}/${id}: the document is not a string`);
        continue;
      }
      const expected = documentId(body);
      if (id.replace(/^sha256:/, '') !== expected) problems.push(`${client}/${id}: not the sha256 of its document (${expected})`);
      else if (!operationNameOf(body, (p) => problems.push(`${client}/${id}: ${p}`))) continue;
      else entries.set(expected, body);
    }
    result.set(client, entries);
  }
  if (problems.length > 0) throw new ManifestError(`The manifest is refused:\n  ${problems.join('\n  ')}`);
  return result;
}

function operationNameOf(body: string, problem: (p: string) => void): string | null {
  try {
    const operations = parse(body).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1) problem(`holds ${operations.length} operations; publish one per document`);
    else if (!operations[0]!.name) problem('the operation has no name');
    else return operations[0]!.name.value;
  } catch (error) {
    problem(`does not parse: ${error instanceof Error ? error.message : String(error)}`);
  }
  return null;
}

/** A published document stays cached an hour at most (revoking drops it at once). */
const POSITIVE_TTL_SECONDS = 3_600;
/** An unknown id is remembered briefly only: publishing drops it anyway. */
const NEGATIVE_TTL_SECONDS = 60;
const MISSING = '\u0000';

export interface DocumentStore {
  /** The text of a published, unrevoked document of this client; null otherwise. */
  get(client: string, id: string): Promise<string | null>;
  publish(client: string, documents: ReadonlyMap<string, string>): Promise<PublishResult>;
  list(client?: string): Promise<StoredDocument[]>;
  /** Revokes the given ids of a client (all of its documents without ids); returns how many. */
  revoke(client: string, ids?: readonly string[]): Promise<number>;
}

export function createDocumentStore(db: Queryable, cache?: DocumentCache, prefix = 'lt:'): DocumentStore {
  const key = (client: string, id: string) => `${prefix}doc:${client}:${id}`;
  // Every statement is a SELECT (writes in a CTE): TypeORM answers UPDATE … RETURNING as [rows, count].
  const rows = async (sql: string, params: unknown[]) => (await db.query(sql, params)) as Record<string, unknown>[];
  const drop = async (client: string, ids: readonly string[]) => {
    if (cache && ids.length > 0) await cache.del(ids.map((id) => key(client, id)));
  };
  return {
    async get(client, id) {
      if (!CLIENT_NAME.test(client) || !DOCUMENT_ID.test(id)) return null;
      const cached = cache ? await cache.get(key(client, id)).catch(() => null) : null;
      if (cached !== null) return cached === MISSING ? null : cached;
      const [row] = await rows(`SELECT body FROM documents.trusted_document WHERE client_name = $1 AND id = $2 AND revoked_at IS NULL`, [
        client,
        id,
      ]);
      const body = row ? String(row.body) : null;
      await cache?.set(key(client, id), body ?? MISSING, body ? POSITIVE_TTL_SECONDS : NEGATIVE_TTL_SECONDS).catch(() => undefined);
      return body;
    },
    async publish(client, documents) {
      if (!CLIENT_NAME.test(client)) throw new ManifestError(`client name "${client}" is not valid`);
      let published = 0;
      for (const [id, body] of documents) {
        if (documentId(body) !== id) throw new ManifestError(`${client}/${id}: not the sha256 of its document`);
        const inserted = await rows(
          `WITH inserted AS (INSERT INTO documents.trusted_document (client_name, id, body, operation_name) VALUES ($1, $2, $3, $4)
           ON CONFLICT (client_name, id) DO NOTHING RETURNING id) SELECT id FROM inserted`,
          [client, id, body, operationNameOf(body, () => undefined)],
        );
        published += inserted.length;
      }
      // Unknown ids may be cached as missing: drop them so the new documents run at once.
      await drop(client, [...documents.keys()]);
      return { published, unchanged: documents.size - published };
    },
    async list(client) {
      const found = await rows(
        `SELECT client_name, id, operation_name, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS published_at,
                to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS revoked_at
         FROM documents.trusted_document WHERE $1::text IS NULL OR client_name = $1 ORDER BY client_name, operation_name, id`,
        [client ?? null],
      );
      return found.map((r) => ({
        client: String(r.client_name),
        id: String(r.id),
        operationName: (r.operation_name as string | null) ?? null,
        publishedAt: String(r.published_at),
        revokedAt: (r.revoked_at as string | null) ?? null,
      }));
    },
    async revoke(client, ids) {
      const revoked = await rows(
        `WITH revoked AS (UPDATE documents.trusted_document SET revoked_at = now()
           WHERE client_name = $1 AND revoked_at IS NULL AND ($2::text[] IS NULL OR id = ANY($2::text[])) RETURNING id)
         SELECT id FROM revoked`,
        [client, ids ? [...ids] : null],
      );
      await drop(
        client,
        revoked.map((r) => String(r.id)),
      );
      return revoked.length;
    },
  };
}

/**
 * The store's cache on Redis (one server or a cluster): short timeouts, no offline queue (the table
 * answers when Redis does not). A document's key is its own slot; a revocation deletes key by key.
 */
export function redisDocumentCache(target: RedisTarget): DocumentCache & { ready(timeoutMs?: number): Promise<void>; close(): void } {
  const redis = createRedis(target, { maxRetriesPerRequest: 1, autoPipelining: true, onError: () => undefined });
  return {
    /** For the command line: a revocation must reach Redis, so it waits for the connection (and fails without one). */
    ready: (timeoutMs = 3_000) =>
      redis.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`Redis (REDIS_URL or REDIS_CLUSTER_NODES) did not answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
            redis.once('ready', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
    get: (key) => redis.get(key),
    set: (key, value, ttlSeconds) => redis.set(key, value, 'EX', ttlSeconds),
    del: (keys) => delKeys(redis, keys),
    close: () => redis.disconnect(),
  };
}
