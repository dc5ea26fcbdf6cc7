import type { ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import { CLIENT_NAME, DOCUMENT_ID, type DocumentStore } from '../shared/documents';
import type { GatewayContext } from './context';

/**
 * Trusted documents at the gateway. With `mode: 'enforce'` (`TRUSTED_DOCUMENTS=enforce`, for production), an HTTP request
 * runs only a document its client published (`npm run cli -- documents publish`): it names its
 * client in `apollographql-client-name` and the document by id, Apollo's persisted-query way —
 * `extensions.persistedQuery.sha256Hash` without `query` (what Apollo Client's persisted-queries
 * link and Apollo Kotlin/iOS send). Any query text, and so any automatic persisted query
 * registration, is refused. With `mode: 'off'` (the default, and development) nothing changes: the explorer, curl and
 * APQ work as before. Operations the gateway runs itself (live deliveries, open data) do not come
 * through HTTP and are not concerned.
 */
export type TrustedDocumentsMode = 'off' | 'enforce';

/** The header naming the client application (Apollo's convention, which Apollo clients send). */
export const CLIENT_NAME_HEADER = 'apollographql-client-name';

/** Stable codes of the refusals (HTTP status in brackets). */
export const TrustedDocumentCode = {
  /** Query text sent to a gateway that runs published documents only (403). */
  TRUSTED_DOCUMENT_REQUIRED: 'TRUSTED_DOCUMENT_REQUIRED',
  /** No (valid) `apollographql-client-name` header (400). */
  CLIENT_NAME_REQUIRED: 'CLIENT_NAME_REQUIRED',
  /** No document of this client with this id, or it was revoked (400). */
  TRUSTED_DOCUMENT_NOT_FOUND: 'TRUSTED_DOCUMENT_NOT_FOUND',
} as const;

function refuse(code: keyof typeof TrustedDocumentCode, status: number, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

/** What a refused request is replaced by until its refusal is raised (never executed). */
const PLACEHOLDER = '{ __typename }';

export interface TrustedDocumentsOptions {
  mode: TrustedDocumentsMode;
  store: DocumentStore;
  /** Where `lienthong_trusted_documents_total` is registered (the gateway's /metrics). */
  registry?: Registry;
}

/** The plugin (see the module's comment); install it before any plugin that reads the query. */
export function trustedDocumentsPlugin(options: TrustedDocumentsOptions): ApolloServerPlugin<GatewayContext> {
  const requests = new Counter({
    name: 'lienthong_trusted_documents_total',
    help:
      'Requests to a gateway enforcing trusted documents, by client, document id and outcome (executed; refused: text, no_client, unknown). ' +
      'Refusals carry client and document "-": a header is not a verified name, and must not grow the series without bound.',
    labelNames: ['client', 'document', 'outcome'],
    registers: options.registry ? [options.registry] : [],
  });
  /** Why a request is refused, or the published text it runs. */
  const resolve = async (request: GraphQLRequest): Promise<GraphQLError | string> => {
    const client = request.http!.headers.get(CLIENT_NAME_HEADER)?.trim() ?? '';
    const persisted = request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
    if (request.query !== undefined && request.query !== '') {
      requests.inc({ client: '-', document: '-', outcome: 'text' });
      return refuse(
        'TRUSTED_DOCUMENT_REQUIRED',
        403,
        'This gateway runs published documents only: send extensions.persistedQuery.sha256Hash of a document your client ' +
          `published, without "query", and your client's name in the ${CLIENT_NAME_HEADER} header`,
      );
    }
    if (!CLIENT_NAME.test(client)) {
      requests.inc({ client: '-', document: '-', outcome: 'no_client' });
      return refuse('CLIENT_NAME_REQUIRED', 400, `Name your client application in the ${CLIENT_NAME_HEADER} header`);
    }
    const id = typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash.toLowerCase() : '';
    const body = DOCUMENT_ID.test(id) ? await options.store.get(client, id) : null;
    if (body === null) {
      requests.inc({ client: '-', document: '-', outcome: 'unknown' });
      return refuse(
        'TRUSTED_DOCUMENT_NOT_FOUND',
        400,
        `No published document with this id for client "${client}" (it may have been revoked): publish it with npm run cli -- documents publish`,
      );
    }
    requests.inc({ client, document: id, outcome: 'executed' });
    return body;
  };
  return {
    async requestDidStart({ request }) {
      // In-process operations (tests, live deliveries, open data) are the gateway's own.
      if (options.mode !== 'enforce' || !request.http) return;
      const outcome = await resolve(request);
      // Apollo's automatic persisted queries must neither look the id up nor register anything.
      const { persistedQuery: _persisted, ...extensions } = request.extensions ?? {};
      request.extensions = extensions;
      if (typeof outcome === 'string') {
        request.query = outcome;
        return;
      }
      // An error thrown from requestDidStart becomes a 500: the refusal is raised at the first hook
      // whose errors Apollo answers with their own status, on a placeholder that reaches nothing.
      request.query = PLACEHOLDER;
      request.variables = {};
      request.operationName = undefined;
      return {
        async didResolveOperation() {
          throw outcome;
        },
      };
    },
  };
}
