import type { ApolloServer } from '@apollo/server';
import type { DataSource } from 'typeorm';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { openHubDatabase } from '../hub/database';
import { seedSynthetic } from '../hub/seed';
import { createAuditLog } from '../shared/audit';
import { disabledEntityCaching } from '../shared/cache/entityCache';
import { openPglite, StatementCounter } from '../shared/db';
import { createLogger } from '../shared/observability/logger';
import { loadSubgraphs } from '../subgraphs';
import { AS, meta } from './helpers/identities';
import { createDatabase, dropDatabase } from './helpers/postgres';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

/**
 * The evaluation's lists read the counters, never the dossiers, in a fixed number of statements:
 * the national ranking, a province's communes ranked and a commune's scorecard send the same SQL
 * whether the province has five communes with dossiers or more than a hundred. Counted through
 * the gateway (every subgraph in-process, entity cache off so every read goes to the database),
 * on a data set of its own: dossiers in all 126 communes of Hà Nội and in five of another province.
 */
const BIG_PROVINCE = '01';
const SMALL_PROVINCE = '79';
const PERIOD = { kind: 'YEAR', year: 2025 };

const RANKING = `query ($province: ProvinceCode!, $period: PeriodInput!) {
  communeRanking(provinceCode: $province, period: $period) { rank evaluation { unitCode score onTimeRate dossiersReceived } }
}`;
const NATIONAL = `query ($period: PeriodInput!) { provinceRanking(period: $period) { rank evaluation { unitCode score onTimeRate } } }`;
const SCORECARD = `query ($code: ID!, $period: PeriodInput!) {
  commune(code: $code) { name evaluation(period: $period) { score onTimeRate groups { group points } indicators { code rate points } } }
}`;

describe('evaluation reads: constant SQL statements through the gateway, whatever the number of units', () => {
  const counter = new StatementCounter();
  let db: DataSource;
  let gateway: ApolloServer<GatewayContext>;
  let close: () => Promise<void>;
  let smallCommunes: string[];
  let bigCommunes: string[];

  beforeAll(async () => {
    const url = process.env.LT_TEST_DATABASE_URL ? await createDatabase('ps_statements') : null;
    const pglite = url ? null : await openPglite();
    const target = url ? { kind: 'postgres' as const, url } : { kind: 'pglite' as const, pglite: pglite! };
    db = await openHubDatabase(target, { logger: counter });
    const communes = async (province: string) =>
      (
        (await db.query(`SELECT code FROM administrative_units.commune WHERE province_code = $1 ORDER BY code`, [province])) as {
          code: string;
        }[]
      ).map((r) => r.code);
    bigCommunes = await communes(BIG_PROVINCE);
    smallCommunes = (await communes(SMALL_PROVINCE)).slice(0, 5);
    await seedSynthetic(db, { residents: 4_000, seed: 11, dossiers: 6_000, communeCodes: [...bigCommunes, ...smallCommunes] });
    gateway = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs, db, auditLog: createAuditLog(db), cache: disabledEntityCaching() },
      log: createLogger('test-gateway', 'silent'),
    });
    await gateway.start();
    close = async () => {
      await gateway.stop();
      await db.destroy();
      await pglite?.close();
      if (url) await dropDatabase(url);
    };
  }, 240_000);
  afterAll(async () => close?.());

  /** Runs `query` (public: no identity needed) and returns its data and the statements it sent. */
  const counted = async (query: string, variables: Record<string, unknown>) => {
    counter.reset();
    const contextValue: GatewayContext = { identity: AS.anonymous, meta: meta(null), personal: newPersonalReads() };
    const response = await gateway.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    expect(response.body.singleResult.errors).toBeUndefined();
    return { data: response.body.singleResult.data as Record<string, unknown[]>, statements: counter.count };
  };

  test("a province's communes ranked: the same statements for 5 communes and for 100+", async () => {
    const small = await counted(RANKING, { province: SMALL_PROVINCE, period: PERIOD });
    const big = await counted(RANKING, { province: BIG_PROVINCE, period: PERIOD });
    expect(small.data.communeRanking).toHaveLength(smallCommunes.length);
    expect(big.data.communeRanking!.length).toBeGreaterThanOrEqual(100);
    expect(big.statements).toBe(small.statements);
    expect(big.statements).toBeLessThanOrEqual(3);
  });

  test('the national ranking of the 34 provinces: a fixed handful of statements', async () => {
    const national = await counted(NATIONAL, { period: PERIOD });
    expect(national.data.provinceRanking).toHaveLength(34);
    expect(national.statements).toBeLessThanOrEqual(3);
  });

  test("a commune's scorecard: the same statements for a commune of either province", async () => {
    const small = await counted(SCORECARD, { code: smallCommunes[0], period: PERIOD });
    const big = await counted(SCORECARD, { code: bigCommunes[0], period: PERIOD });
    expect(big.statements).toBe(small.statements);
    expect(big.statements).toBeLessThanOrEqual(4);
  });
});
