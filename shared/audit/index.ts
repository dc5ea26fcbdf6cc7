/**
 * The personal-data access log, after Estonia's X-Road / Data Tracker: every read of personal data,
 * allowed or denied, is appended to `audit.entry`, and each data subject can see who read what about
 * them, when and why.
 *
 * The module is domain-free: a subject is an opaque string (for us, a citizen's personal
 * identification number), a field an opaque name.
 *
 * ## Tamper evidence
 *
 * The table is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained: each
 * entry stores the hash of the one before it (`prev_hash`, 64 zeros for the first) and its own
 * `hash`, where
 *
 * ```
 * hash = lowercase hex SHA-256 of the UTF-8 bytes of
 *        JSON.stringify([prev_hash, id, at, request_id, service, actor, role, organisation,
 *                        purpose, subjects, fields, outcome, reason])
 * ```
 *
 * - `id` is the decimal string of the bigint id (so renumbering an entry breaks its hash);
 * - `at` is the stored timestamptz written by PostgreSQL as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC,
 *   always six fractional digits): the database's full microsecond precision, produced by the
 *   database on append and read back the same way on verify, so it round-trips exactly and a change
 *   of even one microsecond is detected (a JS Date would silently drop the microseconds);
 * - `organisation`, `purpose` and `reason` are a string or `null`; `subjects` and `fields` are JSON
 *   arrays of strings in their stored order;
 * - `JSON.stringify` is the ECMAScript one (no spaces, strings escaped per ECMA-262, non-ASCII
 *   characters as themselves). Strings that PostgreSQL would not store unchanged (containing NUL or
 *   a lone UTF-16 surrogate) are refused on append.
 *
 * {@link AuditLog.verify} recomputes every hash in id order and names the first entry that is
 * altered (its hash no longer matches its content) or whose predecessor was removed or replaced (its
 * `prev_hash` differs from the previous entry's `hash`).
 *
 * What the chain cannot show alone: removing the newest entries (the tail), or a rewrite of the
 * whole chain from some point on by someone with write access to the database. Both are caught by
 * the signed checkpoints of checkpoint.ts: the head's `(id, hash)` signed with a key the database
 * does not hold, in a table the application roles may only append to (and printed, to keep
 * elsewhere). The application's roles own neither the table nor the trigger and are granted
 * SELECT and INSERT only (shared/db/roles.ts), since a table owner can disable the trigger.
 *
 * ## Concurrency
 *
 * Appends are serialised by a transaction-scoped advisory lock ({@link APPEND_LOCK_KEY}); ids are
 * drawn from the sequence while it is held, so they increase along the chain. A trigger refuses a
 * fork even if some writer skipped the lock: an insert whose transaction does not hold the lock, or
 * whose entries do not extend the head of the chain (migration 1769200000000 says why it replaced
 * UNIQUE(prev_hash)).
 *
 * ## Archiving
 *
 * `audit.entry` is partitioned by quarter of `at`; a past quarter is detached and recorded in
 * `audit.archive` (archive.ts), and verification starts from the last archived hash.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { MigrationSet } from '../db';
import { badInput, ErrorCode } from '../graphql/errors';
import { MAX_PAGE_SIZE } from '../db/pagination';
import { CreateAudit1765000000000 } from './migrations/1765000000000-CreateAudit';
import { AuditCheckpoint1767000000000 } from './migrations/1767000000000-AuditCheckpoint';
import { PartitionAudit1769200000000 } from './migrations/1769200000000-PartitionAudit';
import { anchorBefore, archivedRange, type ArchivedRange } from './archive';

/** The `audit` schema and its migrations, to run with the subgraphs' in `migrate()`. */
export const auditMigrations: MigrationSet = {
  name: 'audit',
  schema: 'audit',
  migrations: [CreateAudit1765000000000, AuditCheckpoint1767000000000, PartitionAudit1769200000000],
};

/** `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Key of the advisory lock that serialises appends: "audit" in ASCII. */
export const APPEND_LOCK_KEY = 0x6175646974;

/** One read of personal data, as the service that served (or refused) it records it. */
export interface AuditRecord {
  /** The request's id (the same for every record a request produces). */
  requestId: string;
  /** The service that read the data (e.g. a subgraph name). */
  service: string;
  /** Stable id of the caller (officer account, citizen id, `anonymous`). */
  actor: string;
  role: string;
  organisation: string | null;
  /** Why the data was read (case or dossier reference), as stated with the request. */
  purpose: string | null;
  /** Whose data: opaque subject ids (personal identification numbers). May be empty for a refused search. */
  subjects: string[];
  /** Which fields were read (or asked for, when denied). */
  fields: string[];
  outcome: 'ALLOWED' | 'DENIED';
  /** Why access was denied; required when `outcome` is `DENIED`. */
  reason?: string | null;
}

/** A stored entry of the log. */
export interface AuditEntry extends AuditRecord {
  /** The bigint id, as a decimal string; increases along the chain. */
  id: string;
  /** When it was appended, ISO 8601 UTC with microseconds (`2025-07-01T08:30:00.123456Z`). */
  at: string;
  reason: string | null;
  prevHash: string;
  hash: string;
}

/** A page of a subject's accesses: `entries` newest first; `total` counts all of the subject's entries. */
export interface AccessPage {
  entries: AuditEntry[];
  total: number;
}

/**
 * `checked` counts the attached entries verified; `archived` (present once a quarter was archived)
 * says which ids left with detached quarters: the chain was checked from their last hash on.
 */
export type VerifyResult =
  { ok: true; checked: number; archived?: ArchivedRange } | { ok: false; checked: number; brokenId: string; reason: string };

export interface VerifyOptions {
  /** Entries read per query (default 1000). */
  batchSize?: number;
  /** Called after each batch with the number of entries checked so far. */
  onProgress?: (checked: number) => void;
}

/** Why {@link AuditLog.verify} stops at an entry; `checked` then counts the intact entries before it. */
export const BREAK_REASONS = {
  altered: 'hash mismatch (entry altered)',
  unlinked: 'prev_hash does not match previous entry (entry removed or reordered)',
  notGenesis: 'prev_hash of the first entry is not the genesis hash (earlier entries removed)',
  notAnchor: "prev_hash of the first entry is not the last archived entry's hash (entries removed after the archived ones)",
} as const;

export interface AuditLog {
  /**
   * Appends the records in one transaction, extending the chain in the order given; all or none are
   * stored. A no-op for `[]`. Throws a TypeError naming the record and field for a malformed record.
   */
  append(records: AuditRecord[]): Promise<void>;
  /**
   * The entries naming `subject`, newest first: at most `limit` (0…{@link MAX_PAGE_SIZE}) entries
   * with an id below `beforeId` (null for the newest). Pass the last entry's id to get the next page.
   */
  accessesTo(subject: string, page: { limit: number; beforeId: string | null }): Promise<AccessPage>;
  /**
   * Walks the whole chain in id order, `batchSize` entries per query (constant memory, any length),
   * and reports the first broken entry. Entries appended while it runs are checked too.
   */
  verify(options?: VerifyOptions): Promise<VerifyResult>;
}

interface EntryRow {
  id: string;
  at: string;
  request_id: string;
  service: string;
  actor: string;
  role: string;
  organisation: string | null;
  purpose: string | null;
  subjects: string[];
  fields: string[];
  outcome: 'ALLOWED' | 'DENIED';
  reason: string | null;
  prev_hash: string;
  hash: string;
}

// The output names `id` and `at` shadow the columns in ORDER BY: order by `entry.id`, never `id`
// (which would sort the text alias, putting 10 before 9).
const AT_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const COLUMNS = `id::text AS id, to_char(at AT TIME ZONE 'UTC', ${AT_FORMAT}) AS at, request_id, service, actor, role,
  organisation, purpose, subjects, fields, outcome, reason, prev_hash, hash`;
const INSERT_COLUMNS = [
  'id',
  'at',
  'request_id',
  'service',
  'actor',
  'role',
  'organisation',
  'purpose',
  'subjects',
  'fields',
  'outcome',
  'reason',
  'prev_hash',
  'hash',
];
const CASTS = ['bigint', 'timestamptz', 'text', 'text', 'text', 'text', 'text', 'text', 'text[]', 'text[]', 'text', 'text', 'text', 'text'];
/** Rows per INSERT statement: 14 parameters each, well under PostgreSQL's 65,535. */
const INSERT_CHUNK = 1000;

/** The canonical serialisation of an entry (see the module documentation). */
export function canonicalEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return JSON.stringify([
    entry.prevHash,
    entry.id,
    entry.at,
    entry.requestId,
    entry.service,
    entry.actor,
    entry.role,
    entry.organisation,
    entry.purpose,
    entry.subjects,
    entry.fields,
    entry.outcome,
    entry.reason,
  ]);
}

/** The hash an entry must carry. */
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(canonicalEntry(entry), 'utf8').digest('hex');
}

// With the u flag a surrogate pair is one code point, so this matches lone surrogates only.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function checkText(value: unknown, where: string, nullable: boolean): void {
  if (value === null && nullable) return;
  if (typeof value !== 'string')
    throw new TypeError(`${where} must be a string${nullable ? ' or null' : ''}, got ${JSON.stringify(value)}`);
  if (value.includes('\u0000') || LONE_SURROGATE.test(value))
    throw new TypeError(`${where} contains NUL or a lone surrogate, which PostgreSQL cannot store unchanged`);
}

function checkRecord(record: AuditRecord, index: number): void {
  const at = (field: string) => `audit record ${index} (request ${JSON.stringify(record.requestId)}): ${field}`;
  for (const field of ['requestId', 'service', 'actor', 'role'] as const) {
    checkText(record[field], at(field), false);
    if (record[field] === '') throw new TypeError(`${at(field)} must not be empty`);
  }
  checkText(record.organisation, at('organisation'), true);
  checkText(record.purpose, at('purpose'), true);
  for (const field of ['subjects', 'fields'] as const) {
    const list: unknown = record[field];
    if (!Array.isArray(list)) throw new TypeError(`${at(field)} must be an array of strings, got ${JSON.stringify(list)}`);
    list.forEach((item, i) => checkText(item, `${at(field)}[${i}]`, false));
  }
  if (record.outcome !== 'ALLOWED' && record.outcome !== 'DENIED') {
    throw new TypeError(`${at('outcome')} must be ALLOWED or DENIED, got ${JSON.stringify(record.outcome)}`);
  }
  checkText(record.reason ?? null, at('reason'), true);
  if (record.outcome === 'DENIED' && !record.reason) throw new TypeError(`${at('reason')} is required when access is DENIED`);
}

function toEntry(row: EntryRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    requestId: row.request_id,
    service: row.service,
    actor: row.actor,
    role: row.role,
    organisation: row.organisation,
    purpose: row.purpose,
    subjects: row.subjects,
    fields: row.fields,
    outcome: row.outcome,
    reason: row.reason,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

async function insertEntries(em: EntityManager, entries: AuditEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += INSERT_CHUNK) {
    const chunk = entries.slice(start, start + INSERT_CHUNK);
    const params: unknown[] = [];
    const tuples = chunk.map((e) => {
      const values = [
        e.id,
        e.at,
        e.requestId,
        e.service,
        e.actor,
        e.role,
        e.organisation,
        e.purpose,
        e.subjects,
        e.fields,
        e.outcome,
        e.reason,
        e.prevHash,
        e.hash,
      ];
      const placeholders = values.map((value, i) => {
        params.push(value);
        return `$${params.length}::${CASTS[i]}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await em.query(`INSERT INTO audit.entry (${INSERT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}

/**
 * Appends `records` inside the caller's transaction, extending the chain in the order given: they
 * are stored if and only if that transaction commits (a write and its audit entry, together).
 * Take it as the transaction's last statement: it holds the append lock until the commit.
 */
export async function appendWithin(em: EntityManager, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  records.forEach(checkRecord);
  await em.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [APPEND_LOCK_KEY]);
  // A statement of its own after the lock: under READ COMMITTED its snapshot is taken once the
  // lock is held, so it sees the previous append; one round trip for the rest.
  const [head] = (await em.query(
    // With every entry archived (detached quarters), the chain goes on from the last archived hash.
    `SELECT coalesce((SELECT hash FROM audit.entry ORDER BY id DESC LIMIT 1),
                     (SELECT last_hash FROM audit.archive WHERE last_id IS NOT NULL ORDER BY last_id DESC LIMIT 1)) AS last,
            to_char(clock_timestamp() AT TIME ZONE 'UTC', ${AT_FORMAT}) AS at,
            ARRAY(SELECT nextval('audit.entry_id_seq')::text FROM generate_series(1, $1::int)) AS ids`,
    [records.length],
  )) as { last: string | null; at: string; ids: string[] }[];
  const ids = head!.ids.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let prevHash = head!.last ?? GENESIS_HASH;
  const entries = records.map((record, i): AuditEntry => {
    const unhashed = {
      id: String(ids[i]),
      at: head!.at,
      requestId: record.requestId,
      service: record.service,
      actor: record.actor,
      role: record.role,
      organisation: record.organisation,
      purpose: record.purpose,
      subjects: [...record.subjects],
      fields: [...record.fields],
      outcome: record.outcome,
      reason: record.reason ?? null,
      prevHash,
    };
    prevHash = entryHash(unhashed);
    return { ...unhashed, hash: prevHash };
  });
  await insertEntries(em, entries);
}

/** The access log over `db`, whose database has been migrated with {@link auditMigrations}. */
export function createAuditLog(db: DataSource): AuditLog {
  return {
    async append(records) {
      if (records.length === 0) return;
      // Only `em` inside: on PGlite the pool has a single connection, which the transaction holds.
      await db.transaction((em) => appendWithin(em, records));
    },

    async accessesTo(subject, page) {
      checkText(subject, 'subject', false);
      // One more than a page, so a connection can tell whether a next page exists.
      if (!Number.isInteger(page.limit) || page.limit < 0 || page.limit > MAX_PAGE_SIZE + 1) {
        throw badInput('limit', page.limit, `must be between 0 and ${MAX_PAGE_SIZE + 1}`, ErrorCode.PAGE_SIZE_OUT_OF_RANGE);
      }
      if (page.beforeId !== null && !/^[1-9][0-9]{0,17}$/.test(page.beforeId)) {
        throw badInput('beforeId', page.beforeId, 'must be the id of an access-log entry');
      }
      const rows = (await db.query(
        `SELECT ${COLUMNS} FROM audit.entry
         WHERE subjects @> ARRAY[$1::text] AND ($2::bigint IS NULL OR id < $2::bigint)
         ORDER BY entry.id DESC LIMIT $3`,
        [subject, page.beforeId, page.limit],
      )) as EntryRow[];
      const [count] = (await db.query(`SELECT count(*)::int AS total FROM audit.entry WHERE subjects @> ARRAY[$1::text]`, [subject])) as {
        total: number;
      }[];
      return { entries: rows.map(toEntry), total: count?.total ?? 0 };
    },

    async verify(options = {}) {
      const batchSize = options.batchSize ?? 1000;
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
      let checked = 0;
      let previous: { id: string; hash: string } | null = null;
      for (;;) {
        const rows = (await db.query(
          `SELECT ${COLUMNS} FROM audit.entry WHERE ($1::bigint IS NULL OR id > $1::bigint) ORDER BY entry.id LIMIT $2`,
          [previous?.id ?? null, batchSize],
        )) as EntryRow[];
        for (const row of rows) {
          const entry = toEntry(row);
          if (entryHash(entry) !== entry.hash) return { ok: false, checked, brokenId: entry.id, reason: BREAK_REASONS.altered };
          // The first attached entry follows the last archived one before it (archive.ts), or genesis.
          const anchor = previous === null ? await anchorBefore(db, entry.id) : null;
          if (previous === null ? entry.prevHash !== (anchor?.hash ?? GENESIS_HASH) : entry.prevHash !== previous.hash) {
            return {
              ok: false,
              checked,
              brokenId: entry.id,
              reason: previous !== null ? BREAK_REASONS.unlinked : anchor ? BREAK_REASONS.notAnchor : BREAK_REASONS.notGenesis,
            };
          }
          previous = { id: entry.id, hash: entry.hash };
          checked += 1;
        }
        if (rows.length > 0) options.onProgress?.(checked);
        if (rows.length < batchSize) {
          const archived = await archivedRange(db);
          return archived ? { ok: true, checked, archived } : { ok: true, checked };
        }
      }
    },
  };
}
