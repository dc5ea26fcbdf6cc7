import { createHash } from 'node:crypto';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { appendWithin } from '../audit';
import type { InvalidationBus } from '../cache';
import type { EntityType } from '../config';
import { badInput, ErrorCode, PublicError } from '../graphql/errors';
import type { Identity, RequestMeta } from '../auth/identity';
import { withinJurisdiction, type Jurisdiction } from '../auth/jurisdiction';
import type { AccessRecorder } from '../auth/personalData';
import type { LiveEvent, LivePublisher } from '../live';

/**
 * How every write of every subgraph runs, so the rules hold the same everywhere:
 * - one transaction: validation reads and the change use its EntityManager only, and a rejected
 *   write (any error thrown) leaves nothing behind;
 * - an optional idempotency key, per caller: the first request's result is stored in the same
 *   transaction, and a retry returns it without changing anything twice (a concurrent retry waits
 *   for the first to commit, then gets its result);
 * - the audit entry of the write (who, role, organisation, purpose, whose records, which mutation)
 *   is appended inside that transaction: a committed write always has its entry, a rolled back one
 *   has none;
 * - after the commit, every cache holding the changed entity types is invalidated (on every
 *   instance through the bus), so the next read through the gateway sees the change, and the
 *   write's live events (keys only) are published for the subscriptions (shared/live);
 * - lost races come back as CONFLICT: a version that moved since the client read it, a unique key
 *   taken by a concurrent write, a deadlock or serialisation failure.
 */

/** What a write needs from the subgraph context. */
export interface MutationContext {
  db: DataSource;
  identity: Identity;
  meta: RequestMeta;
  jurisdiction: Jurisdiction;
  audit: AccessRecorder;
  /** The subgraph's name (for the audit entry) and its PostgreSQL schema (for its idempotency table). */
  service: string;
  schema: string;
  bus: InvalidationBus;
  /** Collects the entity types changed, for the gateway of a separate process (see server.ts). */
  changed: Set<string>;
  /** Where the write's live events go after the commit. */
  live: LivePublisher;
}

/** What a write did: the result to return (and to replay), and whose records it changed. */
export interface Change<R> {
  /** JSON-serialisable: stored with the idempotency key. Keep it to keys; the payload resolves them. */
  result: R;
  /** Data subjects (citizen IDs) whose records changed; may be empty (an enterprise's status). */
  subjects: string[];
  /** Live events (channels and keys, no data), published once the transaction committed; none on a replay. */
  events?: LiveEvent[];
}

export interface MutationSpec<R> {
  /** The mutation's field name (`registerBirth`); audited as `Mutation.<field>`. */
  field: string;
  /** The arguments as received; with `idempotencyKey` among them when the client sent one. */
  input: { idempotencyKey?: string | null };
  /** Entity types whose cached copies the change makes stale. */
  invalidates: readonly EntityType[];
  apply(em: EntityManager): Promise<Change<R>>;
}

/** The stored or fresh result, and whether it was replayed from an earlier request with the same key. */
export type Outcome<R> = R & { replayed: boolean };

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,100}$/;

/** The DDL of a subgraph's idempotency table, for its migrations. */
export function idempotencyTableSql(schema: string): string {
  return `CREATE TABLE ${schema}.idempotency_key (
    actor text NOT NULL,
    key text NOT NULL,
    operation text NOT NULL,
    request_hash text NOT NULL,
    result jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key))`;
}

/** The roles that may write at all; each then only within its jurisdiction. */
const WRITER_ROLES = new Set(['COMMUNE_OFFICER', 'PROVINCE_OFFICER', 'CENTRAL']);

/**
 * Refuses a write by a role that may not make it at all (FORBIDDEN), or without a stated purpose
 * (PURPOSE_REQUIRED), before anything is read.
 * `roles` narrows the writers (land and the enterprise register are provincial offices' work).
 */
export function authorizeRole(ctx: MutationContext, field: string, roles: readonly string[] = [...WRITER_ROLES]): void {
  if (!roles.includes(ctx.identity.role) || !WRITER_ROLES.has(ctx.identity.role)) {
    ctx.audit.deny([], [`Mutation.${field}`], `${field} is not open to the role ${ctx.identity.role}`);
    throw new PublicError(ErrorCode.FORBIDDEN, `Your role may not make this change (${field})`, { http: { status: 403 } });
  }
  // The dossier a change is registered under goes into its audit entry.
  if (!ctx.meta.purpose) {
    throw new PublicError(
      ErrorCode.PURPOSE_REQUIRED,
      'A change to a register requires a stated purpose: send the case or dossier reference in the X-Purpose header',
    );
  }
}

/** Where a write takes effect: the communes and provinces it touches. */
export interface Place {
  communeCodes: readonly string[];
  provinceCodes: readonly string[];
}

/**
 * Refuses a write at a place outside the caller's jurisdiction, recording the refusal in the audit
 * log. A place the client named by its code (a destination commune) is FORBIDDEN; an existing
 * record the client named by its key (`record`) is NOT_FOUND, exactly as for one that does not
 * exist — as on reads, an officer cannot learn what lies outside their jurisdiction.
 */
export function authorizePlace(
  ctx: MutationContext,
  field: string,
  place: Place,
  subjects: readonly string[] = [],
  record?: { type: string; key: string; value: string },
): void {
  if (withinJurisdiction(ctx.jurisdiction, place)) return;
  ctx.audit.deny(subjects, [`Mutation.${field}`], `${field} outside the caller's jurisdiction`);
  if (record) throw missing(record.type, record.key, record.value);
  throw new PublicError(ErrorCode.FORBIDDEN, 'This change concerns a place outside your jurisdiction', { http: { status: 403 } });
}

/** NOT_FOUND for a record a write names by its key, naming the argument (`input.citizenId`). */
export function missing(type: string, argument: string, value: string): PublicError {
  return new PublicError(ErrorCode.NOT_FOUND, `${type} "${value}" (${argument}) not found`, { type, argument, value });
}

/** Trimmed text of 1 to `max` characters, or BAD_USER_INPUT naming the field. */
export function requireText(argument: string, value: string, max: number): string {
  const text = value.trim().replace(/\s+/g, ' ');
  if (text.length === 0 || text.length > max) throw badInput(argument, value, `must be 1 to ${max} characters`);
  return text;
}

/** Today's date (YYYY-MM-DD) in Vietnam (UTC+7), where the registers' dates are. */
export function todayInVietnam(now = new Date()): string {
  return new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * Checks the version a client based its change on: CONFLICT when the record moved since. `current`
 * is the version read (FOR UPDATE) in the write's transaction.
 */
export function checkVersion(type: string, key: string, current: number, expected: number | null | undefined): void {
  if (expected === null || expected === undefined) return;
  if (!Number.isInteger(expected) || expected < 1) throw badInput('input.expectedVersion', expected, 'must be a positive integer');
  if (current !== expected) {
    throw new PublicError(
      ErrorCode.CONFLICT,
      `${type} ${key} is at version ${current}, not ${expected}: it changed since you read it; read it again and retry`,
      { type, key },
    );
  }
}

function requestHash(field: string, input: { idempotencyKey?: string | null }): string {
  const { idempotencyKey: _key, ...rest } = input;
  return createHash('sha256')
    .update(JSON.stringify([field, rest]))
    .digest('hex');
}

const CONFLICT_SQLSTATES = new Set(['40001', '40P01', '23505']);

/** Runs one write by the rules above. */
export async function runMutation<R>(ctx: MutationContext, spec: MutationSpec<R>): Promise<Outcome<R>> {
  const key = spec.input.idempotencyKey ?? null;
  if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
    throw badInput('input.idempotencyKey', key, 'must be 8 to 100 letters, digits, ".", "_", ":" or "-" (a UUID fits)');
  }
  const hash = requestHash(spec.field, spec.input);
  const actor = ctx.identity.subject;
  let outcome: Outcome<R>;
  let events: LiveEvent[] = [];
  try {
    outcome = await ctx.db.transaction(async (em): Promise<Outcome<R>> => {
      if (key !== null) {
        // A concurrent request with the same key waits here until the first commits (or rolls back).
        const claimed = (await em.query(
          `INSERT INTO ${ctx.schema}.idempotency_key (actor, key, operation, request_hash) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING key`,
          [actor, key, spec.field, hash],
        )) as unknown[];
        if (claimed.length === 0) {
          const [stored] = (await em.query(
            `SELECT operation, request_hash AS "requestHash", result FROM ${ctx.schema}.idempotency_key WHERE actor = $1 AND key = $2`,
            [actor, key],
          )) as { operation: string; requestHash: string; result: R }[];
          if (!stored || stored.operation !== spec.field || stored.requestHash !== hash) {
            throw new PublicError(
              ErrorCode.IDEMPOTENCY_KEY_REUSED,
              'This idempotency key was already used for a different request; use a new key for a new change',
              { argument: 'input.idempotencyKey' },
            );
          }
          return { ...stored.result, replayed: true };
        }
      }
      const change = await spec.apply(em);
      events = change.events ?? [];
      if (key !== null) {
        await em.query(`UPDATE ${ctx.schema}.idempotency_key SET result = $3 WHERE actor = $1 AND key = $2`, [
          actor,
          key,
          JSON.stringify(change.result),
        ]);
      }
      // Last: the append lock is then held only until the commit that follows.
      await appendWithin(em, [
        {
          requestId: ctx.meta.requestId,
          service: ctx.service,
          actor,
          role: ctx.identity.role,
          organisation: ctx.identity.organisation,
          purpose: ctx.meta.purpose,
          subjects: [...new Set(change.subjects)].sort(),
          fields: [`Mutation.${spec.field}`],
          outcome: 'ALLOWED',
          reason: null,
        },
      ]);
      return { ...change.result, replayed: false };
    });
  } catch (error) {
    const code = error instanceof QueryFailedError ? (error.driverError as { code?: string } | undefined)?.code : undefined;
    if (code && CONFLICT_SQLSTATES.has(code)) {
      throw new PublicError(ErrorCode.CONFLICT, 'A concurrent change to the same records took place first; read them again and retry');
    }
    throw error;
  }
  if (!outcome.replayed) {
    // The bus retries a bump Redis could not take, and bypasses the caches until then.
    await ctx.bus.invalidate(spec.invalidates).catch(() => undefined);
    for (const type of spec.invalidates) ctx.changed.add(type);
    await ctx.live.publish(events).catch(() => undefined);
  }
  return outcome;
}

/**
 * Issues a new identifier (citizen ID, certificate number, tax code): candidates drawn at random
 * until one is not `taken`. Inside the write's transaction; a concurrent write issuing the same one
 * fails on the table's unique key and comes back as CONFLICT.
 */
export async function issueUnused(
  what: string,
  candidate: () => string | null,
  taken: (value: string) => Promise<boolean>,
): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = candidate();
    if (value !== null && !(await taken(value))) return value;
  }
  throw new Error(`No free ${what} found`);
}
