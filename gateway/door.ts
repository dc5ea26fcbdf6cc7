import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  buildASTSchema,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isInputObjectType,
  isListType,
  isScalarType,
  isSpecifiedScalarType,
  Kind,
  parse,
  printSchema,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type GraphQLInputType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type FieldNode,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { ErrorCode } from '../shared/graphql/errors';
import type { Logger } from '../shared/observability/logger';
import type { GatewayContext } from './context';

/**
 * The gateway's door for input values: every argument literal and every variable is coerced with
 * the same scalar implementations the subgraphs run (`shared/graphql/scalars.ts` and the scalars a
 * subgraph declares itself, handed over by the registry through `scalarImplementations`), after
 * validation and before the gateway plans anything or calls a subgraph. The gateway knows the
 * supergraph's scalars only by name; here each name gets its implementation, so a malformed
 * citizen ID, a number where a string belongs or an operator-shaped object (`{"$ne": 1}`) is
 * refused with HTTP 400 and BAD_USER_INPUT naming the argument or variable.
 */

/** The custom scalars the API schema names, with their implementations (or none). */
export interface ScalarCoverage {
  enforced: string[];
  missing: string[];
}

/** What the door knows of one API schema: a private copy whose custom scalars carry the real implementations. */
interface Enforcing {
  schema: GraphQLSchema;
  coverage: ScalarCoverage;
}

/**
 * A copy of `apiSchema` in which every custom scalar with an implementation in `scalars` parses and
 * validates as that implementation does. The copy is private to the door (it is never executed), so
 * giving its scalar objects their parse functions touches nothing the gateway serves.
 */
export function enforcingSchema(apiSchema: GraphQLSchema, scalars: ReadonlyMap<string, GraphQLScalarType>): Enforcing {
  const schema = buildASTSchema(parse(printSchema(apiSchema)), { assumeValidSDL: true });
  const coverage: ScalarCoverage = { enforced: [], missing: [] };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isScalarType(type) || isSpecifiedScalarType(type) || type.name.startsWith('__')) continue;
    const implementation = scalars.get(type.name);
    if (!implementation) {
      coverage.missing.push(type.name);
      continue;
    }
    type.parseValue = implementation.parseValue.bind(implementation);
    type.parseLiteral = implementation.parseLiteral.bind(implementation);
    coverage.enforced.push(type.name);
  }
  return { schema, coverage };
}

/** Longest message of a refusal: graphql-js echoes the refused value, which may be a 100 kB string. */
const MAX_MESSAGE = 500;

/** A refusal of an input value: 400, BAD_USER_INPUT, naming the argument (or `$variable`) and, for a literal, its field. */
function badValue(message: string, argument: string, field?: string): GraphQLError {
  const shown = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
  return new GraphQLError(shown, {
    extensions: { code: 'BAD_USER_INPUT', argument, ...(field ? { field } : {}), http: { status: 400 } },
  });
}

/** The message of an error thrown by a scalar, or a plain one. */
const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : 'invalid value');

/**
 * Checks one literal against `type` with the enforcing schema's scalars. Variables inside a literal
 * are left to the variables' check; enums, built-in scalars and input-object shapes were checked by
 * validation already, so only custom scalars can fail here.
 */
function checkLiteral(node: ValueNode, type: GraphQLInputType, where: string, field?: string): void {
  if (node.kind === Kind.VARIABLE || node.kind === Kind.NULL) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = nullable.ofType as GraphQLInputType;
    if (node.kind === Kind.LIST) node.values.forEach((value, i) => checkLiteral(value, item, `${where}[${i}]`, field));
    else checkLiteral(node, item, where, field);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (node.kind !== Kind.OBJECT) return;
    const fields = nullable.getFields();
    for (const entry of node.fields) {
      const definition = fields[entry.name.value];
      if (definition) checkLiteral(entry.value, definition.type, `${where}.${entry.name.value}`, field);
    }
    return;
  }
  if (isScalarType(nullable) && !isSpecifiedScalarType(nullable)) {
    let parsed: unknown;
    try {
      parsed = nullable.parseLiteral(node, undefined);
    } catch (error) {
      throw badValue(`Invalid value for "${where}"${field ? ` of ${field}` : ''}: ${reasonOf(error)}`, where, field);
    }
    if (parsed === undefined)
      throw badValue(`Invalid value for "${where}"${field ? ` of ${field}` : ''}: not a ${nullable.name}`, where, field);
  }
}

/** Checks every argument literal and variable default of `operation` (and the fragments it spreads). */
function checkLiterals(schema: GraphQLSchema, document: Parameters<typeof visit>[0], operation: OperationDefinitionNode): void {
  for (const definition of operation.variableDefinitions ?? []) {
    if (!definition.defaultValue) continue;
    const type = typeFromAST(schema, definition.type);
    if (type) checkLiteral(definition.defaultValue, type as GraphQLInputType, `$${definition.variable.name.value}`);
  }
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (!argument || !hasCustomScalar(argument.type)) return;
        checkLiteral(node.value, argument.type, node.name.value, typeInfo.getFieldDef()?.name);
      },
    }),
  );
}

const customScalarCache = new WeakMap<object, boolean>();

/** True when a value of `type` may hold a custom scalar somewhere (input objects searched once, cycles allowed). */
function hasCustomScalar(type: GraphQLInputType, seen = new Set<object>()): boolean {
  const named = getNamedType(type);
  const cached = customScalarCache.get(named);
  if (cached !== undefined) return cached;
  let result = false;
  if (isScalarType(named)) result = !isSpecifiedScalarType(named);
  else if (isInputObjectType(named) && !seen.has(named)) {
    seen.add(named);
    result = Object.values(named.getFields()).some((f) => hasCustomScalar(f.type, seen));
  }
  if (seen.size <= 1) customScalarCache.set(named, result);
  return result;
}

/** The variable a getVariableValues error is about (`Variable "$id" got invalid value …`). */
const variableOf = (error: GraphQLError): string => /Variable "(\$[_A-Za-z][_0-9A-Za-z]*)"/.exec(error.message)?.[1] ?? 'variables';

export interface DoorOptions {
  /** The scalar implementations, by name (`scalarImplementations(registry)` in shared/subgraph). */
  scalars: ReadonlyMap<string, GraphQLScalarType>;
  log: Logger;
}

/** Where the hub serves subscriptions (GraphQL over SSE, and WebSocket on upgrade): live.ts. */
export const LIVE_PATH = '/graphql/stream';

/**
 * Subscriptions sent to /graphql: the gateway's executor cannot run them (it would fail with a
 * 500), so they are refused first, naming where they are served.
 */
export const subscriptionDoorPlugin: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation !== 'subscription') return;
        throw new GraphQLError(`Subscriptions are served at ${LIVE_PATH} (GraphQL over Server-Sent Events, or WebSocket), not here`, {
          extensions: { code: ErrorCode.SUBSCRIPTION_ENDPOINT_REQUIRED, http: { status: 400 } },
        });
      },
    };
  },
};

/**
 * The plugin: in `didResolveOperation` (after validation, before the gateway's executor plans the
 * operation or fetches anything), checks argument literals and coerces the request's variables
 * against the enforcing copy of the schema. Coercion is graphql-js's own (`getVariableValues`):
 * wrong JSON types, missing non-null values, unknown input fields and enum values are refused the
 * same way for built-in and custom types. The variables sent on are the client's, unchanged: the
 * subgraphs coerce them again with the same implementations (and normalise the same way).
 */
export function inputDoorPlugin(options: DoorOptions): ApolloServerPlugin<BaseContext> {
  const enforcing = new WeakMap<GraphQLSchema, Enforcing>();
  const forSchema = (schema: GraphQLSchema): Enforcing => {
    let entry = enforcing.get(schema);
    if (!entry) {
      entry = enforcingSchema(schema, options.scalars);
      enforcing.set(schema, entry);
      if (entry.coverage.missing.length > 0) {
        options.log.warn({ scalars: entry.coverage.missing }, 'custom scalars without an implementation: not checked at the gateway');
      }
    }
    return entry;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const { schema: strict } = forSchema(schema);
          checkLiterals(strict, document, operation);
          const coerced = getVariableValues(strict, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 10 });
          const first = coerced.errors?.[0];
          if (first) {
            const more = (coerced.errors?.length ?? 1) - 1;
            throw badValue(`${first.message}${more > 0 ? ` (and ${more} more)` : ''}`, variableOf(first));
          }
        },
      };
    },
  };
}

const INTROSPECTION_OFF =
  'Introspection is off: of the schema, only __typename and __type(name:) { name } may be asked (the schema is documented at /explorer when enabled)';

/**
 * With introspection off (production), refuses `__schema` and every field of `__type` but `name`
 * and `__typename`: whether a type name exists is all it tells, which the published schema
 * documentation says anyway, and it is what GraphQL over HTTP's conformance probes ask. Replaces
 * Apollo's all-or-nothing rule (whose message also names the server).
 */
export const introspectionPolicy: ValidationRule = (context: ValidationContext) => ({
  Field(node: FieldNode) {
    if (node.name.value === '__schema') {
      context.reportError(new GraphQLError(INTROSPECTION_OFF, { nodes: [node] }));
      return;
    }
    if (node.name.value !== '__type') return;
    const allowed = (node.selectionSet?.selections ?? []).every(
      (s) => s.kind === Kind.FIELD && (s.name.value === 'name' || s.name.value === '__typename'),
    );
    if (!allowed) context.reportError(new GraphQLError(INTROSPECTION_OFF, { nodes: [node] }));
  },
});

/**
 * `Vary` of every GraphQL response: its media type follows `Accept`, its content the credential
 * (`Authorization`) and the stated purpose (`X-Purpose`, which decides whether personal fields are
 * released and is written to the audit log).
 */
export const GRAPHQL_VARY = 'Accept, Authorization, X-Purpose';

/**
 * The cache headers of a GraphQL response (HARDENING.md, "The door"):
 * - personal data read (or refused) → `no-store`: every read of personal data goes through the
 *   gateway, which audits it (the response cache replays its audit record on each hit); a copy in a
 *   browser or proxy would be a read nobody audited;
 * - otherwise Apollo's policy from the subgraphs' hints (`max-age=N, public|private`), else
 *   `no-store` (errors, mutations, values without a hint);
 * - always `Vary: Accept, Authorization, X-Purpose`.
 */
export const responseHeadersPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        const headers = response.http.headers;
        const personal = contextValue.personal;
        if (personal && (personal.subjects.size > 0 || personal.fields.size > 0 || personal.denied))
          headers.set('cache-control', 'no-store');
        else if (!headers.get('cache-control')) headers.set('cache-control', 'no-store');
        headers.set('vary', GRAPHQL_VARY);
      },
    };
  },
};
