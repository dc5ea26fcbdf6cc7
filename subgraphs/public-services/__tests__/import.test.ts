import type { DataSource } from 'typeorm';
import { auditMigrations } from '../../../shared/audit';
import { createDataSource, migrate, openPglite } from '../../../shared/db';
import { digest } from '../../../test/helpers/writes';
import { contributionOf, recomputeCounters, storedCounters } from '../evaluation/counters';
import { dueFrom, formatDossierNumber, vietnamDate } from '../numbers';
import { departmentCode, generateCatalogue, seedCatalogue } from '../seed';
import { importDossiers, measureImportThroughput, toSyncRow, type CommuneLookup } from '../seed/import';
import { publicServices } from '../subgraph';
import type { NewDossier } from '../writes';
import type { LiveEvent } from '../../../shared/live';

/**
 * The bulk import of the national portal's sync format on an embedded PGlite holding this subgraph
 * and the audit log: validation and report, all or nothing, duplicates and out-of-order deliveries,
 * counters against the recomputation.
 */
describe('dossier import', () => {
  let db: DataSource;
  let close: () => Promise<void>;
  const IN_FORCE = new Map([
    ['00004', '01'],
    ['00008', '01'],
    ['26740', '79'],
  ]);
  const communes: CommuneLookup = async (codes) => new Map(codes.flatMap((c) => (IN_FORCE.has(c) ? [[c, IN_FORCE.get(c)!]] : [])));
  const catalogue = generateCatalogue();
  const communeProcedure = catalogue.find((p) => p.level === 'COMMUNE' && p.onlineLevel !== 'NONE')!;
  const offline = catalogue.find((p) => p.level === 'COMMUNE' && p.onlineLevel === 'NONE')!;
  const provincial = catalogue.find((p) => p.level === 'PROVINCE' && p.department !== null)!;
  const NOW = new Date('2026-01-15T03:00:00Z');

  const dossier = (i: number, overrides: Partial<NewDossier> = {}): NewDossier => {
    const receivedAt = new Date(Date.UTC(2025, 8, 1 + (i % 28), 2, 0) + i * 60_000);
    const unitCode = i % 5 === 0 ? departmentCode(provincial.department!, '01') : i % 2 ? '00004' : '26740';
    const procedure = i % 5 === 0 ? provincial : communeProcedure;
    return {
      number: formatDossierNumber(unitCode, vietnamDate(receivedAt), 100 + i),
      receivedOn: vietnamDate(receivedAt),
      procedureCode: procedure.code,
      unitType: i % 5 === 0 ? 'DEPARTMENT' : 'COMMUNE',
      unitCode,
      communeCode: i % 5 === 0 ? null : unitCode,
      provinceCode: unitCode === '26740' ? '79' : '01',
      applicantType: i % 5 === 0 ? 'ENTERPRISE' : 'RESIDENT',
      applicantId: i % 5 === 0 ? '0100109106' : '001085012345',
      channel: i % 3 ? 'ONLINE' : 'IN_PERSON',
      status: 'RECEIVED',
      submittedAt: receivedAt,
      receivedAt,
      dueAt: dueFrom(receivedAt, procedure.timeLimit, procedure.timeUnit),
      finishedAt: null,
      returnedAt: null,
      supplementCount: 0,
      onlineOffered: procedure.onlineLevel !== 'NONE',
      feeRequired: procedure.hasFee,
      paidOnline: procedure.hasFee && i % 2 === 0,
      digitised: i % 4 !== 0,
      reusedData: i % 3 === 0,
      fromDataStore: false,
      vneidVerified: i % 2 === 1,
      electronicResult: false,
      reportingSystem: 'x',
      reportedAt: receivedAt,
      lastEventAt: receivedAt,
      ...overrides,
    };
  };
  const HOUR = 3_600_000;
  /** A dossier received, then decided (DONE) a day later, then returned. */
  const lifecycle = (i: number) => {
    const received = dossier(i);
    const finishedAt = new Date(received.receivedAt.getTime() + 24 * HOUR);
    const done = { ...received, status: 'DONE' as const, finishedAt, electronicResult: true, lastEventAt: finishedAt };
    const returnedAt = new Date(finishedAt.getTime() + 2 * HOUR);
    const returned = { ...done, status: 'RETURNED' as const, returnedAt, lastEventAt: returnedAt };
    return { received, done, returned };
  };
  const ndjson = (rows: (Record<string, unknown> | string)[]) =>
    rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
  const line = (d: NewDossier) => toSyncRow(d, d.lastEventAt);
  /** What each import published (one array per publish call). */
  const published: LiveEvent[][] = [];
  const live = { publish: async (events: readonly LiveEvent[]) => void published.push([...events]) };
  const run = (text: string, extra: { dryRun?: boolean; system?: string } = {}) =>
    importDossiers(db, text, { communes, now: NOW, live, ...extra });
  const fingerprint = async () => `${await digest(db, 'public_services')}#${await digest(db, 'audit')}`;
  const countersMatch = async () => {
    const [stored, recomputed] = await db.transaction(async (em) => [await storedCounters(em), await recomputeCounters(em)]);
    expect(stored).toEqual(recomputed);
    return stored;
  };

  beforeAll(async () => {
    const pglite = await openPglite();
    const target = { kind: 'pglite' as const, pglite };
    await migrate(target, [publicServices, auditMigrations]);
    db = await createDataSource({ target, entities: publicServices.entities });
    await db.initialize();
    await seedCatalogue(db);
    close = async () => {
      await db.destroy();
      await pglite.close();
    };
  });
  afterAll(async () => close?.());

  const clean = ndjson([...Array.from({ length: 30 }, (_, i) => line(dossier(i))), line(lifecycle(31).done), line(lifecycle(32).returned)]);

  test('a dry run validates everything and writes nothing', async () => {
    const before = await fingerprint();
    const report = await run(clean, { dryRun: true });
    expect(report).toMatchObject({ read: 32, created: 32, updated: 0, unchanged: 0, stale: 0, rejected: [], applied: false, dryRun: true });
    expect(await fingerprint()).toBe(before);
    expect(published).toEqual([]);
  });

  test('the report names each bad line and its reason; one bad line among good ones applies nothing', async () => {
    const bad = [
      '{"MaHoSo": "00004-250901-0001", ',
      JSON.stringify({ ...line(dossier(40)), MaTTHC: '9.999999' }),
      JSON.stringify({ ...line(dossier(41)), MaHoSo: '00004-250231-0001' }),
      JSON.stringify(line(dossier(42, { number: formatDossierNumber('99999', dossier(42).receivedOn, 142), unitCode: '99999' }))),
      JSON.stringify({ ...line(dossier(43)), NgayTiepNhan: '20250230081500' }),
      JSON.stringify({ ...line(dossier(44)), TrangThaiHoSo: 11 }),
      JSON.stringify({ ...line(dossier(46)), KenhThucHien: 2, MaTTHC: offline.code }),
    ];
    // Decided, then stopped: a stop ranks above a decision but cannot follow one.
    const decided = lifecycle(47).done;
    const text = ndjson([
      ...Array.from({ length: 5 }, (_, i) => line(dossier(i))),
      ...bad,
      line(decided),
      line({ ...decided, status: 'STOPPED', returnedAt: NOW, lastEventAt: NOW }),
    ]);
    const before = await fingerprint();
    const report = await run(text);
    expect(report.applied).toBe(false);
    // Nothing applied, nothing announced.
    expect(report.events).toBe(0);
    expect(published).toEqual([]);
    expect(report.rejected.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [6, 'malformed JSON'],
      [7, 'unknown procedure'],
      [8, 'malformed number'],
      [9, 'unknown unit'],
      [10, 'bad date'],
      [11, 'malformed status'],
      [12, 'malformed channel'],
      [14, 'illegal transition'],
    ]);
    expect(report.rejected[3]!.reason).toContain('no commune with code 99999 is in force');
    expect(report.rejected[7]!.reason).toContain('DONE (9) cannot become STOPPED (8)');
    // Nothing of the good lines either; only the refusal is counted in the sync status of the systems named.
    const after = await fingerprint();
    expect(after.replace(/sync_status:[^,]*(,|$)/, '')).toBe(before.replace(/sync_status:[^,]*(,|$)/, ''));
    const sync = (await db.query(
      `SELECT system, accepted_rows::int AS a, rejected_rows::int AS r FROM public_services.sync_status ORDER BY 1`,
    )) as {
      system: string;
      a: number;
      r: number;
    }[];
    expect(sync).toEqual(expect.arrayContaining([{ system: 'mot-cua-xa-00004', a: 0, r: expect.any(Number) }]));
    expect(sync.every((s) => s.a === 0)).toBe(true);
    await db.query(`DELETE FROM public_services.sync_status`);
  });

  test('a clean file applies in one go; the counters equal a recomputation; re-importing it changes nothing', async () => {
    const report = await run(clean, { system: 'mot-cua-test' });
    expect(report).toMatchObject({ read: 32, created: 32, rejected: [], applied: true, dossiers: 32 });
    // After the commit, keys only: each dossier on its commune's channel (departments have none) and
    // its resident applicant's; the evaluation once per unit and month moved, not once per line.
    const events = published.flat();
    expect(report.events).toBe(events.length);
    const rows = [...Array.from({ length: 30 }, (_, i) => dossier(i)), lifecycle(31).done, lifecycle(32).returned];
    const onChannel = (prefix: string) => events.filter((e) => e.channel.startsWith(prefix));
    expect(
      onChannel('dossier:commune:')
        .map((e) => [e.channel, e.keys])
        .sort(),
    ).toEqual(
      rows
        .filter((d) => d.communeCode)
        .map((d) => [`dossier:commune:${d.communeCode}`, { number: d.number }])
        .sort(),
    );
    expect(onChannel('dossier:applicant:')).toHaveLength(rows.filter((d) => d.applicantType === 'RESIDENT').length);
    const units = new Set(rows.flatMap((d) => contributionOf(d)).map((c) => `${c.unitCode} ${c.month.slice(0, 7)}`));
    expect(
      onChannel('evaluation:*')
        .map((e) => `${e.keys.unitCode} ${e.keys.month}`)
        .sort(),
    ).toEqual([...units].sort());
    expect(onChannel('evaluation:*').length).toBeLessThan(rows.length / 3);
    expect(events.every((e) => Object.values(e.keys).every((v) => typeof v === 'string' && v.length <= 20))).toBe(true);
    published.length = 0;
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM public_services.dossier`)) as [{ n: number }];
    expect(n).toBe(32);
    const returned = lifecycle(32).returned;
    const [row] = (await db.query(`SELECT status, returned_at AS "returnedAt", version FROM public_services.dossier WHERE number = $1`, [
      returned.number,
    ])) as { status: string; returnedAt: Date; version: number }[];
    expect(row).toMatchObject({ status: 'RETURNED', version: 1 });
    expect(new Date(row!.returnedAt).toISOString()).toBe(returned.returnedAt!.toISOString());
    const counters = await countersMatch();
    expect(counters.reduce((sum, c) => sum + c.counters.received, 0)).toBe(32);
    expect(counters.reduce((sum, c) => sum + c.counters.finished, 0)).toBe(2);
    const [sync] = (await db.query(
      `SELECT accepted_rows::int AS accepted, rejected_rows::int AS rejected, last_event_at AS "lastEventAt", lag_seconds AS lag FROM public_services.sync_status WHERE system = 'mot-cua-test'`,
    )) as { accepted: number; rejected: number; lastEventAt: Date; lag: number }[];
    expect(sync).toMatchObject({ accepted: 32, rejected: 0 });
    expect(sync!.lag).toBeCloseTo((NOW.getTime() - new Date(sync!.lastEventAt).getTime()) / 1000, 0);
    const [audit] = (await db.query(`SELECT fields, subjects FROM audit.entry ORDER BY id DESC LIMIT 1`)) as {
      fields: string[];
      subjects: string[];
    }[];
    expect(audit).toEqual({ fields: ['Mutation.importDossiers'], subjects: ['001085012345'] });

    const before = await digest(db, 'public_services');
    const again = await run(clean, { dryRun: true });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 32, stale: 0, rejected: [] });
    const applied = await run(clean, { system: 'mot-cua-test' });
    expect(applied).toMatchObject({ created: 0, updated: 0, unchanged: 32, applied: true, dossiers: 0, events: 0 });
    expect(published.flat()).toEqual([]);
    // Only the sync status moved (another delivery received); dossiers, history, counters did not.
    const strip = (s: string) => s.replace(/sync_status:[^,]*(,|$)/, '');
    expect(strip(await digest(db, 'public_services'))).toBe(strip(before));
  });

  test('an older status after a newer one changes nothing; a newer one applies; the counters follow', async () => {
    const { received, done, returned } = lifecycle(60);
    expect((await run(ndjson([line(returned)]))).created).toBe(1);
    const before = await digest(db, 'public_services');
    // The same dossier again, out of order: received, then decided — both older than what is stored.
    const late = await run(ndjson([line(received), line(done)]));
    expect(late).toMatchObject({ created: 0, updated: 0, stale: 2, rejected: [], applied: true });
    const strip = (s: string) => s.replace(/sync_status:[^,]*(,|$)/, '');
    expect(strip(await digest(db, 'public_services'))).toBe(strip(before));

    // In one file, out of order: DONE first, then the older RECEIVED (stale), then RETURNED.
    const other = lifecycle(61);
    const mixed = await run(ndjson([line(other.done), line(other.received), line(other.returned), line(other.returned)]));
    expect(mixed).toMatchObject({ created: 1, updated: 1, stale: 1, unchanged: 1, rejected: [] });
    const [row] = (await db.query(`SELECT status, version FROM public_services.dossier WHERE number = $1`, [other.returned.number])) as {
      status: string;
      version: number;
    }[];
    expect(row).toEqual({ status: 'RETURNED', version: 1 });
    const history = (await db.query(
      `SELECT from_status AS "from", to_status AS "to" FROM public_services.dossier_event WHERE number = $1 ORDER BY id`,
      [other.returned.number],
    )) as { from: string | null; to: string }[];
    expect(history).toEqual([
      { from: null, to: 'DONE' },
      { from: 'DONE', to: 'RETURNED' },
    ]);

    // A stored dossier moving on: received → supplement requested → in progress (due date moved) → done.
    const base = dossier(62);
    await run(ndjson([line(base)]));
    const t = (h: number) => new Date(base.receivedAt.getTime() + h * HOUR);
    const moved = new Date(base.dueAt.getTime() + 48 * HOUR);
    const steps = await run(
      ndjson([
        line({ ...base, status: 'SUPPLEMENT_REQUESTED', lastEventAt: t(2) }),
        line({ ...base, status: 'IN_PROGRESS', supplementCount: 1, dueAt: moved, lastEventAt: t(50) }),
        line({ ...base, status: 'DONE', supplementCount: 1, dueAt: moved, finishedAt: t(60), lastEventAt: t(60) }),
      ]),
    );
    expect(steps).toMatchObject({ updated: 3, rejected: [] });
    const [round] = (await db.query(
      `SELECT round, completed_at AS "completedAt", new_due_at AS "newDueAt" FROM public_services.dossier_supplement WHERE number = $1`,
      [base.number],
    )) as { round: number; completedAt: Date; newDueAt: Date }[];
    expect(round!.round).toBe(1);
    expect(new Date(round!.completedAt).toISOString()).toBe(t(50).toISOString());
    expect(new Date(round!.newDueAt).toISOString()).toBe(moved.toISOString());
    await countersMatch();
  });

  test('a dossier contradicting the stored one is refused', async () => {
    const base = dossier(62);
    const report = await run(
      ndjson([
        {
          ...line({ ...base, status: 'RETURNED', returnedAt: NOW, finishedAt: NOW, lastEventAt: NOW }),
          MaTTHC: communeProcedure.code === catalogue[0]!.code ? catalogue[1]!.code : catalogue[0]!.code,
        },
      ]),
    );
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]!.line).toBe(1);
    await countersMatch();
  });

  test('the bench measure imports a generated file (rows/s)', async () => {
    const result = await measureImportThroughput(db, {
      seed: 3,
      count: 400,
      communes: [...IN_FORCE].map(([code, provinceCode]) => ({ code, provinceCode })),
      residents: [{ citizenId: '001085012345', communeCode: '00004' }],
      enterprises: [{ taxCode: '0100109106', provinceCode: '01' }],
      asOf: '2026-01-10',
    });
    expect(result.rows).toBe(400);
    expect(result.report).toMatchObject({ created: 400, rejected: [], applied: true });
    expect(result.rowsPerSecond).toBeGreaterThan(0);
    await countersMatch();
  });
});
