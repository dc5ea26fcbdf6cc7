import { prepareQuarter } from '../shared/db/partitions';
import { DOSSIER_PERIOD_TABLES } from '../subgraphs/public-services/migrations/1769100000005-PartitionDossiersByProvince';
import { AS } from './helpers/identities';
import { openExplainedHub, type ExplainedHub } from './helpers/explain';

/**
 * The public-services lists never scan a big table (test/indexes.test.ts is the model): the
 * statements of a commune's dossiers, a resident's dossiers, a dossier by number with its history
 * and supplements, the rankings, a scorecard and a trend are captured with their parameters through
 * the gateway, then EXPLAINed with `enable_seqscan = off` on a seeded, ANALYZEd PostgreSQL. Every
 * read of the dossier partitions, their history, supplements, feedback or the evaluation counters
 * must go through an index condition. The seeded quarters are split by province first, as
 * `partitions prepare` does. Tables with no dossier yet (the quarters of 2024, 2026 and 2027 are
 * created ahead, empty, and the provinces without seeded dossiers) are left out: the planner has
 * no statistics to prefer one index of an empty table over another and may walk any of them, which
 * reads nothing; once a table holds dossiers and is analysed it is checked like the others (the
 * provinces' tables of 2025 Q3 and Q4 here).
 */
const postgres = process.env.LT_TEST_DATABASE === 'postgres';

/**
 * Tables that grow with the dossiers (each quarter's partition of `dossier`, and of a quarter split
 * by province each province's, of its history `dossier_event`, and the national key table
 * `dossier_key` included) or with units × months.
 */
const BIG_TABLE =
  /^(dossier(_event)?(_\d{4}q\d(_p(\d{2}|default))?|_default)?|dossier_key|dossier_supplement|feedback|evaluation_counter|evaluation_counter_province)$/;

(postgres ? describe : describe.skip)('public-services reads are index-backed on PostgreSQL (EXPLAIN, seeded and analysed)', () => {
  let hub: ExplainedHub;
  let empty: Set<string>;
  let province: string;

  beforeAll(async () => {
    hub = await openExplainedHub('ps_indexes', { residents: 10_000, seed: 5, dossiers: 20_000 });
    // The seeded quarters split by province, as `partitions prepare` does in production, so each province's table is checked.
    for (const period of ['2025q3', '2025q4']) await prepareQuarter(hub.db, DOSSIER_PERIOD_TABLES, period);
    await hub.db.query('ANALYZE public_services.dossier');
    const [dossier] = (await hub.db.query(
      `SELECT number, unit_code AS commune, province_code AS province, applicant_id AS applicant FROM public_services.dossier
       WHERE unit_type = 'COMMUNE' AND applicant_type = 'RESIDENT' AND supplement_count > 0 ORDER BY number LIMIT 1`,
    )) as { number: string; commune: string; province: string; applicant: string }[];
    province = dossier!.province;
    const [department] = (await hub.db.query(
      `SELECT unit_code AS code FROM public_services.dossier WHERE unit_type = 'DEPARTMENT' ORDER BY number LIMIT 1`,
    )) as { code: string }[];
    const period = { kind: 'QUARTER', year: 2025, index: 3 };
    const communeDossiers = `query ($code: ID!) { commune(code: $code) { dossiers(first: 20) { totalCount pageInfo { endCursor } edges { node { number status } } } } }`;
    await hub.run('commune dossiers (central)', communeDossiers, { code: dossier!.commune });
    await hub.run('commune dossiers (commune officer)', communeDossiers, { code: dossier!.commune }, AS.communeOfficer(dossier!.commune));
    await hub.run(
      'commune dossiers (province officer)',
      communeDossiers,
      { code: dossier!.commune },
      AS.provinceOfficer(dossier!.province),
    );
    await hub.run(
      'department dossiers',
      `query ($province: ProvinceCode!) { province(code: $province) { departments { code dossiers(first: 5) { totalCount edges { node { number } } } } } }`,
      { province: dossier!.province },
    );
    await hub.run('resident dossiers (central)', `query ($id: CitizenId!) { resident(citizenId: $id) { dossiers { number dueAt } } }`, {
      id: dossier!.applicant,
    });
    await hub.run(
      'resident dossiers (citizen)',
      `query ($id: CitizenId!) { resident(citizenId: $id) { dossiers { number dueAt } } }`,
      { id: dossier!.applicant },
      AS.citizen(dossier!.applicant),
    );
    await hub.run(
      'dossier by number',
      `query ($n: DossierNumber!) { dossier(number: $n) { number procedure { name } history { status } supplements { round } applicant { __typename } } }`,
      { n: dossier!.number },
    );
    await hub.run('national ranking', `query ($p: PeriodInput!) { provinceRanking(period: $p) { rank evaluation { score } } }`, {
      p: period,
    });
    await hub.run(
      'communes ranked',
      `query ($p: PeriodInput!, $province: ProvinceCode!) { communeRanking(provinceCode: $province, period: $p) { rank evaluation { score } } }`,
      { p: period, province: dossier!.province },
    );
    await hub.run(
      'departments ranked',
      `query ($p: PeriodInput!, $province: ProvinceCode!) { departmentRanking(provinceCode: $province, period: $p) { rank evaluation { score } } }`,
      { p: period, province: dossier!.province },
    );
    await hub.run(
      'evaluations',
      `query ($p: PeriodInput!, $code: ID!, $province: ProvinceCode!) {
         commune(code: $code) { evaluation(period: $p) { score } }
         province(code: $province) { evaluation(period: $p) { score } }
         nationalEvaluation(period: $p) { score }
       }`,
      { p: period, code: dossier!.commune, province: dossier!.province },
    );
    await hub.run(
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
        (await hub.db.query(
          `SELECT relname FROM pg_class WHERE relnamespace = 'public_services'::regnamespace AND relkind = 'r' AND reltuples <= 0`,
        )) as { relname: string }[]
      ).map((r) => r.relname),
    );
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
  });

  test('no statement of the dossier lists or the evaluation reads scans a big table', async () => {
    const { covered, offenders } = await hub.unboundedReads((relation) => BIG_TABLE.test(relation) && !empty.has(relation));
    // The populated quarters were among the tables checked, and every operation above read a big table: the capture saw them all.
    expect(empty.has(`dossier_2025q3_p${province}`)).toBe(false);
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
