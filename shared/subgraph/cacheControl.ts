import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import {
  defaultFieldResolver,
  getNamedType,
  isCompositeType,
  isObjectType,
  type ConstDirectiveNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';

/**
 * A subgraph's cache hints (`@cacheControl` on types and fields), computed as Apollo Server's
 * cache-control plugin computes them, at a fraction of its cost.
 *
 * Apollo's plugin (on by default) hooks `willResolveField`, which makes Apollo wrap the resolver of
 * every field of the schema and call the hook for every field of every response: for a list of
 * 168 units of 7 fields each, about 1,200 calls, each allocating a policy, closures and an
 * `info.cacheControl`, then waiting for the field's value (`Promise.all` over lists of promises).
 * Yet the hint of most of those fields is nothing: a scalar field resolved by the default resolver,
 * not at the root, without a `@cacheControl` of its own, restricts nothing (its maxAge is its
 * parent's), and it has no code that could set a dynamic hint. Here only the other fields are
 * wrapped — root fields, fields returning an object, union or interface, fields with their own
 * `@cacheControl`, and fields with a resolver of their own — and each restricts the request's
 * policy as the plugin's `willResolveField` would: the return type's hint, then the field's
 * (`inheritMaxAge` honoured), then a composite or root field still without a maxAge gets 0. The
 * response's policy is therefore the plugin's, and so is the `Cache-Control` header it sets
 * ({@link cacheControlPlugin}, which replaces Apollo's: `ApolloServerPluginCacheControlDisabled`).
 *
 * Dynamic hints: a wrapped field's `info.cacheControl` is Apollo's (`setCacheHint`, `cacheHint`,
 * `cacheHintFromType`; `@apollo/subgraph`'s `_entities` uses it for each representation's type).
 * The field's hint is applied to the request's policy when its resolver returns; a hint set later
 * (after an `await`) is applied again then, so it can only make the response less cacheable than
 * Apollo's, never more. Unwrapped fields (default-resolved scalars) have no `info.cacheControl`.
 */

type CachePolicy = GraphQLRequestContext<object>['overallCachePolicy'];
type CacheHint = { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' };
type Annotation = CacheHint & { inheritMaxAge?: boolean };

/** Where a request's policy is found by the wrapped resolvers: set on the context for the execution. */
const OVERALL = Symbol('cacheControl.overall');

function annotationOf(directives: readonly ConstDirectiveNode[] | undefined): Annotation | undefined {
  const directive = directives?.find((d) => d.name.value === 'cacheControl');
  if (!directive?.arguments) return undefined;
  const arg = (name: string) => directive.arguments!.find((a) => a.name.value === name)?.value;
  const scopeValue = arg('scope');
  const scopeName = scopeValue?.kind === 'EnumValue' ? scopeValue.value : undefined;
  const scope = scopeName === 'PUBLIC' || scopeName === 'PRIVATE' ? scopeName : undefined;
  const inherit = arg('inheritMaxAge');
  if (inherit?.kind === 'BooleanValue' && inherit.value) return { inheritMaxAge: true, scope };
  const maxAge = arg('maxAge');
  return { maxAge: maxAge?.kind === 'IntValue' ? parseInt(maxAge.value, 10) : undefined, scope };
}

/** A type's `@cacheControl` (its definition, else its extensions), as Apollo's plugin reads it. */
function typeAnnotation(type: GraphQLCompositeType): Annotation {
  const own = annotationOf(type.astNode?.directives);
  if (own) return own;
  for (const node of type.extensionASTNodes) {
    const hint = annotationOf(node.directives);
    if (hint) return hint;
  }
  return {};
}

/** A field's hint during its resolution: Apollo's policy semantics; once applied, later changes are applied again. */
class FieldHint implements CachePolicy {
  maxAge: number | undefined = undefined;
  scope: 'PUBLIC' | 'PRIVATE' | undefined = undefined;
  private overall: CachePolicy | null = null;

  replace(hint: CacheHint): void {
    if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
    if (hint.scope !== undefined) this.scope = hint.scope;
    this.overall?.restrict(this);
  }

  restrict(hint: CacheHint): void {
    if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
    if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
    this.overall?.restrict(this);
  }

  policyIfCacheable(): Required<CacheHint> | null {
    return this.maxAge === undefined || this.maxAge === 0 ? null : { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
  }

  /** Restricts the request's policy with this hint now, and with every later change. */
  applyTo(overall: CachePolicy): void {
    overall.restrict(this);
    this.overall = overall;
  }
}

/** Whether a field needs its hint computed on each resolution (see the module's comment). */
function restricts(field: GraphQLField<unknown, unknown>, root: boolean, own: Annotation | undefined): boolean {
  return root || own !== undefined || field.resolve !== undefined || isCompositeType(getNamedType(field.type));
}

/**
 * Wraps the fields of `schema` whose resolution can restrict a response's cache policy (see the
 * module's comment). Call once, after the resolvers are attached; {@link cacheControlPlugin} turns it on per request.
 */
export function recordCacheHints(schema: GraphQLSchema): void {
  const typeHints = new Map<GraphQLCompositeType, Annotation>();
  const hintOfType = (type: GraphQLCompositeType): Annotation => {
    let hint = typeHints.get(type);
    if (!hint) typeHints.set(type, (hint = typeAnnotation(type)));
    return hint;
  };
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const own = annotationOf(field.astNode?.directives);
      if (!restricts(field as GraphQLField<unknown, unknown>, roots.has(type), own)) continue;
      const target = getNamedType(field.type);
      const composite = isCompositeType(target);
      const fromType = composite ? hintOfType(target) : {};
      const fieldAnnotation = own ?? {};
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const overall = (context as { [OVERALL]?: CachePolicy } | null)?.[OVERALL];
        if (!overall) return resolve(source, args, context, info);
        // Apollo's willResolveField: the return type's hint, then the field's.
        const hint = new FieldHint();
        hint.replace(fromType);
        let inheritMaxAge = !!fromType.inheritMaxAge;
        if (fieldAnnotation.inheritMaxAge && hint.maxAge === undefined) {
          inheritMaxAge = true;
          if (fieldAnnotation.scope) hint.replace({ scope: fieldAnnotation.scope });
        } else {
          hint.replace(fieldAnnotation);
        }
        (info as { cacheControl?: unknown }).cacheControl = {
          setCacheHint: (dynamic: CacheHint) => hint.replace(dynamic),
          cacheHint: hint,
          cacheHintFromType: hintOfType,
        };
        try {
          return resolve(source, args, context, info);
        } finally {
          // Apollo's didResolveField: a composite or root field without a maxAge is uncacheable.
          if (hint.maxAge === undefined && ((composite && !inheritMaxAge) || !info.path.prev)) hint.restrict({ maxAge: 0 });
          hint.applyTo(overall);
        }
      };
    }
  }
}

const UNCACHEABLE = 'no-store';
const CACHEABLE = /^max-age=(\d+), (public|private)$/;

/**
 * Turns {@link recordCacheHints} on for each request, and sets the response's `Cache-Control` from
 * the request's policy exactly as Apollo's cache-control plugin does (`max-age=N, public|private`
 * when cacheable and without errors, else `no-store`). Use with `ApolloServerPluginCacheControlDisabled()`.
 */
export function cacheControlPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ contextValue, overallCachePolicy }) {
          // As Apollo's plugin: a policy restricted before execution is left as it is by the fields.
          if (overallCachePolicy.maxAge !== undefined || overallCachePolicy.scope !== undefined) return;
          Object.defineProperty(contextValue, OVERALL, { value: overallCachePolicy, configurable: true });
        },
        async willSendResponse({ response, overallCachePolicy }) {
          const existing = response.http.headers.get('cache-control');
          let fromHeader: CacheHint | null = null;
          if (existing) {
            if (existing === UNCACHEABLE) fromHeader = { maxAge: 0 };
            else {
              const match = CACHEABLE.exec(existing);
              if (!match) return;
              fromHeader = { maxAge: Number(match[1]), scope: match[2] === 'public' ? 'PUBLIC' : 'PRIVATE' };
            }
          }
          const policy = new FieldHint();
          policy.replace(overallCachePolicy);
          if (fromHeader) policy.restrict(fromHeader);
          const cacheable = policy.policyIfCacheable();
          if (cacheable && existing !== UNCACHEABLE && response.body.kind === 'single' && !response.body.singleResult.errors) {
            response.http.headers.set('cache-control', `max-age=${cacheable.maxAge}, ${cacheable.scope.toLowerCase()}`);
          } else {
            response.http.headers.set('cache-control', UNCACHEABLE);
          }
        },
      };
    },
  };
}
