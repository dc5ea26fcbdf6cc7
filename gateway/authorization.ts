import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  isTypeDefinitionNode,
  isTypeExtensionNode,
  Kind,
  parse,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { AuditLog } from '../shared/audit';
import { refusalError } from '../shared/auth/personalData';
import { authorize, type Requirement } from '../shared/auth/scopes';
import type { Logger } from '../shared/observability/logger';
import type { GatewayContext } from './context';

/**
 * Authorization before planning, read from the supergraph: Federation's `@authenticated` and
 * `@requiresScopes` (https://specs.apollo.dev/authenticated/v0.1, requiresScopes/v0.1), on fields
 * or on the types they return, as composition left them. A request whose selection the caller can
 * never be allowed is refused here — 401 UNAUTHENTICATED, 403 PURPOSE_REQUIRED or FORBIDDEN
 * (shared/auth/scopes.ts decides, from the caller's role and stated purpose) — before any query
 * plan or subgraph fetch; the refusal is audited when this gateway has an audit log. Subgraphs keep
 * their own checks (jurisdiction above all, which only their data can decide). Apollo Router
 * enforces the same directives; @apollo/gateway ignores them, hence this plugin.
 *
 * `@policy` (policy/v0.1) names policies this gateway cannot evaluate: a field carrying one is
 * refused to everyone (fail closed) rather than served unchecked.
 */

/**
 * The supergraph as @apollo/gateway may load it. Its links to the authorization specs say
 * `for: SECURITY`, and the gateway rightly refuses to load a security feature it does not implement;
 * this plugin implements `@authenticated` and `@requiresScopes`, so for those two links only the
 * `for:` is dropped, in the copy handed to ApolloGateway (the plugin reads the original). Any other
 * security feature (`@policy`) still stops the gateway from starting: fail closed.
 */
export function withImplementedSecurityFeatures(supergraphSdl: string): string {
  const document = parse(supergraphSdl);
  let changed = false;
  const result = visit(document, {
    Directive(node) {
      if (node.name.value !== 'link') return undefined;
      const url = node.arguments?.find((a) => a.name.value === 'url')?.value;
      if (url?.kind !== Kind.STRING || ![SPECS.authenticated, SPECS.requiresScopes].some((p) => url.value.startsWith(p))) return undefined;
      changed = true;
      return { ...node, arguments: node.arguments?.filter((a) => a.name.value !== 'for') };
    },
  });
  return changed ? print(result) : supergraphSdl;
}

/** Field and type requirements of one supergraph. */
export interface SchemaRequirements {
  /** `Type.field` → what the field demands. */
  fields: ReadonlyMap<string, Omit<Requirement, 'coordinate'>>;
  /** Type name → what any field returning the type demands. */
  types: ReadonlyMap<string, Omit<Requirement, 'coordinate'>>;
}

const SPECS = {
  authenticated: 'https://specs.apollo.dev/authenticated/',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes/',
  policy: 'https://specs.apollo.dev/policy/',
} as const;

/** The local names of the authorization directives, as the supergraph's `@link`s import them. */
function directiveNames(document: DocumentNode): Record<keyof typeof SPECS, string> {
  const names: Record<keyof typeof SPECS, string> = { authenticated: 'authenticated', requiresScopes: 'requiresScopes', policy: 'policy' };
  for (const def of document.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of def.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = link.arguments?.find((a) => a.name.value === 'url')?.value;
      const as = link.arguments?.find((a) => a.name.value === 'as')?.value;
      if (url?.kind !== Kind.STRING) continue;
      for (const [key, prefix] of Object.entries(SPECS) as [keyof typeof SPECS, string][]) {
        if (url.value.startsWith(prefix) && as?.kind === Kind.STRING) names[key] = as.value;
      }
    }
  }
  return names;
}

function scopesOfValue(value: ConstValueNode | undefined): string[][] {
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) =>
    inner.kind === Kind.LIST ? inner.values.flatMap((s) => (s.kind === Kind.STRING ? [s.value] : [])) : [],
  );
}

/** What a list of directives demands; null when nothing. */
function requirementOf(directives: readonly ConstDirectiveNode[] | undefined, names: Record<keyof typeof SPECS, string>) {
  let authenticated = false;
  let scopes: string[][] | null = null;
  for (const d of directives ?? []) {
    if (d.name.value === names.authenticated) authenticated = true;
    else if (d.name.value === names.requiresScopes) {
      // Repeated or merged applications all hold: every alternative of one AND every alternative of the other.
      const these = scopesOfValue(d.arguments?.find((a) => a.name.value === 'scopes')?.value);
      scopes = scopes === null ? these : scopes.flatMap((a) => these.map((b) => [...a, ...b]));
    } else if (d.name.value === names.policy) {
      // An unsatisfiable scope: nobody holds it (see the module's comment).
      scopes = [['policy:unevaluated']];
    }
  }
  return authenticated || scopes !== null ? { authenticated, scopes } : null;
}

/** Reads every authorization directive of a supergraph's SDL (the core schema, not the API schema, which drops them). */
export function requirementsOf(supergraphSdl: string | DocumentNode): SchemaRequirements {
  const document = typeof supergraphSdl === 'string' ? parse(supergraphSdl) : supergraphSdl;
  const names = directiveNames(document);
  const fields = new Map<string, Omit<Requirement, 'coordinate'>>();
  const types = new Map<string, Omit<Requirement, 'coordinate'>>();
  for (const def of document.definitions) {
    if (!isTypeDefinitionNode(def) && !isTypeExtensionNode(def)) continue;
    const typeLevel = requirementOf(def.directives, names);
    if (typeLevel) types.set(def.name.value, typeLevel);
    if (
      def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      def.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      def.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      def.kind !== Kind.INTERFACE_TYPE_EXTENSION
    )
      continue;
    for (const field of def.fields ?? []) {
      const requirement = requirementOf(field.directives, names);
      if (requirement) fields.set(`${def.name.value}.${field.name.value}`, requirement);
    }
  }
  return { fields, types };
}

/**
 * What the operation's selection demands (fragments expanded), one requirement per field
 * coordinate. A field selected through an interface or union demands what it demands on every
 * possible type, as Apollo Router reads these directives.
 */
export function selectionRequirements(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  requirements: SchemaRequirements,
): Requirement[] {
  const found = new Map<string, Requirement>();
  const add = (coordinate: string, typeName: string | null) => {
    const field = requirements.fields.get(coordinate);
    if (field) found.set(coordinate, { coordinate, ...field });
    const type = typeName ? requirements.types.get(typeName) : undefined;
    if (type) found.set(`${coordinate} → ${typeName}`, { coordinate, ...type });
  };
  const typeInfo = new TypeInfo(schema);
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  visit(
    { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] },
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field || field.name.startsWith('__')) return;
        const returned = getNamedType(field.type).name;
        add(`${parent.name}.${field.name}`, returned);
        if (isAbstractType(parent) || isInterfaceType(parent)) {
          const implementations = isInterfaceType(parent)
            ? schema.getImplementations(parent).objects
            : schema.getPossibleTypes(parent).filter(isObjectType);
          for (const type of implementations) if (type.getFields()[field.name]) add(`${type.name}.${field.name}`, null);
        }
      },
    }),
  );
  return [...found.values()];
}

export interface AuthorizationOptions {
  /** The supergraph the gateway starts with (later ones arrive through {@link AuthorizationPlugin.schemaChanged}). */
  supergraphSdl: string;
  /** Where refusals are recorded (the embedded hub's audit log); logged only without one. */
  auditLog?: AuditLog;
  log: Logger;
}

export interface AuthorizationPlugin {
  plugin: ApolloServerPlugin<GatewayContext>;
  /** Re-reads the directives from a new supergraph (ApolloGateway.onSchemaLoadOrUpdate). */
  schemaChanged(coreSupergraphSdl: string): void;
}

/** The plugin that refuses unauthorizable selections before planning (see the module's comment). */
export function createAuthorization(options: AuthorizationOptions): AuthorizationPlugin {
  let current = requirementsOf(options.supergraphSdl);
  // Apollo caches parsed documents, so each one's requirements are worked out once per supergraph.
  let memo = new WeakMap<OperationDefinitionNode, Requirement[]>();
  return {
    schemaChanged(sdl) {
      current = requirementsOf(sdl);
      memo = new WeakMap();
    },
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ document, operation, schema, contextValue }) {
            if (!operation) return;
            let needed = memo.get(operation);
            if (!needed) {
              needed = selectionRequirements(schema, document, operation, current);
              memo.set(operation, needed);
            }
            if (needed.length === 0) return;
            const { identity, meta } = contextValue;
            const refusal = authorize(identity, meta.purpose, needed);
            if (!refusal) return;
            options.log.info({ requestId: meta.requestId, code: refusal.code, fields: refusal.fields }, 'request refused before planning');
            // The refusal stands whether or not it could be recorded: it reads nothing.
            await options.auditLog
              ?.append([
                {
                  requestId: meta.requestId,
                  service: 'gateway',
                  actor: identity.subject,
                  role: identity.role,
                  organisation: identity.organisation,
                  purpose: meta.purpose,
                  subjects: [],
                  fields: refusal.fields,
                  outcome: 'DENIED',
                  reason: refusal.message,
                },
              ])
              .catch((error: unknown) => options.log.error({ err: error, requestId: meta.requestId }, 'refusal not audited'));
            throw refusalError(refusal);
          },
        };
      },
    },
  };
}
