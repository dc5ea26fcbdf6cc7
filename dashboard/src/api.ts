import type { DossierRow } from './model';
import { DASHBOARD_CLIENT } from '../operations';

export * from '../operations';

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

/** The request naming one of the dashboard's operations by id (its trusted documents: ../operations.ts). */
export function persisted(query: string): { extensions: { persistedQuery: { version: 1; sha256Hash: string } } } {
  const id = __DOCUMENT_IDS__[query];
  if (!id) throw new Error('Not one of the dashboard operations (dashboard/operations.ts)');
  return { extensions: { persistedQuery: { version: 1, sha256Hash: id } } };
}

/** The header naming this client (trusted documents are per client). */
export const CLIENT_HEADERS = { 'apollographql-client-name': DASHBOARD_CLIENT };

/** POSTs one operation, by id, as JSON to the same origin (what the gateway's CSRF prevention accepts). */
export async function graphql<T>(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(GRAPHQL_URL, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...CLIENT_HEADERS,
      ...headers,
    },
    body: JSON.stringify({ variables, ...persisted(query) }),
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

export type DossierPage = {
  commune: {
    dossiers: { totalCount: number; edges: { node: DossierRow }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  } | null;
};
