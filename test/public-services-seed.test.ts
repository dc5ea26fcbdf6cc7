import type { ApolloServer } from '@apollo/server';
import type { PGlite } from '@electric-sql/pglite';
import type { DataSource } from 'typeorm';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { openHubDatabase } from '../hub/database';
import { seedSynthetic } from '../hub/seed';
import { createAuditLog } from '../shared/audit';
import { openPglite } from '../shared/db';
import { createLogger } from '../shared/observability/logger';
import { loadSubgraphs } from '../subgraphs';
import { AS, meta } from './helpers/identities';
import { testCaching } from './helpers/cache';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

/**
 * The synthetic world's dossiers (public-services' seed hook): spread over every commune, numbered
 * without collisions across the seeder's batches, re-runnable, and calibrated so the national
 * on-time rate lands near the published 91% with a realistic spread across provinces.
 */
describe('seeding dossiers with the synthetic world', () => {
  let pglite: PGlite;
  let db: DataSource;
  let gateway: ApolloServer<GatewayContext>;
  const RESIDENTS = 8_000;
  const DOSSIERS = 8_000;

  beforeAll(async () => {
    pglite = await openPglite();
    db = await openHubDatabase({ kind: 'pglite', pglite });
    gateway = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs, db, auditLog: createAuditLog(db), cache: testCaching() },
      log: createLogger('test-gateway', 'silent'),
    });
    await gateway.start();
  }, 180_000);
  afterAll(async () => {
    await gateway?.stop();
    await db?.destroy();
    await pglite?.close();
  });

  async function run(query: string): Promise<Record<string, unknown>> {
    const contextValue: GatewayContext = { identity: AS.central, meta: meta(), personal: newPersonalReads() };
    const response = await gateway.executeOperation({ query }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('incremental');
    expect(response.body.singleResult.errors).toBeUndefined();
    return response.body.singleResult.data as Record<string, unknown>;
  }

  it('writes about the dossiers asked for, in batches that never reuse a number, and nothing more when re-run', async () => {
    const first = await seedSynthetic(db, { residents: RESIDENTS, seed: 5, dossiers: DOSSIERS, batchSize: 1_000 });
    // Rounding per batch, and the rare unit-day with more than 50 dossiers in one batch, cost a few.
    expect(first.inserted.dossiers).toBeGreaterThan(DOSSIERS * 0.98);
    expect(first.inserted.dossiers).toBeLessThanOrEqual(DOSSIERS + 10);
    const [row] = (await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT number)::int AS numbers, count(DISTINCT unit_code)::int AS units FROM public_services.dossier`,
    )) as { n: number; numbers: number; units: number }[];
    expect(row).toMatchObject({ n: first.inserted.dossiers, numbers: first.inserted.dossiers });
    expect(row!.units).toBeGreaterThan(1_000);
    // Each commune of the world has its service centre, beside each province's.
    const centres = (await db.query(
      `SELECT count(*) FILTER (WHERE level = 'COMMUNE')::int AS communes, count(*) FILTER (WHERE level = 'PROVINCE')::int AS provinces FROM public_services.service_centre`,
    )) as { communes: number; provinces: number }[];
    expect(centres[0]!.provinces).toBe(34);
    expect(centres[0]!.communes).toBeGreaterThan(2_000);
    const again = await seedSynthetic(db, { residents: RESIDENTS, seed: 5, dossiers: DOSSIERS, batchSize: 1_000 });
    expect(again.inserted.dossiers).toBe(0);
  }, 300_000);

  it('lands the national on-time rate near 91%, provinces spread around it', async () => {
    const period = `{ kind: HALF_YEAR, year: 2025, index: 2 }`;
    const data = await run(`{
      nationalEvaluation(period: ${period}) { onTimeRate dossiersReceived score }
      provinceRanking(period: ${period}) { rank evaluation { unitCode onTimeRate score } }
    }`);
    const national = data.nationalEvaluation as { onTimeRate: number; dossiersReceived: number; score: number };
    expect(national.dossiersReceived).toBeGreaterThan(DOSSIERS * 0.9);
    expect(national.onTimeRate).toBeGreaterThan(0.86);
    expect(national.onTimeRate).toBeLessThan(0.96);
    const provinces = (data.provinceRanking as { evaluation: { onTimeRate: number } }[]).map((r) => r.evaluation.onTimeRate);
    expect(provinces).toHaveLength(34);
    expect(Math.max(...provinces) - Math.min(...provinces)).toBeGreaterThan(0.05);
    console.log(
      `[seed calibration] ${national.dossiersReceived} dossiers: national on-time ${(national.onTimeRate * 100).toFixed(1)}%, provinces ${(Math.min(...provinces) * 100).toFixed(1)}–${(Math.max(...provinces) * 100).toFixed(1)}%, national score ${national.score.toFixed(2)}`,
    );
  });
});
