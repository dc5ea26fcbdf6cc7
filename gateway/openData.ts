import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { ANONYMOUS } from '../shared/auth/identity';
import { PublicError } from '../shared/graphql/errors';
import type { RequestInfo } from '../shared/http';
import type { OpenDataSet } from '../shared/subgraph';
import { newPersonalReads, type GatewayContext } from './context';

/** Where the open-data sets are served. */
export const OPEN_DATA_PATH = '/open-data/';

const PATH = /^\/open-data\/([a-z][a-z0-9-]{0,40})\/([A-Za-z0-9-]{1,20})\.(csv|json)$/;

const LICENCE = 'Open data of Liên Thông: free to reuse with attribution (CC BY 4.0). Aggregates only; no personal data.';

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The open-data sets the subgraphs declare (`openData` in their modules), as CSV or JSON at
 * `/open-data/{name}/{period}.csv|json`: each is a query run through the graph with the PUBLIC
 * identity, so nothing the public may not read can be in it.
 */
export function openDataRoute(apollo: () => ApolloServer<GatewayContext>, sets: readonly OpenDataSet[]) {
  const fail = (res: ServerResponse, status: number, code: string, message: string, requestId: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ errors: [{ message, extensions: { code, requestId } }] }));
  };
  return async (req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET', info.requestId);
    const match = PATH.exec(url.pathname);
    const set = match && sets.find((s) => s.name === match[1]);
    if (!match || !set) {
      const names = sets.map((s) => `${OPEN_DATA_PATH}${s.name}/{period}.csv|json`).join(', ');
      return fail(res, 404, 'NOT_FOUND', `No such open-data set: ${names}`, info.requestId);
    }
    const [, , period, format] = match as unknown as [string, string, string, 'csv' | 'json'];
    let request: { query: string; variables: Record<string, unknown> };
    try {
      request = set.request(period, url.searchParams);
    } catch (error) {
      if (error instanceof PublicError) return fail(res, 400, String(error.extensions.code), error.message, info.requestId);
      throw error;
    }
    const response = await apollo().executeOperation(request, {
      contextValue: { identity: ANONYMOUS, meta: { requestId: info.requestId, purpose: null }, personal: newPersonalReads() },
    });
    const result = response.body.kind === 'single' ? response.body.singleResult : null;
    if (!result?.data || result.errors?.length) {
      const code = String(result?.errors?.[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
      const status = code === 'BAD_USER_INPUT' ? 400 : 502;
      return fail(res, status, code, result?.errors?.[0]?.message ?? 'The graph gave no answer', info.requestId);
    }
    const rows = set.rows(result.data).map((row) => ({ ...row, period }));
    const headers = { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' };
    if (format === 'json') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ dataset: set.name, period, licence: LICENCE, columns: set.columns, rows }));
      return;
    }
    const lines = [
      set.columns.join(','),
      ...rows.map((row) => set.columns.map((c) => csvCell((row as Record<string, unknown>)[c])).join(',')),
    ];
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `inline; filename="${set.name}-${period}.csv"`,
    });
    res.end(`${lines.join('\r\n')}\r\n`);
  };
}
