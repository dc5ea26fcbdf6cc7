import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';

/**
 * Control characters, invisible bidirectional overrides and lone surrogates (`"\ud800"` is valid JSON
 * but no text: PostgreSQL would get U+FFFD in its place): never part of a legitimate value.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;

function refuse(where: string, value: string): GraphQLError {
  return new GraphQLError(`${where} contains a control or invisible formatting character`, {
    extensions: { code: 'BAD_USER_INPUT', argument: where, value: JSON.stringify(value).slice(0, 80), http: { status: 400 } },
  });
}

/** Deeper than the HTTP layer ever lets through (shared/http/bounds.ts): only in-process callers get here. */
const MAX_VARIABLES_DEPTH = 32;

/** Checks every string of a variables object and returns it with each string NFC-normalised. */
export function normaliseVariables(value: unknown, path = 'variables', depth = 0): unknown {
  if (depth > MAX_VARIABLES_DEPTH) {
    throw new GraphQLError(`${path.slice(0, 80)}… nests deeper than ${MAX_VARIABLES_DEPTH} levels`, {
      extensions: { code: 'JSON_TOO_DEEP', http: { status: 400 } },
    });
  }
  if (typeof value === 'string') {
    if (FORBIDDEN.test(value)) throw refuse(path, value);
    return value.normalize('NFC');
  }
  if (Array.isArray(value)) return value.map((item, i) => normaliseVariables(item, `${path}[${i}]`, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, normaliseVariables(v, `${path}.${k}`, depth + 1)]),
    );
  }
  return value;
}

/** Refuses string literals with control characters (literals cannot be rewritten; subgraphs fold text for search anyway). */
export function checkLiterals(document: DocumentNode): void {
  visit(document, {
    [Kind.STRING]: (node) => {
      if (FORBIDDEN.test(node.value)) throw refuse('a string literal', node.value);
    },
  });
}

/**
 * Text input at the gateway, before any subgraph is called: Vietnamese arrives in NFC or NFD
 * depending on the keyboard, so variables are normalised to NFC; control characters and invisible
 * direction overrides are refused with BAD_USER_INPUT.
 */
export const textInputPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document, operation }) {
        // The gateway would only find out while executing (HTTP 500): refuse it here, as a client error.
        if (!operation) {
          throw new GraphQLError(`Unknown operation named "${request.operationName ?? ''}"`, {
            extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
          });
        }
        checkLiterals(document);
        if (request.variables) request.variables = normaliseVariables(request.variables) as Record<string, unknown>;
      },
    };
  },
};
