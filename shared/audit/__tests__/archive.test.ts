import { exportJWK, generateKeyPair } from 'jose';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '../../db';
import { openOwnTarget } from '../../../test/helpers/postgres';
import { APPEND_LOCK_KEY, auditMigrations, BREAK_REASONS, createAuditLog, entryHash, GENESIS_HASH, type AuditRecord } from '..';
import { detachAuditPeriod } from '../archive';
import { checkpointSigner, checkpointVerifier, takeCheckpoint, verifyCheckpoints } from '../checkpoint';
import { AUDIT_QUARTERS, PartitionAudit1769200000000 } from '../migrations/1769200000000-PartitionAudit';
import { periodOf } from '../../db/partitions';

/**
 * The access log by period (migration 1769200000000, archive.ts): existing entries are moved into
 * their quarters, a fork is refused without UNIQUE(prev_hash) (no lock, or not extending the head),
 * a partition cannot be written or truncated directly, and a past quarter is detached with its
 * archive record while verification (chain and checkpoints) goes on from its last hash and still
 * finds a tampered entry. On PostgreSQL (a database of this suite's own), else on PGlite.
 */
const TODAY = '2026-12-02';

const record = (requestId: string): AuditRecord => ({
  requestId,
  service: 'population',
  actor: 'officer-0042',
  role: 'COMMUNE_OFFICER',
  organisation: null,
  purpose: 'Hồ sơ 2025/123',
  subjects: ['001090000001'],
  fields: ['fullName'],
  outcome: 'ALLOWED',
});

describe('the access log by quarter: conversion, fork guard, archive and verification', () => {
  let db: DataSource;
  let close: () => Promise<void>;
  const failure = async (run: () => Promise<unknown>): Promise<string> => {
    try {
      await run();
      return 'succeeded';
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  const partitions = async () =>
    (
      (await db.query(`SELECT id::text AS id, tableoid::regclass::text AS p FROM audit.entry ORDER BY entry.id`)) as {
        id: string;
        p: string;
      }[]
    ).map((r) => `${r.id}:${r.p}`);

  beforeAll(async () => {
    const own = await openOwnTarget('audit_archive');
    const target = own.target;
    close = async () => {
      await db.destroy();
      await own.release();
    };
    // The unpartitioned log, with three entries of the third quarter of 2025 and two of now.
    await migrate(target, [
      { ...auditMigrations, migrations: auditMigrations.migrations.filter((m) => m !== PartitionAudit1769200000000) },
    ]);
    db = await createDataSource({ target, entities: [] });
    await db.initialize();
    let prevHash = GENESIS_HASH;
    // Written as the old code wrote them (the new code reads audit.archive, which the old schema lacks).
    const now = `${new Date().toISOString().slice(0, 23)}000Z`;
    const ats = ['2025-08-01T01:00:00.000001Z', '2025-08-02T01:00:00.000002Z', '2025-09-30T16:59:59.999999Z', now, now];
    for (const [i, at] of ats.entries()) {
      const [{ id }] = (await db.query(`SELECT nextval('audit.entry_id_seq')::text AS id`)) as [{ id: string }];
      const r = record(`old-${i}`);
      const entry = { ...r, id, at, reason: null, prevHash };
      prevHash = entryHash(entry);
      await db.query(
        `INSERT INTO audit.entry (id, at, request_id, service, actor, role, organisation, purpose, subjects, fields, outcome, reason, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          id,
          at,
          r.requestId,
          r.service,
          r.actor,
          r.role,
          r.organisation,
          r.purpose,
          r.subjects,
          r.fields,
          r.outcome,
          null,
          entry.prevHash,
          prevHash,
        ],
      );
    }
    await db.destroy();
    await migrate(target, [auditMigrations]);
    db = await createDataSource({ target, entities: [] });
    await db.initialize();
  }, 300_000);
  afterAll(async () => {
    await close?.();
  });

  test('existing entries were moved into their quarters, and the chain still verifies', async () => {
    // The two recent ones are in the current quarter's partition (the default one past those created).
    const quarter = periodOf(new Date().toISOString().slice(0, 10));
    const now = AUDIT_QUARTERS.includes(quarter) ? `audit.entry_${quarter}` : 'audit.entry_default';
    expect(await partitions()).toEqual(['1:audit.entry_2025q3', '2:audit.entry_2025q3', '3:audit.entry_2025q3', `4:${now}`, `5:${now}`]);
    expect(await createAuditLog(db).verify()).toEqual({ ok: true, checked: 5 });
  });

  test('a fork is refused: an insert without the append lock, or one not extending the head', async () => {
    const fork = (prev: string) =>
      `INSERT INTO audit.entry (id, at, request_id, service, actor, role, subjects, fields, outcome, prev_hash, hash)
       SELECT nextval('audit.entry_id_seq'), now(), 'fork', 's', 'a', 'r', '{}', '{}', 'ALLOWED', ${prev}, repeat('a', 64)`;
    const head = `(SELECT hash FROM audit.entry ORDER BY id DESC LIMIT 1)`;
    // Without the lock, even a correct successor of the head.
    expect(await failure(() => db.query(fork(head)))).toMatch(/without the append lock/);
    // With the lock, a second successor of an older entry.
    const second = await failure(() =>
      db.transaction(async (em) => {
        await em.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [APPEND_LOCK_KEY]);
        await em.query(fork(`(SELECT hash FROM audit.entry WHERE id = 3)`));
      }),
    );
    expect(second).toMatch(/does not extend the chain/);
    // Aimed at a partition, past the parent's triggers: refused, as is emptying one.
    expect(await failure(() => db.query(fork(head).replace('INTO audit.entry', 'INTO audit.entry_2025q3')))).toMatch(
      /partition of audit\.entry: INSERT refused/,
    );
    expect(await failure(() => db.query(`TRUNCATE audit.entry_2025q3`))).toMatch(/partition of audit\.entry: TRUNCATE refused/);
    expect(await failure(() => db.query(`DELETE FROM audit.entry_2025q3`))).toMatch(/partition of audit\.entry: DELETE refused/);
    expect(await failure(() => db.query(`UPDATE audit.entry_2025q3 SET actor = 'x'`))).toMatch(/partition of audit\.entry: UPDATE refused/);
    expect(await createAuditLog(db).verify()).toEqual({ ok: true, checked: 5 });
  });

  test('a past quarter is detached and archived; verification goes on from its last hash, checkpoints included', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const signer = await checkpointSigner(await exportJWK(privateKey));
    const verifier = checkpointVerifier(await exportJWK(publicKey));
    // A checkpoint naming the head (entry 5), and one of entry 3 kept from before (signed as then).
    const kept = await signer.sign(
      JSON.stringify({
        v: 1,
        entryId: '3',
        hash: (await db.query(`SELECT hash FROM audit.entry WHERE id = 3`))[0].hash,
        at: '2025-10-01T00:00:00Z',
      }),
    );
    await takeCheckpoint(db, signer);

    await expect(detachAuditPeriod(db, `${TODAY.slice(0, 4)}q4`, TODAY)).rejects.toThrow(/has not ended/);
    expect(await detachAuditPeriod(db, '2025q3', TODAY)).toBe('audit.entry_2025q3');
    expect(await db.query(`SELECT partition, period, entries::int, first_id::text, last_id::text FROM audit.archive`)).toEqual([
      { partition: 'audit.entry_2025q3', period: '2025q3', entries: 3, first_id: '1', last_id: '3' },
    ]);
    // The detached quarter keeps its entries, append-only, to dump and drop.
    expect(await db.query(`SELECT count(*)::int AS n FROM audit.entry_2025q3`)).toEqual([{ n: 3 }]);
    expect(await failure(() => db.query(`DELETE FROM audit.entry_2025q3`))).toMatch(/refused/);

    const log = createAuditLog(db);
    expect(await log.verify()).toEqual({ ok: true, checked: 2, archived: { partitions: 1, entries: 3, firstId: '1', lastId: '3' } });
    // Appends go on, chained to the head.
    await log.append([record('after-archive')]);
    expect(await log.verify()).toMatchObject({ ok: true, checked: 3 });
    expect(await verifyCheckpoints(db, verifier, [kept])).toEqual({ ok: true, checked: 2 });
    // A checkpoint of the archived quarter's last entry that the archive contradicts: caught.
    const forged = await signer.sign(JSON.stringify({ v: 1, entryId: '3', hash: 'f'.repeat(64), at: '2025-10-01T00:00:00Z' }));
    expect(await verifyCheckpoints(db, verifier, [forged])).toMatchObject({ ok: false, reason: expect.stringMatching(/archived entry 3/) });
  });

  test('a tampered entry that remains attached is still found; a removed first one too', async () => {
    const log = createAuditLog(db);
    const admin = async (sql: string) =>
      db.transaction(async (em) => {
        await em.query(`ALTER TABLE audit.entry DISABLE TRIGGER entry_append_only, DISABLE TRIGGER entry_append_check`);
        await em.query(sql);
        await em.query(`ALTER TABLE audit.entry ENABLE TRIGGER entry_append_only, ENABLE TRIGGER entry_append_check`);
      });
    await admin(`UPDATE audit.entry SET actor = 'someone else' WHERE id = 5`);
    expect(await log.verify()).toEqual({ ok: false, checked: 1, brokenId: '5', reason: BREAK_REASONS.altered });
    await admin(`UPDATE audit.entry SET actor = 'officer-0042' WHERE id = 5`);
    expect(await log.verify()).toMatchObject({ ok: true, checked: 3 });
    // The first entry after the archive removed: the next no longer links to the archived hash.
    await admin(`DELETE FROM audit.entry WHERE id = 4`);
    expect(await log.verify()).toEqual({ ok: false, checked: 0, brokenId: '5', reason: BREAK_REASONS.notAnchor });
  });
});
