import type { DataSource } from 'typeorm';
import { NO_LIVE } from '../../../shared/live';
import { AccessRecorder } from '../../../shared/auth/personalData';
import { createDataSource, migrate, openPglite } from '../../../shared/db';
import type { MutationContext } from '../../../shared/subgraph/mutations';
import { provinceRollups, recomputeCounters, storedCounters } from '../evaluation/counters';
import { formatDossierNumber, vietnamDate } from '../numbers';
import { rng, pick } from '../seed/random';
import { generateCatalogue, seedCatalogue, departmentCode } from '../seed';
import { publicServices } from '../subgraph';
import * as writes from '../writes';
import type { DossierStatus } from '../status';

/**
 * The incremental counters against a plain recomputation from the dossiers, after thousands of
 * random events: receptions (some duplicated), status changes legal and illegal, supplements,
 * returns, withdrawals, feedback, deliveries older than the dossier's latest event. Every event
 * runs in a transaction of its own; refused ones roll back, as in the hub.
 */
describe('evaluation counters', () => {
  let db: DataSource;
  let close: () => Promise<void>;
  const ctx = (db: DataSource): MutationContext => ({
    db,
    identity: { subject: 'test', role: 'CENTRAL', organisation: 'test', communeCode: null, provinceCode: null, citizenId: null },
    meta: { requestId: 'counters', purpose: 'test' },
    jurisdiction: { kind: 'NATIONAL' },
    audit: new AccessRecorder(),
    service: 'public-services',
    schema: 'public_services',
    bus: { invalidate: async () => undefined } as unknown as MutationContext['bus'],
    live: NO_LIVE,
    changed: new Set(),
  });

  beforeAll(async () => {
    const pglite = await openPglite();
    const target = { kind: 'pglite' as const, pglite };
    await migrate(target, [publicServices]);
    db = await createDataSource({ target, entities: publicServices.entities });
    await db.initialize();
    await seedCatalogue(db);
    close = async () => {
      await db.destroy();
      await pglite.close();
    };
  });
  afterAll(async () => close?.());

  test('incremental counters equal the recomputation for every unit and month after 3,000 random events', async () => {
    const random = rng(42);
    const catalogue = generateCatalogue();
    const communes = [
      { code: '00004', province: '01' },
      { code: '00008', province: '01' },
      { code: '26740', province: '79' },
    ];
    const c = ctx(db);
    const numbers: string[] = [];
    const base = new Date('2025-08-20T02:00:00Z').getTime();
    const HOUR = 3_600_000;
    let refused = 0;
    let applied = 0;
    for (let i = 0; i < 3_000; i++) {
      const roll = random();
      const at = new Date(base + Math.floor(random() * 2_400) * HOUR);
      try {
        await db.transaction(async (em) => {
          if (roll < 0.25 || numbers.length === 0) {
            const provincial = random() < 0.3;
            const place = pick(random, communes);
            const procedure = pick(
              random,
              catalogue.filter((p) => p.level === (provincial ? 'PROVINCE' : 'COMMUNE')),
            );
            const unitCode = provincial ? departmentCode(procedure.department ?? 0, place.province) : place.code;
            const receivedAt = new Date(base + Math.floor(random() * 1_500) * HOUR);
            // One in ten receptions repeats a number already used: refused, nothing changes.
            const number =
              random() < 0.1 && numbers.length > 0
                ? pick(random, numbers)
                : formatDossierNumber(unitCode, vietnamDate(receivedAt), 1000 + i);
            await writes.receive(c, em, {
              number,
              receivedOn: vietnamDate(receivedAt),
              procedureCode: procedure.code,
              unitType: provincial ? 'DEPARTMENT' : 'COMMUNE',
              unitCode,
              communeCode: provincial ? null : place.code,
              provinceCode: place.province,
              applicantType: 'RESIDENT',
              applicantId: '001085012345',
              channel: random() < 0.6 ? 'ONLINE' : 'IN_PERSON',
              status: 'RECEIVED',
              submittedAt: receivedAt,
              receivedAt,
              dueAt: new Date(receivedAt.getTime() + (2 + Math.floor(random() * 400)) * HOUR),
              finishedAt: null,
              returnedAt: null,
              supplementCount: 0,
              onlineOffered: procedure.onlineLevel !== 'NONE',
              feeRequired: procedure.hasFee,
              paidOnline: random() < 0.5,
              digitised: random() < 0.8,
              reusedData: random() < 0.5,
              fromDataStore: random() < 0.3,
              vneidVerified: random() < 0.6,
              electronicResult: false,
              reportingSystem: 'test',
              reportedAt: new Date(receivedAt.getTime() + (random() < 0.1 ? 30 : 0.5) * HOUR),
              lastEventAt: receivedAt,
            });
            numbers.push(number);
            return;
          }
          const number = pick(random, numbers);
          const kind = random();
          if (kind < 0.15) await writes.requestSupplement(c, em, { number, reason: 'thiếu giấy tờ', at });
          else if (kind < 0.3) await writes.completeSupplement(c, em, { number, at });
          else if (kind < 0.45)
            await writes.transitionWith(c, em, { number, at }, 'returnResult', 'RETURNED', () => ({ set: { returned_at: at } }));
          else if (kind < 0.5)
            await writes.transitionWith(c, em, { number, at }, 'withdrawDossier', 'WITHDRAWN', () => ({ set: { returned_at: at } }));
          else if (kind < 0.6) {
            const [row] = (await em.query(`SELECT unit_type, unit_code, province_code FROM public_services.dossier WHERE number = $1`, [
              number,
            ])) as {
              unit_type: 'COMMUNE' | 'DEPARTMENT';
              unit_code: string;
              province_code: string;
            }[];
            await writes.recordFeedback(em, {
              unitType: row!.unit_type,
              unitCode: row!.unit_code,
              provinceCode: row!.province_code,
              category: pick(random, ['COMPLAINT', 'PROPOSAL', 'RATING']),
              dossierNumber: number,
              receivedAt: at,
              handledAt: random() < 0.5 ? at : null,
              satisfied: random() < 0.7,
            });
          } else {
            const to = pick(random, ['IN_PROGRESS', 'FEE_REQUESTED', 'DONE', 'DONE', 'STOPPED', 'NOT_RECEIVED'] as DossierStatus[]);
            const electronic = random() < 0.6;
            await writes.transitionWith(c, em, { number, at }, 'changeDossierStatus', to, (row) => {
              if (to === 'IN_PROGRESS' && row.status === 'SUPPLEMENT_REQUESTED') throw new Error('use completeSupplement');
              return to === 'DONE'
                ? { set: { finished_at: at, electronic_result: electronic }, facts: { finishedAt: at, electronicResult: electronic } }
                : {};
            });
          }
        });
        applied += 1;
      } catch {
        refused += 1;
      }
    }
    // Both kinds of events happened in numbers: the test exercises refusals and changes alike.
    expect(applied).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(300);
    const [stored, recomputed] = await db.transaction(async (em) => [await storedCounters(em), await recomputeCounters(em)]);
    expect(stored.length).toBeGreaterThan(20);
    expect(stored).toEqual(recomputed);
    // The province roll-up (what provinces and the nation read) equals the unit counters summed.
    const rollups = await db.transaction((em) => provinceRollups(em));
    expect(rollups.stored.length).toBeGreaterThan(5);
    expect(rollups.stored).toEqual(rollups.fromUnits);
    const statuses = (await db.query(`SELECT status, count(*)::int AS n FROM public_services.dossier GROUP BY 1`)) as { status: string }[];
    expect(statuses.map((s) => s.status)).toEqual(expect.arrayContaining(['RETURNED', 'DONE', 'SUPPLEMENT_REQUESTED', 'WITHDRAWN']));
  });

  test("a counter changed behind the dossiers' back is found by the comparison", async () => {
    await db.query(
      `UPDATE public_services.evaluation_counter SET finished_on_time = finished_on_time + 1 WHERE ctid = (SELECT ctid FROM public_services.evaluation_counter LIMIT 1)`,
    );
    const [stored, recomputed] = await db.transaction(async (em) => [await storedCounters(em), await recomputeCounters(em)]);
    expect(stored).not.toEqual(recomputed);
    await db.transaction((em) => recomputeCounters(em, { replace: true }));
    const [repaired, again] = await db.transaction(async (em) => [await storedCounters(em), await recomputeCounters(em)]);
    expect(repaired).toEqual(again);
    const rollups = await db.transaction((em) => provinceRollups(em));
    expect(rollups.stored).toEqual(rollups.fromUnits);
  });
});
