import type { Logger as TypeOrmLogger } from 'typeorm';
import { seedSynthetic } from '../hub/seed';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { openHubDatabase } from '../hub/database';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { createAuditLog } from '../shared/audit';
import { disabledEntityCaching } from '../shared/cache/entityCache';
import type { Identity } from '../shared/auth/identity';
import { createLogger } from '../shared/observability/logger';
import { subgraphs } from '../subgraphs';
import { AS, meta } from './helpers/identities';
import { createDatabase, dropDatabase } from './helpers/postgres';

/**
 * The public-services lists never scan a big table (test/indexes.test.ts is the model): the
 * statements of a commune's dossiers, a resident's dossiers, a dossier by number with its history
 * and supplements, the rankings, a scorecard and a trend are captured with their parameters through
 * the gateway, then EXPLAINed with `enable_seqscan = off` on a seeded, ANALYZEd PostgreSQL. Every
 * read of the dossier partitions, their history, supplements, feedback or the evaluation counters
 * must go through an index condition. Quarters with no dossier yet (the partitions of 2024, 2026 and
 * 2027 are created ahead, empty) are left out: the planner has no statistics to prefer one index
 * of an empty table over another and may walk any of them, which reads nothing; once a quarter
 * holds dossiers and is analysed it is checked like the others (2025 Q3 and Q4 here).
 */
const postgres = process.env.LT_TEST_DATABASE === 'postgres';

/** Tables that grow with the dossiers (each quarter's partition of `dossier` included) or with units × months. */
const BIG_TABLE =
  /^(dossier(_\d{4}q\d|_default)?|dossier_event|dossier_supplement|feedback|evaluation_counter|evaluation_counter_province)$/;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
  underLimit?: boolean;
}

function walk(node: PlanNode, into: PlanNode[] = [], underLimit = false): PlanNode[] {
  into.push({ ...node, underLimit });
  for (const child of node.Plans ?? []) walk(child, into, underLimit || node['Node Type'] === 'Limit');
  return into;
}

/** Through an index condition (or a bitmap of one), or the first rows of an index under a Limit with nothing filtered. */
function bounded(node: PlanNode): boolean {
  if (node['Node Type'] === 'Bitmap Heap Scan') return true;
  if (!/^Index (Only )?Scan( Backward)?$/.test(node['Node Type'])) return false;
  return node['Index Cond'] !== undefined || (node.underLimit === true && node.Filter === undefined);
}

class Capture implements TypeOrmLogger {
  readonly statements: { sql: string; parameters: unknown[]; label: string }[] = [];
  label = '';
  logQuery(query: string, parameters?: unknown[]): void {
    this.statements.push({ sql: query, parameters: parameters ?? [], label: this.label });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

(postgres ? describe : describe.skip)('public-services reads are index-backed on PostgreSQL (EXPLAIN, seeded and analysed)', () => {
  let url: string;
  const capture = new Capture();
  let explain: (sql: string, parameters: unknown[]) => Promise<PlanNode>;
  let close: () => Promise<void>;
  let empty: Set<string>;

  beforeAll(async () => {
    url = await createDatabase('ps_indexes');
    const seeding = await openHubDatabase({ kind: 'postgres', url });
    try {
      await seedSynthetic(seeding, { residents: 10_000, seed: 5, dossiers: 20_000 });
      await seeding.query('ANALYZE');
    } finally {
      await seeding.destroy();
    }
    const db = await openHubDatabase({ kind: 'postgres', url }, { logger: capture });
    const gateway = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs, db, auditLog: createAuditLog(db), cache: disabledEntityCaching() },
      log: createLogger('test-gateway', 'silent'),
    });
    await gateway.start();
    const [dossier] = (await db.query(
      `SELECT number, unit_code AS commune, province_code AS province, applicant_id AS applicant FROM public_services.dossier
       WHERE unit_type = 'COMMUNE' AND applicant_type = 'RESIDENT' AND supplement_count > 0 ORDER BY number LIMIT 1`,
    )) as { number: string; commune: string; province: string; applicant: string }[];
    const [department] = (await db.query(
      `SELECT unit_code AS code FROM public_services.dossier WHERE unit_type = 'DEPARTMENT' ORDER BY number LIMIT 1`,
    )) as { code: string }[];
    const run = async (label: string, query: string, variables: Record<string, unknown>, identity: Identity = AS.central) => {
      capture.label = label;
      const contextValue: GatewayContext = { identity, meta: meta(), personal: newPersonalReads() };
      const response = await gateway.executeOperation({ query, variables }, { contextValue });
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      expect(response.body.singleResult.errors).toBeUndefined();
    };
    const period = { kind: 'QUARTER', year: 2025, index: 3 };
    capture.statements.length = 0;
    const communeDossiers = `query ($code: ID!) { commune(code: $code) { dossiers(first: 20) { totalCount pageInfo { endCursor } edges { node { number status } } } } }`;
    await run('commune dossiers (central)', communeDossiers, { code: dossier!.commune });
    await run('commune dossiers (commune officer)', communeDossiers, { code: dossier!.commune }, AS.communeOfficer(dossier!.commune));
    await run('commune dossiers (province officer)', communeDossiers, { code: dossier!.commune }, AS.provinceOfficer(dossier!.province));
    await run(
      'department dossiers',
      `query ($province: ProvinceCode!) { province(code: $province) { departments { code dossiers(first: 5) { totalCount edges { node { number } } } } } }`,
      { province: dossier!.province },
    );
    await run('resident dossiers (central)', `query ($id: CitizenId!) { resident(citizenId: $id) { dossiers { number dueAt } } }`, {
      id: dossier!.applicant,
    });
    await run(
      'resident dossiers (citizen)',
      `query ($id: CitizenId!) { resident(citizenId: $id) { dossiers { number dueAt } } }`,
      { id: dossier!.applicant },
      AS.citizen(dossier!.applicant),
    );
    await run(
      'dossier by number',
      `query ($n: DossierNumber!) { dossier(number: $n) { number procedure { name } history { status } supplements { round } applicant { __typename } } }`,
      { n: dossier!.number },
    );
    await run('national ranking', `query ($p: PeriodInput!) { provinceRanking(period: $p) { rank evaluation { score } } }`, { p: period });
    await run(
      'communes ranked',
      `query ($p: PeriodInput!, $province: ProvinceCode!) { communeRanking(provinceCode: $province, period: $p) { rank evaluation { score } } }`,
      { p: period, province: dossier!.province },
    );
    await run(
      'departments ranked',
      `query ($p: PeriodInput!, $province: ProvinceCode!) { departmentRanking(provinceCode: $province, period: $p) { rank evaluation { score } } }`,
      { p: period, province: dossier!.province },
    );
    await run(
      'evaluations',
      `query ($p: PeriodInput!, $code: ID!, $province: ProvinceCode!) {
         commune(code: $code) { evaluation(period: $p) { score } }
         province(code: $province) { evaluation(period: $p) { score } }
         nationalEvaluation(period: $p) { score }
       }`,
      { p: period, code: dossier!.commune, province: dossier!.province },
    );
    await run(
      'trends',
      `query ($code: String!, $dept: String!, $province: String!) {
         c: evaluationTrend(unit: { scope: "COMMUNE", code: $code }, year: 2025) { score }
         d: evaluationTrend(unit: { scope: "DEPARTMENT", code: $dept }, year: 2025) { score }
         p: evaluationTrend(unit: { scope: "PROVINCE", code: $province }, year: 2025) { score }
       }`,
      { code: dossier!.commune, dept: department!.code, province: dossier!.province },
    );
    empty = new Set(
      (
        (await db.query(
          `SELECT relname FROM pg_class WHERE relnamespace = 'public_services'::regnamespace AND relkind = 'r' AND reltuples <= 0`,
        )) as { relname: string }[]
      ).map((r) => r.relname),
    );
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.query('SET enable_seqscan = off');
    explain = async (sql, parameters) => {
      const [row] = await runner.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
      return (row['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
    };
    close = async () => {
      await runner.query('RESET enable_seqscan');
      await runner.release();
      await gateway.stop();
      await db.destroy();
    };
  }, 300_000);
  afterAll(async () => {
    await close?.();
    if (url) await dropDatabase(url);
  });

  test('no statement of the dossier lists or the evaluation reads scans a big table', async () => {
    const reads = capture.statements.filter(({ sql }) => /^\s*(SELECT|WITH)\b/i.test(sql));
    const covered = new Set<string>();
    const offenders: string[] = [];
    for (const { sql, parameters, label } of reads) {
      const big = walk(await explain(sql, parameters)).filter(
        (n) => n['Relation Name'] && BIG_TABLE.test(n['Relation Name']) && !empty.has(n['Relation Name']),
      );
      if (big.length === 0) continue;
      covered.add(label);
      for (const node of big) {
        if (!bounded(node))
          offenders.push(
            `${label}: ${node['Node Type']} on ${node['Relation Name']}${node['Index Name'] ? ` (${node['Index Name']}, no condition)` : ''}: ${sql.replace(/\s+/g, ' ').slice(0, 300)}`,
          );
      }
    }
    // The populated quarters were among the tables checked, and every operation above read a big table: the capture saw them all.
    expect(empty.has('dossier_2025q3')).toBe(false);
    expect([...covered].sort()).toEqual(
      expect.arrayContaining([
        'commune dossiers (central)',
        'commune dossiers (commune officer)',
        'commune dossiers (province officer)',
        'department dossiers',
        'resident dossiers (central)',
        'resident dossiers (citizen)',
        'dossier by number',
        'national ranking',
        'communes ranked',
        'departments ranked',
        'evaluations',
        'trends',
      ]),
    );
    expect(offenders).toEqual([]);
  });
});
