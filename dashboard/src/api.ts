import type { DossierRow } from './model';

/** The gateway's endpoints, beside this page's folder (`/dashboard/` → `/graphql`), so a proxy's path prefix is kept. */
export const GRAPHQL_URL = new URL('../graphql', window.location.href).toString();
export const STREAM_URL = new URL('../graphql/stream', window.location.href).toString();

/** A GraphQL error as the gateway reports it, with its stable code. */
export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** POSTs one operation as JSON to the same origin (what the gateway's CSRF prevention accepts). */
export async function graphql<T>(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(GRAPHQL_URL, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json().catch(() => null)) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  } | null;
  const error = body?.errors?.[0];
  if (error) throw new GraphQLRequestError(error.message, error.extensions?.code);
  if (!body?.data) throw new GraphQLRequestError(`HTTP ${response.status}: not a GraphQL response`, undefined);
  return body.data;
}

export interface Group {
  group: string;
  points: number;
  maxPoints: number;
}

export interface Indicator {
  code: string;
  group: string;
  name: string;
  numerator: number;
  denominator: number;
  rate: number | null;
  threshold: number;
  points: number;
  maxPoints: number;
}

export interface Evaluation {
  unitCode: string;
  provinceCode: string | null;
  score: number;
  evaluated: boolean;
  dossiersReceived: number;
  dossiersFinished: number;
  onTimeRate: number | null;
  groups: Group[];
  period: { year: number; index: number };
}

export interface Ranked {
  rank: number;
  evaluation: Evaluation;
}

const EVALUATION = `unitCode provinceCode score evaluated dossiersReceived dossiersFinished onTimeRate
  groups { group points maxPoints } period { year index }`;

export const NAMES = `query DashboardProvinces { provinces { code name } }`;

/** The nation's months of this year and the last, to open on the latest evaluated one (two root fields: within the hub's limits). */
export const LATEST = `query DashboardLatest($year: Int!, $previous: Int!) {
  thisYear: evaluationTrend(unit: { scope: "NATION", code: "VN" }, year: $year) { evaluated period { year index } }
  lastYear: evaluationTrend(unit: { scope: "NATION", code: "VN" }, year: $previous) { evaluated period { year index } }
}`;

export const PROVINCE_RANKING = `query DashboardProvinceRanking($period: PeriodInput!, $year: Int!) {
  provinceRanking(period: $period) { rank evaluation { ${EVALUATION} } }
  nationalEvaluation(period: $period) { ${EVALUATION} }
  nationalTrend: evaluationTrend(unit: { scope: "NATION", code: "VN" }, year: $year) { ${EVALUATION} }
}`;

export const PROVINCE_DETAIL = `query DashboardProvince($code: ProvinceCode!, $unit: String!, $period: PeriodInput!, $year: Int!) {
  communeRanking(provinceCode: $code, period: $period) { rank evaluation { ${EVALUATION} } }
  departmentRanking(provinceCode: $code, period: $period) { rank evaluation { ${EVALUATION} } }
  provinceTrend: evaluationTrend(unit: { scope: "PROVINCE", code: $unit }, year: $year) { ${EVALUATION} }
  province(code: $code) { code name departments { code name } }
}`;

export const COMMUNE_NAMES = `query DashboardCommunes($code: ProvinceCode!, $after: String) {
  communes(filter: { provinceCode: $code }, first: 100, after: $after) {
    edges { node { code name } } pageInfo { hasNextPage endCursor }
  }
}`;

export const COMMUNE_DETAIL = `query DashboardCommune($code: ID!, $unit: String!, $period: PeriodInput!, $year: Int!) {
  commune(code: $code) {
    code name
    evaluation(period: $period) { ${EVALUATION} indicators { code group name numerator denominator rate threshold points maxPoints } }
  }
  communeTrend: evaluationTrend(unit: { scope: "COMMUNE", code: $unit }, year: $year) { ${EVALUATION} }
}`;

export const COMMUNE_DOSSIERS = `query DashboardCommuneDossiers($code: ID!, $after: String) {
  commune(code: $code) {
    dossiers(first: 100, after: $after) {
      totalCount
      edges { node { number status dueAt receivedAt procedure { code name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export type DossierPage = {
  commune: {
    dossiers: { totalCount: number; edges: { node: DossierRow }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  } | null;
};

/** The live subscriptions (README "Live"): events carry keys; the page reads what it shows again. */
export const EVALUATION_CHANGED = `subscription DashboardEvaluationChanged {
  evaluationChanged { unitScope unitCode provinceCode month }
}`;

export const COMMUNE_DOSSIER_CHANGED = `subscription DashboardCommuneDossierChanged($code: CommuneCode!) {
  communeDossierChanged(communeCode: $code) { number status }
}`;
