/**
 * The dashboard's operations: the only ones it sends. They are its trusted documents: the page sends
 * each by id (its sha256, computed at build time: tools/pageBundle.ts) with the client name below,
 * and every gateway knows them (dashboard/site.ts), so the dashboard works where the gateway runs
 * published documents only (production) without anyone publishing them.
 */

/** The client name the dashboard sends in `apollographql-client-name`. */
export const DASHBOARD_CLIENT = 'lien-thong-dashboard';

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

/** The live subscriptions (README "Live"): events carry keys; the page reads what it shows again. */
export const EVALUATION_CHANGED = `subscription DashboardEvaluationChanged {
  evaluationChanged { unitScope unitCode provinceCode month }
}`;

export const COMMUNE_DOSSIER_CHANGED = `subscription DashboardCommuneDossierChanged($code: CommuneCode!) {
  communeDossierChanged(communeCode: $code) { number status }
}`;

/** Every operation of the dashboard, in one list (its trusted documents). */
export const DASHBOARD_OPERATIONS: readonly string[] = [
  NAMES,
  LATEST,
  PROVINCE_RANKING,
  PROVINCE_DETAIL,
  COMMUNE_NAMES,
  COMMUNE_DETAIL,
  COMMUNE_DOSSIERS,
  EVALUATION_CHANGED,
  COMMUNE_DOSSIER_CHANGED,
];
