import type { ApolloServerPlugin } from '@apollo/server';
import {
  defaultFieldResolver,
  GraphQLError,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import type { AuditLog, AuditRecord } from '../audit';
import type { Identity, RequestMeta } from './identity';
import { authorize, scopeForCategory, type AuthorizationRefusal, type Requirement } from './scopes';

/**
 * Personal data protection in a subgraph, driven by the `@personalData(category:)` directive that
 * classifies fields in schema.graphql (Decree 13/2023/NĐ-CP: basic vs sensitive personal data):
 * - before execution, an operation that selects personal fields is refused unless the caller's role
 *   may read that category and (for officers) a purpose was stated; the refusal is audited;
 * - during execution, every personal field resolved is recorded with the data subject it belongs
 *   to, and one audit entry per request lists the subjects and fields read.
 */
export type PersonalDataCategory = 'NONE' | 'BASIC' | 'SENSITIVE';

/** `Type.field` → category, read from the directive in the schema's SDL. */
export type Classification = ReadonlyMap<string, PersonalDataCategory>;

export function classify(schema: GraphQLSchema): Map<string, PersonalDataCategory> {
  const result = new Map<string, PersonalDataCategory>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const directive = field.astNode?.directives?.find((d) => d.name.value === 'personalData');
      const arg = directive?.arguments?.find((a) => a.name.value === 'category')?.value;
      if (arg?.kind === Kind.ENUM) result.set(`${type.name}.${field.name}`, arg.value as PersonalDataCategory);
    }
  }
  return result;
}

/**
 * The same classification read from type definitions (a supergraph's SDL, where composition keeps
 * `@personalData` on every field that carries it): for a gateway, whose API schema drops it.
 */
export function classifyTypeDefs(document: DocumentNode): Map<string, PersonalDataCategory> {
  const result = new Map<string, PersonalDataCategory>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const field of def.fields ?? []) {
      const directive = field.directives?.find((d) => d.name.value === 'personalData');
      const arg = directive?.arguments?.find((a) => a.name.value === 'category')?.value;
      if (arg?.kind === Kind.ENUM) result.set(`${def.name.value}.${field.name.value}`, arg.value as PersonalDataCategory);
    }
  }
  return result;
}

/** The data subjects (citizen IDs, or `household:<id>`) a resolved personal field is about. */
export type SubjectsOf = (typeName: string, parent: unknown, value: unknown) => string[];

/** What one request read and was refused, gathered for its audit entry. */
export class AccessRecorder {
  readonly subjects = new Set<string>();
  readonly fields = new Set<string>();
  readonly denied: { subjects: string[]; fields: string[]; reason: string }[] = [];

  read(subjects: readonly string[], field: string): void {
    if (subjects.length === 0) return;
    for (const s of subjects) this.subjects.add(s);
    this.fields.add(field);
  }

  deny(subjects: readonly string[], fields: readonly string[], reason: string): void {
    this.denied.push({ subjects: [...subjects], fields: [...fields], reason });
  }

  records(base: Omit<AuditRecord, 'subjects' | 'fields' | 'outcome' | 'reason'>): AuditRecord[] {
    const records: AuditRecord[] = this.denied.map((d) => ({
      ...base,
      subjects: d.subjects,
      fields: d.fields,
      outcome: 'DENIED',
      reason: d.reason,
    }));
    if (this.subjects.size > 0) {
      records.push({ ...base, subjects: [...this.subjects].sort(), fields: [...this.fields].sort(), outcome: 'ALLOWED', reason: null });
    }
    return records;
  }
}

/** The part of a subgraph context this module needs. */
export interface PersonalDataContext {
  identity: Identity;
  meta: RequestMeta;
  audit: AccessRecorder;
}

const isPromise = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/**
 * Wraps the resolver of every classified field so that what it returns is recorded, once it is
 * resolved: a value at once, a promise when it settles (a rejected one records nothing). No promise
 * is added to a field that resolves synchronously.
 */
export function recordPersonalFields(schema: GraphQLSchema, classification: Classification, subjectsOf: SubjectsOf): void {
  for (const [coordinate, category] of classification) {
    if (category === 'NONE') continue;
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const field = type.getFields()[fieldName] as GraphQLField<unknown, PersonalDataContext> | undefined;
    if (!field) continue;
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (parent, args, context, info) => {
      const result: unknown = resolve(parent, args, context, info);
      if (isPromise(result)) {
        return Promise.resolve(result).then((value) => {
          context.audit.read(subjectsOf(typeName, parent, value), coordinate);
          return value;
        });
      }
      context.audit.read(subjectsOf(typeName, parent, result), coordinate);
      return result;
    };
  }
}

/**
 * The personal fields an operation selects (fragments included), with their categories. Pure in
 * its arguments: {@link personalDataPlugin} keeps the answer per document (Apollo hands the same
 * validated document to every request of the same query).
 */
export function personalFieldsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  classification: Classification,
): Map<string, PersonalDataCategory> {
  const found = new Map<string, PersonalDataCategory>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        const coordinate = `${parent.name}.${field.name}`;
        const category = classification.get(coordinate);
        if (category && category !== 'NONE') found.set(coordinate, category);
      },
    }),
  );
  return found;
}

/** The error a client gets for an authorization refusal (gateway and subgraphs alike). */
export function refusalError(refusal: AuthorizationRefusal): GraphQLError {
  const http = refusal.status === 401 ? { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } : { status: refusal.status };
  return new GraphQLError(refusal.message, { extensions: { code: refusal.code, http } });
}

/**
 * Why a caller may not read these categories at all, or null when they may (jurisdiction is checked
 * in the data access): the scopes of scopes.ts, the same mapping the gateway enforces from the
 * supergraph's `@requiresScopes`.
 */
export function refusalFor(identity: Identity, meta: RequestMeta, categories: Iterable<PersonalDataCategory>): GraphQLError | null {
  const requirements: Requirement[] = [];
  for (const category of new Set(categories)) {
    const scope = scopeForCategory(category);
    if (scope) requirements.push({ coordinate: `personal data (${category})`, authenticated: false, scopes: [[scope]] });
  }
  // A service's existence check is authenticated but holds no scope: FORBIDDEN, as before.
  const refusal = authorize(identity, meta.purpose, requirements);
  return refusal ? refusalError(refusal) : null;
}

/**
 * The Apollo plugin that refuses operations before execution and writes the request's audit entry
 * after it. If the audit log cannot be written, the response is withheld: no personal data leaves
 * without its trace.
 */
export function personalDataPlugin<C extends PersonalDataContext>(
  service: string,
  classification: Classification,
  auditLog: AuditLog,
): ApolloServerPlugin<C> {
  const base = (ctx: C) => ({
    requestId: ctx.meta.requestId,
    service,
    actor: ctx.identity.subject,
    role: ctx.identity.role,
    organisation: ctx.identity.organisation,
    purpose: ctx.meta.purpose,
  });
  // Walked once per query: Apollo hands the same validated document to every request of the same query.
  const selected = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, PersonalDataCategory>>>();
  const personalFields = (schema: GraphQLSchema, document: DocumentNode) => {
    let bySchema = selected.get(schema);
    if (!bySchema) selected.set(schema, (bySchema = new WeakMap()));
    let fields = bySchema.get(document);
    if (!fields) bySchema.set(document, (fields = personalFieldsOf(schema, document, classification)));
    return fields;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, schema, contextValue }) {
          const fields = personalFields(schema, document);
          const refusal = refusalFor(contextValue.identity, contextValue.meta, fields.values());
          if (refusal) {
            contextValue.audit.deny([], [...fields.keys()].sort(), refusal.message);
            await auditLog.append(contextValue.audit.records(base(contextValue)));
            contextValue.audit.denied.length = 0;
            throw refusal;
          }
        },
        async willSendResponse({ contextValue, response }) {
          const records = contextValue.audit.records(base(contextValue));
          if (records.length === 0) return;
          // Tell the gateway what was read, so a cached copy of the response is audited each time it is served.
          if (response.body.kind === 'single') {
            response.body.singleResult.extensions = {
              ...response.body.singleResult.extensions,
              personalData: {
                subjects: [...contextValue.audit.subjects],
                fields: [...contextValue.audit.fields],
                denied: contextValue.audit.denied.length > 0,
              },
            };
          }
          try {
            await auditLog.append(records);
          } catch {
            if (response.body.kind === 'single') {
              response.body.singleResult = {
                errors: [
                  { message: 'The access could not be recorded; no personal data is returned', extensions: { code: 'AUDIT_UNAVAILABLE' } },
                ],
              };
            }
          }
        },
      };
    },
  };
}
