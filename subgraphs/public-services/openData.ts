import { badInput } from '../../shared/graphql/errors';
import type { OpenDataSet } from '../../shared/subgraph';

const PERIOD = /^(20\d\d)(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$/;
const SCOPES = ['province', 'commune', 'department'] as const;
const GROUPS = ['PUBLICITY', 'PROGRESS', 'ONLINE', 'DIGITISATION', 'SATISFACTION'] as const;

interface Ranked {
  rank: number;
  evaluation: {
    scope: string;
    unitCode: string;
    provinceCode: string | null;
    score: number;
    evaluated: boolean;
    dossiersReceived: number;
    dossiersFinished: number;
    onTimeRate: number | null;
    averageResolutionHours: number | null;
    groups: { group: string; points: number }[];
  };
}

/**
 * Đánh giá — the Decision 766 evaluation per unit and period, as open data: scores, group points,
 * counts and rates (aggregates, no personal data), ranked as the national portal ranks them.
 */
export const evaluationOpenData: OpenDataSet = {
  name: 'evaluation',
  columns: [
    'period',
    'scope',
    'rank',
    'unitCode',
    'provinceCode',
    'score',
    'evaluated',
    ...GROUPS.map((g) => `points${g[0]}${g.slice(1).toLowerCase()}`),
    'dossiersReceived',
    'dossiersFinished',
    'onTimeRate',
    'averageResolutionHours',
  ],
  request(period, params) {
    const match = PERIOD.exec(period);
    if (!match) throw badInput('period', period, 'must be YYYY, YYYY-MM, YYYY-Q1…Q4 or YYYY-H1/H2');
    const [, year, month, quarter, half] = match;
    const kind = month ? 'MONTH' : quarter ? 'QUARTER' : half ? 'HALF_YEAR' : 'YEAR';
    const variables: Record<string, unknown> = { period: { kind, year: Number(year), index: Number(month ?? quarter ?? half ?? 1) } };
    // A parameter this set does not read is refused, not silently ignored (a misspelt filter would answer everything).
    const unknown = [...params.keys()].find((name) => name !== 'scope' && name !== 'province');
    if (unknown !== undefined) throw badInput(unknown, params.get(unknown), 'is not a parameter of this data set (scope, province)');
    const scope = params.get('scope') ?? 'province';
    if (!(SCOPES as readonly string[]).includes(scope)) throw badInput('scope', scope, `must be one of ${SCOPES.join(', ')}`);
    const selection = `rank evaluation { scope unitCode provinceCode score evaluated dossiersReceived dossiersFinished onTimeRate averageResolutionHours groups { group points } }`;
    if (scope === 'province' && params.has('province'))
      throw badInput('province', params.get('province'), 'applies to scope=commune or scope=department (the province ranking is national)');
    if (scope === 'province')
      return { query: `query ($period: PeriodInput!) { ranking: provinceRanking(period: $period) { ${selection} } }`, variables };
    const province = params.get('province') ?? '';
    if (!/^\d{2}$/.test(province)) throw badInput('province', province, `a ${scope} ranking needs ?province= (a 2-digit province code)`);
    const field = scope === 'commune' ? 'communeRanking' : 'departmentRanking';
    return {
      query: `query ($period: PeriodInput!, $province: ProvinceCode!) { ranking: ${field}(provinceCode: $province, period: $period) { ${selection} } }`,
      variables: { ...variables, province },
    };
  },
  rows(data) {
    return ((data.ranking ?? []) as Ranked[]).map(({ rank, evaluation: e }) => ({
      scope: e.scope,
      rank,
      unitCode: e.unitCode,
      provinceCode: e.provinceCode,
      // A unit with no evaluated dossier has no score (its computed value would read as a top mark).
      score: e.evaluated ? e.score : null,
      evaluated: e.evaluated,
      ...Object.fromEntries(
        GROUPS.map((g) => [
          `points${g[0]}${g.slice(1).toLowerCase()}`,
          e.evaluated ? (e.groups.find((x) => x.group === g)?.points ?? null) : null,
        ]),
      ),
      dossiersReceived: e.dossiersReceived,
      dossiersFinished: e.dossiersFinished,
      onTimeRate: e.onTimeRate,
      averageResolutionHours: e.averageResolutionHours,
    }));
  },
};
