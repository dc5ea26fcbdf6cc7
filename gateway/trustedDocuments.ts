import type { ApolloServerPlugin } from '@apollo/server';
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
 * registration, is refused. Subscriptions (live.ts, over SSE and WebSocket) are held to the same
 * rule: they too name a published document by id. With `mode: 'off'` (development) nothing
 * changes: the explorer, curl and APQ work as before. Operations the gateway runs itself (live
 * deliveries, open data) come from its own code and are not concerned.
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

/** What a refused request is replaced by until its refusal is raised (never executed). */
const PLACEHOLDER = '{ __typename }';

export interface TrustedDocumentsOptions {
  mode: TrustedDocumentsMode;
  store: DocumentStore;
  /** Where `lienthong_trusted_documents_total` is registered (the gateway's /metrics). */
  registry?: Registry;
}

/** A refusal: its stable code, HTTP status and message. */
export interface TrustedDocumentRefusal {
  code: keyof typeof TrustedDocumentCode;
  status: number;
  message: string;
}

/** What a request names: its client (the header) and either text or a document id. */
export interface TrustedDocumentRequest {
  client: string | undefined;
  query: unknown;
  extensions: unknown;
}

/**
 * The trusted documents of one gateway: its mode, and the check that turns a request into the
 * published text it runs or a refusal. One per gateway, shared by /graphql and the live
 * subscriptions (so both count in one metric).
 */
export interface TrustedDocuments {
  readonly mode: TrustedDocumentsMode;
  /** The published text to run, or why not (only meaningful with `mode: 'enforce'`). */
  resolve(request: TrustedDocumentRequest): Promise<string | TrustedDocumentRefusal>;
}

export const isRefusal = (value: string | TrustedDocumentRefusal): value is TrustedDocumentRefusal => typeof value !== 'string';

/** The refusal as the GraphQL error a response carries. */
export function refusalError(refusal: TrustedDocumentRefusal): GraphQLError {
  return new GraphQLError(refusal.message, { extensions: { code: refusal.code, http: { status: refusal.status } } });
}

export function createTrustedDocuments(options: TrustedDocumentsOptions): TrustedDocuments {
  const requests = new Counter({
    name: 'lienthong_trusted_documents_total',
    help:
      'Requests to a gateway enforcing trusted documents, by client, document id and outcome (executed; refused: text, no_client, unknown). ' +
      'Refusals carry client and document "-": a header is not a verified name, and must not grow the series without bound.',
    labelNames: ['client', 'document', 'outcome'],
    registers: options.registry ? [options.registry] : [],
  });
  return {
    mode: options.mode,
    async resolve({ client: header, query, extensions }) {
      const client = header?.trim() ?? '';
      const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
      if (query !== undefined && query !== null && query !== '') {
        requests.inc({ client: '-', document: '-', outcome: 'text' });
        return {
          code: 'TRUSTED_DOCUMENT_REQUIRED',
          status: 403,
          message:
            'This gateway runs published documents only: send extensions.persistedQuery.sha256Hash of a document your client ' +
            `published, without "query", and your client's name in the ${CLIENT_NAME_HEADER} header`,
        };
      }
      if (!CLIENT_NAME.test(client)) {
        requests.inc({ client: '-', document: '-', outcome: 'no_client' });
        return { code: 'CLIENT_NAME_REQUIRED', status: 400, message: `Name your client application in the ${CLIENT_NAME_HEADER} header` };
      }
      const id = typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash.toLowerCase() : '';
      const body = DOCUMENT_ID.test(id) ? await options.store.get(client, id) : null;
      if (body === null) {
        requests.inc({ client: '-', document: '-', outcome: 'unknown' });
        return {
          code: 'TRUSTED_DOCUMENT_NOT_FOUND',
          status: 400,
          message: `No published document with this id for client "${client}" (it may have been revoked): publish it with npm run cli -- documents publish`,
        };
      }
      requests.inc({ client, document: id, outcome: 'executed' });
      return body;
    },
  };
}

/** The plugin (see the module's comment); install it before any plugin that reads the query. */
export function trustedDocumentsPlugin(trusted: TrustedDocuments): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request }) {
      // In-process operations (tests, live deliveries, open data) are the gateway's own.
      if (trusted.mode !== 'enforce' || !request.http) return;
      // "Neither text nor id" is left to Apollo's own refusal (400 BAD_REQUEST).
      const outcome = await trusted.resolve({
        client: request.http.headers.get(CLIENT_NAME_HEADER) ?? undefined,
        query: request.query,
        extensions: request.extensions,
      });
      // Apollo's automatic persisted queries must neither look the id up nor register anything.
      const { persistedQuery: _persisted, ...extensions } = request.extensions ?? {};
      request.extensions = extensions;
      if (!isRefusal(outcome)) {
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
          throw refusalError(outcome);
        },
      };
    },
  };
}
