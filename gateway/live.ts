import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getOperationAST,
  isNonNullType,
  parse,
  print,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
  type TypeNode,
  type GraphQLInputType,
  type GraphQLArgument,
  type GraphQLField,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { createHandler, type ExecutionResult, type OperationArgs } from 'graphql-sse';
import type { Identity, RequestMeta } from '../shared/auth/identity';
import { scopeKeyOf } from '../shared/auth/jurisdiction';
import {
  classifyTypeDefs,
  personalFieldsOf,
  refusalFor,
  type Classification,
  type PersonalDataCategory,
} from '../shared/auth/personalData';
import { eventIdMs, parseEventId, type DeliveredEvent, type LiveBroker } from '../shared/live';
import type { Logger } from '../shared/observability/logger';
import type { RequestInfo } from '../shared/http';
import { releaseRequestParser } from '../shared/http/eventStream';
import type { Authenticate } from './auth';
import { newPersonalReads, purposeFrom, type GatewayContext } from './context';
import { CLIENT_NAME_HEADER, isRefusal, type TrustedDocumentRefusal, type TrustedDocuments } from './trustedDocuments';

/**
 * Subscriptions over Server-Sent Events (the graphql-sse protocol, its "distinct connections"
 * mode: one POST with `Accept: text/event-stream` per subscription) at `/graphql/stream`.
 *
 * `@apollo/gateway` executes no subscription, and need not: the supergraph says, on each
 * Subscription field (`@live(channel:, query:)`, composed from the subgraph that owns the data),
 * which channel its events come on and which Query field resolves one. An event carries keys
 * only; every delivery runs the subscriber's selection set on that Query field through this
 * gateway's ordinary execution, with the subscriber's identity and purpose — jurisdiction, the
 * personal-data rules and the audit log apply as to any query, and a record the subscriber may not
 * read is not delivered at all. Nothing here knows a subgraph, a type or a channel by name.
 */

/** What a Subscription field's `@live` says. */
export interface LiveField {
  channel: string;
  query: string;
}

/** Limits of concurrent subscriptions (0: none). */
export interface LiveLimits {
  perCaller: number;
  perInstance: number;
}

export interface LiveOptions {
  /** The gateway's Apollo Server (a function: the two are built together). */
  apollo: () => ApolloServer<GatewayContext>;
  broker: LiveBroker;
  authenticate: Authenticate;
  log: Logger;
  limits: LiveLimits;
  /** Milliseconds between heartbeats (an SSE comment line `:`) on an idle stream; default 12 s. */
  heartbeatMs?: number;
  /** The gateway's trusted documents: when enforced, a subscription too names a published document by id. */
  trusted?: TrustedDocuments;
  /** An anonymous caller's address (behind trusted load balancers, the one they forward); default the peer's. */
  clientAddress?: (req: IncomingMessage) => string | undefined;
}

/** Heartbeats every 12 s unless told otherwise (LIVE_HEARTBEAT_SECONDS). */
export const DEFAULT_HEARTBEAT_MS = 12_000;

/** The codes a client can meet on the stream, besides the usual GraphQL ones. */
export const LiveCode = {
  /** Too many subscriptions for one caller (token, or address without one): HTTP 429. */
  CALLER_LIMIT: 'LIVE_CALLER_LIMIT',
  /** This instance serves as many subscriptions as it may: HTTP 503, try again (another replica). */
  INSTANCE_LIMIT: 'LIVE_INSTANCE_LIMIT',
  /** The event source (Redis) cannot be read: HTTP 503 at subscription; on an open stream, a status message. */
  SOURCE_UNAVAILABLE: 'LIVE_SOURCE_UNAVAILABLE',
  /** The server stops (graceful shutdown): the stream's last message; reconnect with Last-Event-ID. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** The schema was reloaded: the stream's last message; subscribe again (with Last-Event-ID). */
  SCHEMA_RELOADED: 'SCHEMA_RELOADED',
  /** Not a field with `@live`, or an unsupported use of the protocol. */
  NOT_SUPPORTED: 'LIVE_NOT_SUPPORTED',
  /**
   * A status message, first on a stream resumed with a Last-Event-ID older than the events kept
   * (LIVE_RETENTION_SECONDS): some events may be lost; the stream resumes from the oldest kept.
   */
  RESUME_TOO_OLD: 'LIVE_RESUME_TOO_OLD',
} as const;

/** Reads every Subscription field's `@live` from the supergraph SDL. */
export function readLiveFields(supergraphSdl: string): Map<string, LiveField> {
  const fields = new Map<string, LiveField>();
  const document = parse(supergraphSdl);
  let root = 'Subscription';
  for (const def of document.definitions) {
    if (def.kind === Kind.SCHEMA_DEFINITION)
      for (const op of def.operationTypes) if (op.operation === 'subscription') root = op.type.name.value;
  }
  for (const def of document.definitions) {
    if ((def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) || def.name.value !== root) continue;
    for (const field of def.fields ?? []) {
      const live = field.directives?.find((d) => d.name.value === 'live');
      if (!live) continue;
      const arg = (name: string) => {
        const value = live.arguments?.find((a) => a.name.value === name)?.value;
        return value?.kind === Kind.STRING ? value.value : null;
      };
      const channel = arg('channel');
      const query = arg('query');
      if (channel && query) fields.set(field.name.value, { channel, query });
    }
  }
  return fields;
}

const CHANNEL_VALUE = /^[A-Za-z0-9._-]{1,64}$/;
const IDENTITY_VALUES: Record<string, (i: Identity) => string | null> = {
  subject: (i) => (i.role === 'PUBLIC' ? null : i.subject),
  citizenId: (i) => i.citizenId,
  communeCode: (i) => i.communeCode,
  provinceCode: (i) => i.provinceCode,
};

function liveError(message: string, code: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** The channel of a subscription: its arguments and the caller's identity put in the pattern. */
export function channelOf(pattern: string, args: Record<string, unknown>, identity: Identity): string {
  return pattern.replace(/\{(\$?)([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, fromIdentity: string, name: string) => {
    if (fromIdentity) {
      const value = IDENTITY_VALUES[name]?.(identity) ?? null;
      if (value === null) throw liveError(`This subscription is for callers with a ${name}: yours has none`, 'FORBIDDEN');
      return value;
    }
    const value = args[name];
    if (value === undefined || value === null) return '*';
    const text = String(value);
    if (!CHANNEL_VALUE.test(text)) throw liveError(`Argument "${name}" is not a valid value`, 'BAD_USER_INPUT', { argument: name });
    return text;
  });
}

function typeNode(type: GraphQLInputType): TypeNode {
  if (isNonNullType(type)) return { kind: Kind.NON_NULL_TYPE, type: typeNode(type.ofType) as never };
  if ('ofType' in type) return { kind: Kind.LIST_TYPE, type: typeNode((type as { ofType: GraphQLInputType }).ofType) };
  return { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: getNamedType(type).name } };
}

const variableOf = (arg: string) => `live_${arg}`;

/**
 * The query that resolves one event of a subscription: the subscriber's operation turned into a
 * query whose one field is `queryField`, given the event's keys as variables, with the
 * subscriber's selection set, alias, fragments and variables.
 */
export function resolutionDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  field: FieldNode,
  queryField: string,
): { document: DocumentNode; args: readonly GraphQLArgument[] } {
  const target = schema.getQueryType()?.getFields()[queryField];
  if (!target) throw liveError(`The field resolving this subscription (${queryField}) is not in the schema`, LiveCode.NOT_SUPPORTED);
  const variables: VariableDefinitionNode[] = target.args.map((a) => ({
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variableOf(a.name) } },
    type: typeNode(a.type),
  }));
  const selectionSet: OperationDefinitionNode['selectionSet'] = {
    kind: Kind.SELECTION_SET,
    selections: [
      {
        ...field,
        alias: { kind: Kind.NAME, value: (field.alias ?? field.name).value },
        name: { kind: Kind.NAME, value: queryField },
        arguments: target.args.map((a) => ({
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: a.name },
          value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variableOf(a.name) } },
        })),
      },
    ],
  };
  // The subscriber's variables that only the subscription's own arguments used are not the query's.
  const used = new Set<string>();
  const collect = (node: unknown) =>
    visit(node as DocumentNode, {
      Variable: (v) => void used.add(v.name.value),
    });
  collect(selectionSet);
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) collect(d);
  const query: OperationDefinitionNode = {
    ...operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    variableDefinitions: [...(operation.variableDefinitions ?? []).filter((v) => used.has(v.variable.name.value)), ...variables],
    selectionSet,
  };
  return {
    document: { ...document, definitions: document.definitions.map((d) => (d === operation ? query : d)) },
    args: target.args,
  };
}

/** A subscription's context: the caller as verified, the request's metadata, where to resume. */
export interface LiveContext extends Record<PropertyKey, unknown> {
  identity: Identity;
  meta: RequestMeta;
  lastEventId: string | null;
}

/** How long a shared resolution of an event stays available to the subscribers still reaching it. */
const SHARED_RESOLUTION_MS = 5_000;
/** Distinct query texts whose parsed document is kept for the next subscriber sending the same. */
const MAX_SHARED_DOCUMENTS = 500;
/** Longer query texts are parsed for their request only: the cache stays small whatever callers send. */
const MAX_SHARED_QUERY_LENGTH = 4_096;

/** What the subscribers of one operation share (see `planOf` in {@link createLive}). */
interface Plan {
  /** Tells plans apart in the keys of shared resolutions. */
  id: number;
  field: FieldNode;
  definition: GraphQLField<unknown, unknown>;
  /** The `@live` channel pattern. */
  channel: string;
  /** The subscription field's response name (its alias, else its name). */
  name: string;
  /** The query resolving one event. */
  query: string;
  targetArgs: readonly GraphQLArgument[];
  /** The personal-data categories the query selects (none: subscribers of one scope share resolutions). */
  personal: PersonalDataCategory[];
  operationName: string | null;
}

const isPlan = (value: Plan | ExecutionResult): value is Plan => 'query' in value;

/** Codes that say the subscriber may never receive this subscription's deliveries: sent once, then the stream ends. */
const FINAL_CODES = new Set(['FORBIDDEN', 'PURPOSE_REQUIRED', 'UNAUTHENTICATED']);

class Subscription implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting: ((r: IteratorResult<ExecutionResult>) => void) | null = null;
  private done = false;
  private stopListening: () => void = () => undefined;
  private events: Promise<void> = Promise.resolve();

  constructor(readonly onEnd: () => void) {}

  listening(stop: () => void): void {
    if (this.done) stop();
    else this.stopListening = stop;
  }

  push(result: ExecutionResult): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: result, done: false });
    } else this.queue.push(result);
  }

  /** Resolves events one after another, so they are delivered in order. */
  chain(task: () => Promise<void>): void {
    this.events = this.events.then(task).catch(() => undefined);
  }

  /** Ends the stream after `last` (a final message), once what is queued is delivered. */
  end(last?: ExecutionResult): void {
    if (last) this.push(last);
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.stopListening();
    this.onEnd();
    if (this.waiting && this.queue.length === 0) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.queue.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.queue.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** graphql-sse returns (ends) an operation on a client's disconnect only if it looks like an async generator: with `throw`. */
  throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

const json = (
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code, requestId } }] }));
};

/** The live endpoint of one gateway: serve its route, follow schema reloads, end every stream on shutdown. */
export interface Live {
  /** The HTTP route (`/graphql/stream`). */
  handle(req: IncomingMessage, res: ServerResponse, info: RequestInfo, body: string | null): Promise<void>;
  /** A new supergraph: streams opened on the previous one end with SCHEMA_RELOADED. */
  schemaChanged(schema: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }): void;
  /** Ends every stream with SHUTTING_DOWN and stops taking new ones. */
  close(): void;
  /** Subscriptions open now. */
  count(): number;
  /** The same subscriptions, checks and limits for another transport (gateway/liveWs.ts). */
  engine: LiveEngine;
}

/** A refusal by the limits: the HTTP status and code the SSE route answers with. */
export interface LiveRefusal {
  status: 429 | 503;
  code: string;
  message: string;
}

/** What a transport other than SSE uses of the live endpoint: everything but the HTTP framing. */
export interface LiveEngine {
  /** The API schema, once loaded. */
  schema(): GraphQLSchema | null;
  /** True once {@link Live.close} was called: no new subscription. */
  closing(): boolean;
  /** Takes one of `caller`'s subscriptions within the limits (call `release` when it ends), or says why not. */
  admit(caller: string): { release: () => void } | LiveRefusal;
  /** Opens a subscription (every check of the SSE route): its results, or a result with the refusal. */
  subscribe(args: OperationArgs<LiveContext>): Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
  /** Runs a query or mutation as /graphql would. */
  execute(args: OperationArgs<LiveContext>): Promise<ExecutionResult>;
  /**
   * The text to run for a request naming `query` or a document id in `extensions`: the text itself
   * when trusted documents are off, else the published document or why not.
   */
  documentText(client: string | undefined, query: unknown, extensions: unknown): Promise<string | TrustedDocumentRefusal>;
}

/** Who a limit per caller counts: the token's subject, or the address of an anonymous caller. */
export const callerOf = (identity: Identity, address: string | undefined): string =>
  identity.role === 'PUBLIC' ? `address:${address ?? ''}` : `subject:${identity.subject}`;

export function createLive(options: LiveOptions): Live {
  const { broker, log, limits } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const apollo = () => options.apollo();
  let schema: GraphQLSchema | null = null;
  let fields = new Map<string, LiveField>();
  /**
   * Resolutions of one event shared by subscribers with the same query and scope (no personal
   * data), kept until the event's deliveries are done with them.
   */
  const inFlight = new Map<string, Promise<Awaited<ReturnType<ApolloServer<GatewayContext>['executeOperation']>>>>();
  const shared = <T extends Awaited<ReturnType<ApolloServer<GatewayContext>['executeOperation']>>>(
    key: string,
    run: () => Promise<T>,
  ): Promise<T> => {
    let pending = inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = run();
      inFlight.set(key, pending);
      const forget = () => setTimeout(() => inFlight.delete(key), SHARED_RESOLUTION_MS).unref();
      pending.then(forget, forget);
    }
    return pending;
  };
  /** The personal-data categories of the supergraph's fields (its API schema drops the directive). */
  let classification: Classification = new Map();
  let closing = false;
  const open = new Set<Subscription>();
  const perCaller = new Map<string, number>();

  const endAll = (code: string, message: string) => {
    for (const s of [...open]) s.end({ errors: [{ message, extensions: { code } }] as never });
  };

  broker.onStatus((status) => {
    const live = { status: status === 'up' ? 'SOURCE_RESTORED' : LiveCode.SOURCE_UNAVAILABLE };
    log.warn({ status, subscriptions: open.size }, 'live event source status');
    for (const s of open) s.push({ extensions: { live } } as ExecutionResult);
  });

  /** Runs a query or mutation sent to the stream endpoint as /graphql would. */
  const execute = async (args: OperationArgs<LiveContext>): Promise<ExecutionResult> => {
    const response = await apollo().executeOperation(
      {
        query: print(args.document),
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
        ...(args.operationName ? { operationName: args.operationName } : {}),
      },
      { contextValue: gatewayContext(args.contextValue) },
    );
    return response.body.kind === 'single' ? (response.body.singleResult as ExecutionResult) : { errors: [] };
  };

  const gatewayContext = (ctx: LiveContext, delivery?: string): GatewayContext => ({
    identity: ctx.identity,
    meta: { ...ctx.meta, ...(delivery ? { requestId: `${ctx.meta.requestId}:${delivery}` } : {}) },
    personal: newPersonalReads(),
  });

  /**
   * What every subscriber of one operation shares, worked out once per schema, document and
   * operation name (parsed documents are shared per query text, see `documentOf`): the
   * Subscription field, its `@live`, the query resolving an event, and the personal data it
   * selects. A subscriber keeps only its variables, identity and stream.
   */
  const plans = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Plan | ExecutionResult>>>();
  let planIds = 0;
  const planOf = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): Plan | ExecutionResult => {
    let bySchema = plans.get(schema);
    if (!bySchema) plans.set(schema, (bySchema = new WeakMap()));
    let byDocument = bySchema.get(document);
    if (!byDocument) bySchema.set(document, (byDocument = new Map()));
    const name = operationName ?? '';
    let plan = byDocument.get(name);
    if (!plan) byDocument.set(name, (plan = makePlan(schema, document, operationName)));
    return plan;
  };
  const makePlan = (schema: GraphQLSchema, source: DocumentNode, operationName: string | null | undefined): Plan | ExecutionResult => {
    const operation = getOperationAST(source, operationName);
    const field = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename');
    const definition = field && schema.getSubscriptionType()?.getFields()[field.name.value];
    const live = field && fields.get(field.name.value);
    if (!operation || !field || !definition || !live) {
      return { errors: [liveError('This subscription field is not served live', LiveCode.NOT_SUPPORTED)] };
    }
    try {
      const { document, args } = resolutionDocument(schema, source, operation, field, live.query);
      const errors = validate(schema, document);
      if (errors.length > 0) return { errors: [liveError(errors[0]!.message, 'GRAPHQL_VALIDATION_FAILED')] };
      const personal = [...personalFieldsOf(schema, document, classification).values()];
      return {
        id: ++planIds,
        field,
        definition,
        channel: live.channel,
        name: (field.alias ?? field.name).value,
        query: print(document),
        targetArgs: args,
        personal,
        operationName: operationName ?? null,
      };
    } catch (error) {
      return { errors: [error instanceof GraphQLError ? error : liveError('Bad subscription', 'BAD_USER_INPUT')] };
    }
  };

  const subscribe = async (args: OperationArgs<LiveContext>): Promise<AsyncIterable<ExecutionResult> | ExecutionResult> => {
    const ctx = args.contextValue;
    const plan = planOf(args.schema, args.document, args.operationName);
    if (!isPlan(plan)) return plan;
    const subscriberVariables = (args.variableValues ?? {}) as Record<string, unknown>;
    let channel: string;
    try {
      const values = getArgumentValues(plan.definition, plan.field, subscriberVariables);
      channel = channelOf(plan.channel, values, ctx.identity);
      // Refused now, as a query selecting the same personal fields would be, never at the first
      // event: a refusal then would tell the caller that something happened in that commune.
      const refusal = refusalFor(ctx.identity, ctx.meta, plan.personal);
      if (refusal) return { errors: [refusal] };
    } catch (error) {
      return { errors: [error instanceof GraphQLError ? error : liveError('Bad subscription', 'BAD_USER_INPUT')] };
    }
    const personal = plan.personal.length > 0;
    // The part of a shared resolution's key that is this subscriber's: its scope and its own variables.
    const sharing = personal ? '' : `${plan.id}\n${scopeKeyOf(ctx.identity)}\n${JSON.stringify(subscriberVariables)}`;
    const subscription = new Subscription(() => open.delete(subscription));
    open.add(subscription);
    let seq = 0;
    const deliver = (event: DeliveredEvent) =>
      subscription.chain(async () => {
        const variables: Record<string, unknown> = { ...subscriberVariables };
        for (const a of plan.targetArgs) variables[variableOf(a.name)] = event.keys[a.name] ?? null;
        const run = () =>
          apollo().executeOperation(
            { query: plan.query, variables, ...(plan.operationName ? { operationName: plan.operationName } : {}) },
            { contextValue: gatewayContext(ctx, `${++seq}`) },
          );
        // Without personal data the answer depends on the query, the event and the caller's scope
        // only: the subscribers who share them share one resolution (each personal delivery runs,
        // and is audited, with its own identity).
        const response = personal ? await run() : await shared(`${event.id}\n${sharing}\n${JSON.stringify(event.keys)}`, run);
        if (response.body.kind !== 'single') return;
        const { data, errors } = response.body.singleResult;
        const value = data?.[plan.name];
        const codes = (errors ?? []).map((e) => e.extensions?.code);
        const extensions = { eventId: event.id };
        if (value !== null && value !== undefined) {
          subscription.push({ data: { [plan.name]: value }, ...(errors ? { errors } : {}), extensions } as ExecutionResult);
        } else if (codes.some((c) => typeof c === 'string' && FINAL_CODES.has(c))) {
          subscription.end({ errors, extensions } as unknown as ExecutionResult);
        } else if (errors && !codes.every((c) => c === 'NOT_FOUND')) {
          // Not a refusal: the subscriber learns that an event could not be resolved (a subgraph away).
          subscription.push({ errors, extensions } as unknown as ExecutionResult);
        }
        // NOT_FOUND: the record is outside the subscriber's jurisdiction (or gone): nothing of it is sent.
      });
    if (ctx.lastEventId && eventIdMs(ctx.lastEventId) < Date.now() - broker.retentionMs) {
      // Said before anything replayed: the client knows to reload what it shows rather than trust the gap is empty.
      const retentionSeconds = Math.round(broker.retentionMs / 1000);
      subscription.push({
        extensions: {
          live: {
            status: LiveCode.RESUME_TOO_OLD,
            message: `Last-Event-ID ${ctx.lastEventId} is older than the ${retentionSeconds} s of events kept: some may be lost; resuming from the oldest kept`,
            lastEventId: ctx.lastEventId,
            retentionSeconds,
          },
        },
      } as ExecutionResult);
    }
    try {
      subscription.listening(await broker.listen(channel, deliver, ctx.lastEventId));
    } catch {
      subscription.end();
      return { errors: [liveError('Live events are unavailable: try again shortly', LiveCode.SOURCE_UNAVAILABLE)] };
    }
    return subscription;
  };

  /**
   * Parsed documents shared per query text (without locations: only validation messages would use
   * them), so that 10,000 subscribers of the same subscription hold one AST, not 10,000. Bounded
   * (texts up to 4 KB, 500 of them, the oldest going first).
   */
  const documents = new Map<string, DocumentNode>();
  const documentOf = (query: string): DocumentNode => {
    let document = documents.get(query);
    if (!document) {
      document = parse(query, { noLocation: true });
      if (query.length > MAX_SHARED_QUERY_LENGTH) return document;
      documents.set(query, document);
      if (documents.size > MAX_SHARED_DOCUMENTS) documents.delete(documents.keys().next().value!);
    }
    return document;
  };
  /** Validation, once per schema and shared document. */
  const validations = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly GraphQLError[]>>();
  const validateOnce: typeof validate = (schemaToUse, document, ...rest) => {
    if (rest.length > 0) return validate(schemaToUse, document, ...rest);
    let bySchema = validations.get(schemaToUse);
    if (!bySchema) validations.set(schemaToUse, (bySchema = new WeakMap()));
    let errors = bySchema.get(document);
    if (!errors) bySchema.set(document, (errors = validate(schemaToUse, document)));
    return errors;
  };

  const handler = createHandler<IncomingMessage, { ctx: LiveContext }, LiveContext>({
    schema: () => {
      if (!schema) throw new Error('schema not loaded');
      return schema;
    },
    context: (req) => req.context.ctx,
    validate: validateOnce,
    onSubscribe: (req, params) => {
      if (!schema) throw new Error('schema not loaded');
      let document: DocumentNode;
      try {
        document = documentOf(params.query);
      } catch (error) {
        const message = error instanceof GraphQLError ? error.message : 'Unparsable query';
        return [
          JSON.stringify({ errors: [{ message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] }),
          { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json; charset=utf-8' } },
        ];
      }
      return {
        schema,
        document,
        operationName: params.operationName ?? null,
        variableValues: params.variables ?? null,
        contextValue: req.context.ctx,
      };
    },
    execute,
    subscribe,
  });

  const refusal = (caller: string): LiveRefusal | null => {
    if (limits.perInstance > 0 && open.size >= limits.perInstance) {
      return {
        status: 503,
        code: LiveCode.INSTANCE_LIMIT,
        message: `This instance serves its maximum of ${limits.perInstance} subscriptions: retry later`,
      };
    }
    if (limits.perCaller > 0 && (perCaller.get(caller) ?? 0) >= limits.perCaller) {
      return {
        status: 429,
        code: LiveCode.CALLER_LIMIT,
        message: `At most ${limits.perCaller} open subscriptions per caller: close one first`,
      };
    }
    return null;
  };
  const take = (caller: string) => perCaller.set(caller, (perCaller.get(caller) ?? 0) + 1);
  const release = (caller: string) => {
    const left = (perCaller.get(caller) ?? 1) - 1;
    if (left > 0) perCaller.set(caller, left);
    else perCaller.delete(caller);
  };

  const documentText = async (
    client: string | undefined,
    query: unknown,
    extensions: unknown,
  ): Promise<string | TrustedDocumentRefusal> => {
    if (options.trusted?.mode === 'enforce') return options.trusted.resolve({ client, query, extensions });
    if (typeof query === 'string' && query !== '') return query;
    // A first-party client (the dashboard) names its documents by id in development too.
    return options.trusted?.firstParty(client, extensions) ?? '';
  };

  /**
   * With trusted documents enforced, the request as graphql-sse must read it: the published text in
   * place of the id (which graphql-sse does not know), or the refusal. POST bodies are parsed here
   * (null when unparsable), GET parameters rewritten in the URL.
   */
  const trustedRequest = async (
    req: IncomingMessage,
    body: string | null,
  ): Promise<{ url: string; body: Record<string, unknown> | null } | TrustedDocumentRefusal | null> => {
    const client = [req.headers[CLIENT_NAME_HEADER]].flat()[0];
    const withoutId = (extensions: unknown) => {
      if (!extensions || typeof extensions !== 'object' || Array.isArray(extensions)) return undefined;
      const { persistedQuery: _id, ...rest } = extensions as Record<string, unknown>;
      return Object.keys(rest).length > 0 ? rest : undefined;
    };
    if (req.method === 'POST') {
      let params: Record<string, unknown>;
      try {
        params = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        return null;
      }
      if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
      const text = await documentText(client, params.query, params.extensions);
      if (isRefusal(text)) return text;
      const extensions = withoutId(params.extensions);
      return { url: req.url ?? '/', body: { ...params, query: text, ...(extensions ? { extensions } : { extensions: undefined }) } };
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    let extensions: unknown;
    try {
      extensions = JSON.parse(url.searchParams.get('extensions') ?? 'null');
    } catch {
      return null;
    }
    const text = await documentText(client, url.searchParams.get('query') ?? undefined, extensions);
    if (isRefusal(text)) return text;
    url.searchParams.set('query', text);
    const rest = withoutId(extensions);
    if (rest) url.searchParams.set('extensions', JSON.stringify(rest));
    else url.searchParams.delete('extensions');
    return { url: `${url.pathname}${url.search}`, body: null };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, info: RequestInfo, body: string | null): Promise<void> => {
    const { requestId } = info;
    if (closing) return json(res, 503, LiveCode.SHUTTING_DOWN, 'The server is shutting down: reconnect', requestId);
    if (!schema) return json(res, 503, 'NOT_READY', 'The schema is not loaded yet', requestId);
    if (req.method !== 'POST' && req.method !== 'GET') {
      return json(
        res,
        405,
        LiveCode.NOT_SUPPORTED,
        'Use POST (or GET) with Accept: text/event-stream: one connection per subscription',
        requestId,
        {
          allow: 'GET, POST',
        },
      );
    }
    if (req.headers['x-graphql-event-stream-token']) {
      return json(res, 400, LiveCode.NOT_SUPPORTED, 'Only the distinct connections mode of graphql-sse is served', requestId);
    }
    let identity: Identity;
    let purpose: string | null;
    try {
      identity = await options.authenticate(req.headers.authorization);
      purpose = purposeFrom(req.headers['x-purpose']);
    } catch (error) {
      const e = error instanceof GraphQLError ? error : null;
      const code = String(e?.extensions.code ?? 'UNAUTHENTICATED');
      return json(res, code === 'UNAUTHENTICATED' ? 401 : 400, code, e?.message ?? 'Invalid request', requestId);
    }
    const header = req.headers['last-event-id'];
    const rawLast = Array.isArray(header) ? header[0] : header;
    const lastEventId = parseEventId(rawLast);
    if (rawLast && !lastEventId)
      return json(res, 400, 'BAD_USER_INPUT', 'Last-Event-ID must be an event id as sent (<ms>-<seq>)', requestId);
    let trusted: { url: string; body: Record<string, unknown> | null } | undefined;
    if (options.trusted) {
      const outcome = await trustedRequest(req, body);
      if (outcome === null) return json(res, 400, 'BAD_REQUEST', 'Unparsable request parameters (JSON)', requestId);
      if ('code' in outcome) return json(res, outcome.status, outcome.code, outcome.message, requestId);
      trusted = outcome;
    }
    const accept = String(req.headers.accept ?? '');
    const streaming = accept.includes('text/event-stream');
    // Limits count open streams: one per subscription in this mode.
    const caller = callerOf(identity, options.clientAddress ? options.clientAddress(req) : req.socket.remoteAddress);
    const refused = streaming ? refusal(caller) : null;
    if (refused) {
      return json(res, refused.status, refused.code, refused.message, requestId, refused.status === 503 ? { 'retry-after': '5' } : {});
    }
    const ctx: LiveContext = { identity, meta: { requestId, purpose }, lastEventId };
    const [responseBody, init] = await handler({
      method: req.method,
      url: trusted?.url ?? req.url ?? '/',
      headers: {
        get: (key) => {
          const value = req.headers[key.toLowerCase()];
          // graphql-sse compares the Accept header exactly.
          if (key.toLowerCase() === 'accept' && streaming) return 'text/event-stream';
          return Array.isArray(value) ? value.join(', ') : value;
        },
      },
      body: () => {
        if (req.method !== 'POST') return null;
        if (trusted) return trusted.body;
        try {
          return body ? (JSON.parse(body) as Record<string, unknown>) : null;
        } catch {
          throw new Error('Unparsable JSON body');
        }
      },
      raw: req,
      context: { ctx },
    });
    if (typeof responseBody === 'string' || responseBody === null) {
      res.writeHead(init.status, { ...init.headers, 'x-request-id': requestId });
      res.end(responseBody ?? undefined);
      return;
    }
    take(caller);
    res.writeHead(init.status, { ...init.headers, 'x-request-id': requestId, 'x-accel-buffering': 'no' });
    res.flushHeaders();
    // The request is read whole: its connection now only carries this stream (~6 KB less per stream).
    releaseRequestParser(req, res);
    const stop = () => void responseBody.return(undefined);
    res.once('close', stop);
    // graphql-sse pings every 12 s, fixed: its pings after the first are replaced by ours, at heartbeatMs.
    let pinged = false;
    const heartbeat = setInterval(() => res.write(':\n\n'), heartbeatMs);
    // Pumped with promise callbacks rather than awaited here: an open stream then holds no
    // suspended frame of this function nor of the HTTP layer's above it (thousands of them idle).
    const finish = (failed: boolean) => {
      clearInterval(heartbeat);
      release(caller);
      res.off('close', stop);
      if (failed) res.destroy();
      else res.end();
    };
    const pump = (): void =>
      void responseBody.next().then(
        (message) => {
          if (message.done) return finish(false);
          const chunk = message.value;
          if (chunk === ':\n\n') {
            if (pinged) return pump();
            pinged = true;
          }
          // Each delivered event carries its stream id as the SSE `id:` field: a client that reconnects
          // sends it back as Last-Event-ID and resumes after it.
          const id = chunk.startsWith('event: next') ? /"eventId":"(\d+-\d+)"/.exec(chunk)?.[1] : undefined;
          res.write(id ? `id: ${id}\n${chunk}` : chunk);
          pump();
        },
        () => finish(true),
      );
    pump();
  };

  return {
    handle,
    schemaChanged: ({ apiSchema, coreSupergraphSdl }) => {
      if (schema) endAll(LiveCode.SCHEMA_RELOADED, 'The schema was reloaded: subscribe again (send Last-Event-ID to miss nothing)');
      schema = apiSchema;
      fields = readLiveFields(coreSupergraphSdl);
      classification = classifyTypeDefs(parse(coreSupergraphSdl));
      log.info({ fields: [...fields.keys()] }, 'live subscriptions');
    },
    close: () => {
      closing = true;
      endAll(LiveCode.SHUTTING_DOWN, 'The server is shutting down: reconnect (with Last-Event-ID) to resume');
    },
    count: () => open.size,
    engine: {
      schema: () => schema,
      closing: () => closing,
      admit: (caller) => {
        const refused = refusal(caller);
        if (refused) return refused;
        take(caller);
        let released = false;
        return {
          release: () => {
            if (!released) release(caller);
            released = true;
          },
        };
      },
      subscribe,
      execute,
      documentText,
    },
  };
}
