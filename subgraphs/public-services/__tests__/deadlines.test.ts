import type { DataSource } from 'typeorm';
import { auditMigrations } from '../../../shared/audit';
import { createDataSource, migrate, openPglite, type DatabaseTarget } from '../../../shared/db';
import type { LiveEvent } from '../../../shared/live';
import { createLogger } from '../../../shared/observability/logger';
import { createDatabase, dropDatabase } from '../../../test/helpers/postgres';
import { announceDeadlines, CLAIM_SQL, deadlineOf, endOfVietnamDay, startDeadlineNotices } from '../deadlines';
import { formatDossierNumber, vietnamDate } from '../numbers';
import { generateCatalogue, seedCatalogue } from '../seed';
import { publicServices } from '../subgraph';
import { insertDossiers, type NewDossier } from '../writes';

/**
 * Notices of dossiers falling due (deadlines.ts) with an injected clock: which dossiers are
 * announced, once each per kind and due time, on their commune's channel; on PGlite, and on the
 * run's PostgreSQL with two processes' passes racing (no notice twice).
 */
const HOUR = 3_600_000;
/** 10:00 in Vietnam. */
const NOW = new Date('2026-03-10T03:00:00Z');
const procedure = generateCatalogue().find((p) => p.level === 'COMMUNE')!;

function dossier(i: number, dueAt: Date, overrides: Partial<NewDossier> = {}): NewDossier {
  const receivedAt = new Date(NOW.getTime() - 5 * 24 * HOUR);
  return {
    number: formatDossierNumber('00004', vietnamDate(receivedAt), i),
    receivedOn: vietnamDate(receivedAt),
    procedureCode: procedure.code,
    unitType: 'COMMUNE',
    unitCode: '00004',
    communeCode: '00004',
    provinceCode: '01',
    applicantType: 'RESIDENT',
    applicantId: '001085012345',
    channel: 'ONLINE',
    status: 'IN_PROGRESS',
    submittedAt: receivedAt,
    receivedAt,
    dueAt,
    finishedAt: null,
    returnedAt: null,
    supplementCount: 0,
    onlineOffered: true,
    feeRequired: false,
    paidOnline: false,
    digitised: true,
    reusedData: false,
    fromDataStore: false,
    vneidVerified: false,
    electronicResult: false,
    reportingSystem: 'x',
    reportedAt: receivedAt,
    lastEventAt: receivedAt,
    ...overrides,
  };
}

/** What a pass published, flattened. */
function recorder() {
  const events: LiveEvent[] = [];
  return { events, live: { publish: async (e: readonly LiveEvent[]) => void events.push(...e) } };
}

async function open(target: DatabaseTarget): Promise<DataSource> {
  const db = await createDataSource({ target, entities: publicServices.entities });
  await db.initialize();
  return db;
}

describe('notices of dossiers falling due', () => {
  it('tells where a due time stands in Vietnam time', () => {
    expect(endOfVietnamDay(NOW).toISOString()).toBe('2026-03-10T17:00:00.000Z');
    const at = (h: number) => new Date(NOW.getTime() + h * HOUR);
    expect(deadlineOf({ status: 'IN_PROGRESS', dueAt: at(-1) }, NOW)).toBe('OVERDUE');
    expect(deadlineOf({ status: 'RECEIVED', dueAt: at(13.9) }, NOW)).toBe('DUE_TODAY');
    expect(deadlineOf({ status: 'FEE_REQUESTED', dueAt: at(14) }, NOW)).toBe('DUE_LATER');
    expect(deadlineOf({ status: 'SUPPLEMENT_REQUESTED', dueAt: at(-1) }, NOW)).toBe('PAUSED');
    expect(deadlineOf({ status: 'DONE', dueAt: at(-1) }, NOW)).toBe('FINISHED');
  });

  it('announces each unfinished dossier once when due today and once when just overdue, on its commune channel; a moved due time again', async () => {
    const pglite = await openPglite();
    const target = { kind: 'pglite' as const, pglite };
    await migrate(target, [publicServices, auditMigrations]);
    const db = await open(target);
    try {
      await seedCatalogue(db);
      const rows = [
        dossier(1, new Date(NOW.getTime() + 2 * HOUR)), // due today
        dossier(2, new Date(NOW.getTime() - 2 * HOUR)), // just overdue
        dossier(3, new Date(NOW.getTime() + 20 * HOUR)), // tomorrow
        dossier(4, new Date(NOW.getTime() - 3 * 24 * HOUR)), // long overdue: announced when it fell due
        dossier(5, new Date(NOW.getTime() + HOUR), { status: 'DONE', finishedAt: NOW }), // decided
        dossier(6, new Date(NOW.getTime() + HOUR), { status: 'SUPPLEMENT_REQUESTED' }), // paused
        dossier(7, new Date(NOW.getTime() + 3 * HOUR), { unitType: 'DEPARTMENT', communeCode: null }), // no commune channel
      ];
      await db.transaction((em) => insertDossiers(em, rows));
      const first = recorder();
      expect(await announceDeadlines(db, first.live, NOW)).toEqual({ dueToday: 2, overdue: 1 });
      expect(first.events).toEqual([
        { channel: 'dossier:commune:00004', keys: { number: rows[1]!.number } },
        { channel: 'dossier:commune:00004', keys: { number: rows[0]!.number } },
      ]);
      // The next pass, a minute later: nothing new.
      const again = recorder();
      expect(await announceDeadlines(db, again.live, new Date(NOW.getTime() + 60_000))).toEqual({ dueToday: 0, overdue: 0 });
      expect(again.events).toEqual([]);
      // Past its due time, the dossier due today is announced again, as OVERDUE.
      const later = recorder();
      await announceDeadlines(db, later.live, new Date(NOW.getTime() + 2 * HOUR + 60_000));
      expect(later.events.map((e) => e.keys.number)).toEqual([rows[0]!.number]);
      // A due time moved (a supplement): a new due time, announced again.
      await db.query(`UPDATE public_services.dossier SET due_at = due_at + interval '1 hour' WHERE number = $1`, [rows[0]!.number]);
      const moved = recorder();
      expect(await announceDeadlines(db, moved.live, new Date(NOW.getTime() + 2 * HOUR + 120_000))).toEqual({ dueToday: 1, overdue: 0 });
      // The timer: a pass at once, then one per interval, on the injected clock.
      const timed = recorder();
      let clock = new Date(NOW.getTime() + 4 * HOUR);
      const stop = startDeadlineNotices({ db, live: timed.live, log: createLogger('test', 'silent'), intervalMs: 50, now: () => clock });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(timed.events.map((e) => e.keys.number)).toEqual([rows[0]!.number]);
      clock = new Date(NOW.getTime() + 22 * HOUR);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await stop();
      expect(timed.events.map((e) => e.keys.number)).toEqual([rows[0]!.number, rows[2]!.number]);
    } finally {
      await db.destroy();
      await pglite.close();
    }
  }, 60_000);

  (process.env.LT_TEST_DATABASE_URL ? it : it.skip)(
    'on PostgreSQL, passes of several processes racing announce each dossier once',
    async () => {
      const url = await createDatabase('deadlines');
      const target = { kind: 'postgres' as const, url };
      const dbs: DataSource[] = [];
      try {
        await migrate(target, [publicServices, auditMigrations]);
        for (let i = 0; i < 3; i++) dbs.push(await open(target));
        await seedCatalogue(dbs[0]!);
        const rows = Array.from({ length: 3_000 }, (_, i) => dossier(100 + i, new Date(NOW.getTime() + (i % 2 ? 1 : -1) * HOUR)));
        await dbs[0]!.transaction((em) => insertDossiers(em, rows));
        const recorders = dbs.map(() => recorder());
        await Promise.all(dbs.map((db, i) => announceDeadlines(db, recorders[i]!.live, NOW)));
        const numbers = recorders.flatMap((r) => r.events.map((e) => e.keys.number!));
        expect(numbers.length).toBe(rows.length);
        expect(new Set(numbers).size).toBe(rows.length);
        // Every pass reads the partial index of unfinished dossiers by due time, never the partitions whole.
        await dbs[0]!.query(`ANALYZE public_services.dossier`);
        const plan = await dbs[0]!.transaction(async (em) => {
          await em.query(`SET LOCAL enable_seqscan = off`);
          return JSON.stringify(
            await em.query(`EXPLAIN (FORMAT JSON) ${CLAIM_SQL}`, [
              'OVERDUE',
              new Date(NOW.getTime() - 24 * HOUR).toISOString(),
              NOW.toISOString(),
            ]),
          );
        });
        // A partition's copy of dossier_unfinished_due_idx is named after it: dossier_2026q1_due_at_idx.
        expect(plan).toMatch(/dossier_\w+_due_at_idx/);
        expect(plan).not.toContain('Seq Scan');
      } finally {
        for (const db of dbs) await db.destroy();
        await dropDatabase(url);
      }
    },
    120_000,
  );
});
