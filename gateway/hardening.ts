import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type GraphQLSchema,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { currentRequestId } from '../shared/http';
import type { Logger } from '../shared/observability/logger';

/**
 * Stable codes of the gateway's refusals (see HARDENING.md). Part of the public API: never rename
 * one, only add. Each is sent with HTTP 400 unless noted.
 */
export const RefusalCode = {
  /** Deeper than {@link QueryLimits.maxDepth} fields, fragments expanded. */
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  /** More than {@link QueryLimits.maxAliases} aliases, `__typename` ones included. */
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  /** More than {@link QueryLimits.maxRootFields} distinct root fields. */
  TOO_MANY_ROOT_FIELDS: 'TOO_MANY_ROOT_FIELDS',
  /** More than {@link QueryLimits.maxDirectives} directives. */
  TOO_MANY_DIRECTIVES: 'TOO_MANY_DIRECTIVES',
  /** A document of more than {@link QueryLimits.maxTokens} tokens (refused while parsing). */
  TOO_MANY_TOKENS: 'TOO_MANY_TOKENS',
  /** Estimated cost above {@link QueryLimits.maxCost}, page sizes given by variables included. */
  QUERY_TOO_COSTLY: 'QUERY_TOO_COSTLY',
  /** Request body above the limit (HTTP 413, from shared/http/index.ts). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** An automatic persisted query whose hash is not the sha256 of its query (Apollo gives it no code). */
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  /** `extensions.persistedQuery` with a version other than 1 (Apollo gives it no code: it read as an internal error). */
  PERSISTED_QUERY_VERSION_UNSUPPORTED: 'PERSISTED_QUERY_VERSION_UNSUPPORTED',
  /** Too many requests from one client in the window (HTTP 429 with Retry-After, from shared/http/index.ts). */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

const refusalCodes = new Set<string>(Object.values(RefusalCode));

/** Limits on one GraphQL document; every value is argued in HARDENING.md. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
}

/**
 * The gateway's limits. Measured on every operation of the test suites and the README: depth ≤ 6,
 * aliases ≤ 5, root fields ≤ 5, directives 0, tokens ≤ 111 (the full introspection query: 184),
 * cost ≤ 10,600 (CommuneResidents at the page-size cap of 100).
 */
export const QUERY_LIMITS: Readonly<QueryLimits> = {
  // A Relay list costs two levels (edges, node): the deepest operation we know is 6; 8 leaves two
  // more hops and stops the cycles the graph allows (an entity → its group → its members → the
  // entity …) from nesting without end. HARDENING.md gives the operations behind these figures.
  maxDepth: 8,
  // Each alias of a lookup field is one more lookup in a single request, unseen by the rate limit
  // (alias batching to enumerate citizen ids): 10 is twice what any operation we know uses.
  // `__typename` aliases count too: they cost nothing to resolve but inflate responses.
  maxAliases: 10,
  // Each root field is its own subgraph fetch; 10 is twice the largest known operation.
  maxRootFields: 10,
  // Nothing we know uses directives beyond an occasional @include/@skip; directives are also the
  // cheapest way to make validation work hard.
  maxDirectives: 10,
  // Bounds parser and validation work (OverlappingFieldsCanBeMerged is quadratic in fields) before
  // anything else runs; 5× the introspection query, 9× our largest operation.
  maxTokens: 1000,
  // graphql-armor's estimate (objects 2, scalars 1, ×1.5 per level, × `first`/`last` of a list).
  // 20,000 admits the largest operation at the page-size cap twice over and refuses lists nested in
  // lists beyond about 20 × 20 rows (100 × 100 costs ~435,000).
  maxCost: 20_000,
};

/** Largest accepted request body at the gateway: 1,000 tokens of generously indented text plus variables. */
export const MAX_BODY_BYTES = 100_000;

/** A refusal as the client sees it: a stable code, HTTP 400. */
function refusal(code: RefusalCode, message: string): GraphQLError {
  return new GraphQLError(message.replace(/^Syntax Error: /, ''), { extensions: { code, http: { status: 400 } } });
}

/** Armor reports through callbacks; ours replace its generic BAD_USER_INPUT by a code per limit. */
const reportAs =
  (code: RefusalCode) =>
  (context: ValidationContext | null, error: GraphQLError): void =>
    context?.reportError(refusal(code, error.message));

/** graphql-armor's options, shared by the validation rules and the per-request cost check. */
function costLimit(limits: QueryLimits) {
  return {
    maxCost: limits.maxCost,
    // Armor's defaults, kept deliberately: they are what the measured costs above are in.
    objectCost: 2,
    scalarCost: 1,
    depthCostFactor: 1.5,
    // A fragment costs what its fields cost where it is spread, no more.
    flattenFragments: true,
    ignoreIntrospection: true,
    propagateOnRejection: false,
    onReject: [reportAs(RefusalCode.QUERY_TOO_COSTLY)],
  };
}

function armorRules(limits: QueryLimits, only?: 'costLimit'): ValidationRule[] {
  const enabled = (name: string) => only === undefined || only === name;
  const armor = new ApolloArmor({
    maxDepth: {
      enabled: enabled('maxDepth'),
      n: limits.maxDepth,
      // Fragments count for the depth of their fields, not as a level of their own: the real depth.
      flattenFragments: true,
      // `__schema` is refused outside development by Apollo's own rule, and its query is deep by nature.
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [reportAs(RefusalCode.QUERY_TOO_DEEP)],
    },
    maxAliases: {
      enabled: enabled('maxAliases'),
      n: limits.maxAliases,
      // Armor exempts `__typename` by default; a thousand `__typename` aliases are still a thousand.
      allowList: [],
      propagateOnRejection: false,
      onReject: [reportAs(RefusalCode.TOO_MANY_ALIASES)],
    },
    maxDirectives: {
      enabled: enabled('maxDirectives'),
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [reportAs(RefusalCode.TOO_MANY_DIRECTIVES)],
    },
    costLimit: { enabled: enabled('costLimit'), ...costLimit(limits) },
    // Armor's Apollo token limit throws from `parsingDidStart`, which Apollo answers with HTTP 500;
    // graphql-js's own `maxTokens` parse option (see parseOptions) refuses with a 400 instead.
    maxTokens: { enabled: false },
    // Done by hideSchemaDetailsFromClientErrors plus the plugin below, for every error kind.
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().validationRules;
}

/**
 * Refuses operations with more than `max` distinct root fields (response keys, so aliases count),
 * fragments expanded. graphql-armor has no such rule.
 */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const keys = new Set<string>();
      const spread = new Set<string>();
      const collect = (selections: SelectionSetNode) => {
        for (const selection of selections.selections) {
          if (selection.kind === Kind.FIELD) keys.add((selection.alias ?? selection.name).value);
          else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
          else if (!spread.has(selection.name.value)) {
            spread.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) collect(fragment.selectionSet);
          }
        }
      };
      collect(operation.selectionSet);
      if (keys.size > max) {
        context.reportError(refusal(RefusalCode.TOO_MANY_ROOT_FIELDS, `Root fields limit of ${max} exceeded, found ${keys.size}.`));
      }
    },
  });
}

const PAGE_SIZE_ARGUMENTS = new Set(['first', 'last']);

const intArgument = (node: ArgumentNode | string, value: number): ArgumentNode => ({
  kind: Kind.ARGUMENT,
  name: typeof node === 'string' ? { kind: Kind.NAME, value: node } : node.name,
  value: { kind: Kind.INT, value: String(value) },
});

/**
 * The document with every page size made literal, as it will run: `first: $n` becomes the
 * request's value of `$n` (or the variable's default), an omitted `first` the argument's default
 * in the schema (`first: Int = 20`). Undefined when nothing changes.
 */
function effectivePageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): DocumentNode | undefined {
  const variableDefaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue?.kind === Kind.INT)
      variableDefaults.set(definition.variable.name.value, Number(definition.defaultValue.value));
  }
  const valueOf = (name: string) => (name in variables ? variables[name] : variableDefaults.get(name));
  let changed = false;
  const typeInfo = new TypeInfo(schema);
  const result = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const definition = typeInfo.getFieldDef();
        if (!definition) return undefined;
        const args = [...(node.arguments ?? [])];
        let replaced = false;
        for (const argument of definition.args) {
          if (!PAGE_SIZE_ARGUMENTS.has(argument.name)) continue;
          const index = args.findIndex((a) => a.name.value === argument.name);
          const given = args[index];
          if (!given) {
            if (typeof argument.defaultValue === 'number') {
              args.push(intArgument(argument.name, argument.defaultValue));
              replaced = true;
            }
          } else if (given.value.kind === Kind.VARIABLE) {
            const value = valueOf(given.value.name.value);
            if (typeof value === 'number' && Number.isSafeInteger(value)) {
              args[index] = intArgument(given, value);
              replaced = true;
            }
          }
        }
        if (!replaced) return undefined;
        changed = true;
        return { ...node, arguments: args };
      },
    }),
  );
  return changed ? result : undefined;
}

const usesVariables = new WeakMap<DocumentNode, boolean>();
const verdicts = new WeakMap<DocumentNode, string | null>();

/**
 * Armor's cost rule reads page sizes from literals only, so `first: $n` or an omitted `first`
 * would count as 1. After validation and before any subgraph is called, this re-runs the same rule
 * on the page sizes the operation will really use. Documents whose page sizes do not depend on
 * variables are judged once (Apollo caches validated documents, so they are the same object).
 */
function pageSizeCostPlugin(limits: QueryLimits): ApolloServerPlugin<BaseContext> {
  const rules = armorRules(limits, 'costLimit');
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          let variable = usesVariables.get(document);
          if (variable === undefined) {
            variable = false;
            visit(document, {
              Argument(node) {
                if (PAGE_SIZE_ARGUMENTS.has(node.name.value) && node.value.kind === Kind.VARIABLE) variable = true;
              },
            });
            usesVariables.set(document, variable);
          }
          let verdict = variable ? undefined : verdicts.get(document);
          if (verdict === undefined) {
            const effective = effectivePageSizes(schema, document, operation, request.variables ?? {});
            verdict = (effective && validate(schema, effective, rules)[0]?.message) || null;
            if (!variable) verdicts.set(document, verdict);
          }
          if (verdict) throw refusal(RefusalCode.QUERY_TOO_COSTLY, verdict);
        },
      };
    },
  };
}

/**
 * Refusals are logged (info) with their codes and request id, without the operation: an attack shows
 * in the logs without filling them. The id is the HTTP layer's, else the context's (in-process callers).
 */
function refusalLogPlugin(log: Logger): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didEncounterErrors({ errors }) {
          const codes = errors.map((e) => refusalCodeOf(e)).filter((c) => c !== undefined);
          if (codes.length === 0) return;
          const requestId = currentRequestId() ?? (contextValue as { meta?: { requestId?: unknown } }).meta?.requestId;
          log.info({ requestId, codes }, 'request refused');
        },
      };
    },
  };
}

/**
 * Outside development, no "Did you mean …?" in any error: Apollo's hideSchemaDetailsFromClientErrors
 * cleans validation errors only, armor's plugin misses enum suggestions ("Did you mean the enum
 * value …?"), and variable coercion errors arrive after validation.
 */
function noSuggestionsPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) error.message = error.message.replace(/ ?Did you mean .+?\?/g, '');
        },
      };
    },
  };
}

function withRequestId(error: GraphQLFormattedError, requestId: string): GraphQLFormattedError {
  if (error.extensions?.requestId !== undefined) return error;
  return { ...error, extensions: { ...error.extensions, requestId } };
}

const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more th(?:an|at) \d+ tokens\. Parsing aborted\.$/;

/**
 * The refusal code of an error, wherever Apollo put it: validation errors are re-coded
 * GRAPHQL_VALIDATION_FAILED with ours as their original error; graphql-js's token limit is a
 * syntax error recognised by its message (which reads "more that" in graphql 16; pinned by a test).
 */
function refusalCodeOf(error: unknown): RefusalCode | undefined {
  for (let e: unknown = error; e instanceof GraphQLError; e = e.originalError) {
    const code = e.extensions.code;
    if (typeof code === 'string' && refusalCodes.has(code)) return code as RefusalCode;
    if (TOKEN_LIMIT_MESSAGE.test(e.message)) return RefusalCode.TOO_MANY_TOKENS;
    if (e.message === 'provided sha does not match query') return RefusalCode.PERSISTED_QUERY_HASH_MISMATCH;
    if (e.message === 'Unsupported persisted query version') return RefusalCode.PERSISTED_QUERY_VERSION_UNSUPPORTED;
  }
  return undefined;
}

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * Wraps the masking `formatError`: refusals keep their own code and message (nothing internal in
 * them); INTERNAL_SERVER_ERROR never carries the original message (Apollo gives that code to any
 * plain Error, such as a failed fetch naming an internal URL); over HTTP, every error gets the
 * request id (shared/http/index.ts also sends it as `x-request-id`). Operations executed in-process
 * (tests) get none: their caller chose the context's id.
 */
export function hardenFormatError(mask: FormatError): FormatError {
  return (formatted, error) => {
    const code = refusalCodeOf(error);
    let result: GraphQLFormattedError;
    if (code) {
      result = { message: formatted.message, ...(formatted.locations ? { locations: formatted.locations } : {}), extensions: { code } };
    } else if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      const { code: _internal, ...extensions } = formatted.extensions;
      result = mask({ ...formatted, extensions }, error);
    } else {
      result = mask(formatted, error);
    }
    const requestId = currentRequestId();
    return requestId ? withRequestId(result, requestId) : result;
  };
}

export interface HardeningOptions {
  log: Logger;
  /** Overrides of {@link QUERY_LIMITS} (tests). */
  limits?: Partial<QueryLimits>;
  /** "Did you mean …?" suggestions, which reveal the schema: development only. */
  fieldSuggestions: boolean;
}

/**
 * The ApolloServer options that harden the gateway. Every limit is enforced while parsing or
 * validating (or, for page sizes given by variables, right after), so a refused operation never
 * reaches a subgraph.
 */
export function hardenedApolloOptions(options: HardeningOptions) {
  const limits: QueryLimits = { ...QUERY_LIMITS, ...options.limits };
  return {
    parseOptions: { maxTokens: limits.maxTokens } satisfies ParseOptions,
    validationRules: [...armorRules(limits), maxRootFieldsRule(limits.maxRootFields)],
    plugins: [refusalLogPlugin(options.log), ...(options.fieldSuggestions ? [] : [noSuggestionsPlugin()])],
    /** Checks that refuse in `didResolveOperation`, for the server to run in its order of checks. */
    checks: [pageSizeCostPlugin(limits)],
    hideSchemaDetailsFromClientErrors: !options.fieldSuggestions,
    // One operation per request: a JSON array would multiply every limit above (and the rate
    // limit) by its length. Apollo's default, stated so it is not lost.
    allowBatchedHttpRequests: false,
    // Apollo's CSRF prevention: a request that a browser would send without a preflight (GET, or
    // POST as text/plain, form-urlencoded, multipart) needs an `apollo-require-preflight` or
    // `x-apollo-operation-name` header. Queries only over GET is Apollo's own rule (405).
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
  };
}
