import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import { composeServices } from '@apollo/composition';
import {
  buildASTSchema,
  getNamedType,
  getNullableType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { generateKeyPair } from 'jose';
import { requirementsOf } from '../gateway/authorization';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import type { Identity } from '../shared/auth/identity';
import { classifyTypeDefs } from '../shared/auth/personalData';
import { Scope, scopeForCategory } from '../shared/auth/scopes';
import { createLogger } from '../shared/observability/logger';
import { SDL_PREAMBLE } from '../shared/subgraph';
import { withAuthorizationDirectives } from '../shared/subgraph/authorization';
import { loadSubgraphs } from '../subgraphs';
import { AS, meta } from './helpers/identities';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

const supergraph = readCommittedSupergraph();
const OURS = new Set(['UNAUTHENTICATED', 'PURPOSE_REQUIRED', 'FORBIDDEN']);

/** `Type.field` → its `@requiresScopes` scopes, read from type definitions. */
function scopesIn(document: ReturnType<typeof parse>): Map<string, string[][]> {
  const found = new Map<string, string[][]>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const field of def.fields ?? []) {
      const value = field.directives?.find((d) => d.name.value === 'requiresScopes')?.arguments?.[0]?.value;
      if (value?.kind !== Kind.LIST) continue;
      found.set(
        `${def.name.value}.${field.name.value}`,
        value.values.map((inner) => (inner.kind === Kind.LIST ? inner.values.map((s) => (s.kind === Kind.STRING ? s.value : '?')) : [])),
      );
    }
  }
  return found;
}

describe('the authorization directives are derived from the classification, never listed', () => {
  test.each(subgraphs.map((s) => [s.name, s] as const))(
    '%s: every classified field requires its category’s scope, every mutation the write scope',
    (_name, s) => {
      const classified = classifyTypeDefs(s.typeDefs);
      const scopes = scopesIn(s.typeDefs);
      const expected = new Map<string, string[][]>();
      for (const [coordinate, category] of classified) {
        const scope = scopeForCategory(category);
        if (scope) expected.set(coordinate, [[scope]]);
      }
      for (const def of s.typeDefs.definitions) {
        if ((def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) && def.name.value === 'Mutation')
          for (const f of def.fields ?? []) expected.set(`Mutation.${f.name.value}`, [[Scope.WRITE]]);
      }
      expect(Object.fromEntries(scopes)).toEqual(Object.fromEntries(expected));
    },
  );

  test('the supergraph carries them: the gateway reads one requirement per personal field and per mutation', () => {
    const document = parse(supergraph);
    const { fields, types } = requirementsOf(supergraph);
    const personal = [...classifyTypeDefs(document)].filter(([, c]) => c !== 'NONE');
    const mutations = [...scopesIn(document).keys()].filter((c) => c.startsWith('Mutation.'));
    expect(personal.length).toBeGreaterThan(30);
    expect(mutations.length).toBeGreaterThanOrEqual(20);
    expect(types.size).toBe(0);
    for (const [coordinate, category] of personal)
      expect(fields.get(coordinate)).toEqual({ authenticated: false, scopes: [[scopeForCategory(category)]] });
    for (const coordinate of mutations) expect(fields.get(coordinate)).toEqual({ authenticated: false, scopes: [[Scope.WRITE]] });
    expect(fields.size).toBe(personal.length + mutations.length);
  });

  test('a field that states its own @requiresScopes keeps it', () => {
    const typeDefs = withAuthorizationDirectives(
      parse(
        `type Query { a: String @personalData(category: BASIC) @requiresScopes(scopes: [["x"]]) b: String @personalData(category: NONE) }`,
      ),
    );
    expect(Object.fromEntries(scopesIn(typeDefs))).toEqual({ 'Query.a': [['x']] });
  });
});

/** A document selecting `target` (`Type.field`) by the shortest path from Query, arguments as variables. */
function operationFor(schema: GraphQLSchema, root: 'Query' | 'Mutation', target: string): string {
  const [typeName, fieldName] = target.split('.') as [string, string];
  const variables: string[] = [];
  const call = (field: GraphQLField<unknown, unknown>) => {
    const args = field.args
      .filter((a) => isNonNullType(a.type) && a.defaultValue === undefined)
      .map((a) => {
        const name = `v${variables.length}`;
        variables.push(`$${name}: ${String(a.type)}`);
        return `${a.name}: $${name}`;
      });
    return args.length > 0 ? `${field.name}(${args.join(', ')})` : field.name;
  };
  const leaf = (field: GraphQLField<unknown, unknown>) =>
    isLeafType(getNamedType(field.type)) ? call(field) : `${call(field)} { __typename }`;
  // Breadth-first over object types: the selection text that reaches each, within `wrap`.
  const seen = new Map<string, (inner: string) => string>([[root, (inner) => inner]]);
  const queue: GraphQLNamedType[] = [schema.getType(root)!];
  while (queue.length > 0) {
    const type = queue.shift()!;
    const wrap = seen.get(type.name)!;
    const reached = isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
    for (const object of reached) {
      const inside = (inner: string) => wrap(isAbstractType(type) ? `... on ${object.name} { ${inner} }` : inner);
      if (object.name === typeName) {
        const text = inside(leaf(object.getFields()[fieldName]!));
        const head = variables.length > 0 ? `(${variables.join(', ')})` : '';
        return `${root === 'Query' ? 'query' : 'mutation'}${head} { ${text} }`;
      }
      for (const field of Object.values(object.getFields())) {
        const next = getNamedType(getNullableType(field.type));
        if (isLeafType(next) || seen.has(next.name) || field.name.startsWith('_')) continue;
        seen.set(next.name, (inner) => inside(`${call(field)} { ${inner} }`));
        queue.push(next);
      }
    }
  }
  if (root === 'Query') return operationFor(schema, 'Mutation', target);
  throw new Error(`No path to ${target}`);
}

describe('the gateway refuses before planning what the caller can never be allowed (every personal field and mutation × every caller)', () => {
  let gateway: ApolloServer<GatewayContext>;
  let subgraphServer: Server;
  let fetches = 0;
  const schema = buildASTSchema(parse(supergraph), { assumeValidSDL: true });
  const { fields } = requirementsOf(supergraph);
  // Subscriptions are served by gateway/live.ts, which runs each delivery as a query (and checks the same scopes first).
  const targets = [...fields.keys()].filter((c) => !c.startsWith('Subscription.')).sort();

  beforeAll(async () => {
    // Every subgraph is this server, which counts what reaches it: a refusal must leave it at 0.
    subgraphServer = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => subgraphServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(subgraphServer.address() as AddressInfo).port}/graphql`;
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    gateway = createGatewayServer({
      supergraphSdl: supergraph,
      transport: { kind: 'remote', urls: Object.fromEntries(subgraphs.map((s) => [s.name, url])), keys: { privateKey, publicKey } },
      log: createLogger('authorization-test', 'silent'),
      subgraphTimeoutMs: 2_000,
    });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await new Promise((resolve) => subgraphServer?.close(resolve));
  });

  const run = async (query: string, identity: Identity, purpose: string | null) => {
    const response = await gateway.executeOperation(
      { query },
      { contextValue: { identity, meta: meta(purpose), personal: newPersonalReads() } },
    );
    if (response.body.kind !== 'single') throw new Error('incremental');
    const errors = response.body.singleResult.errors ?? [];
    return { status: response.http.status, code: errors[0]?.extensions?.code as string | undefined, errors };
  };

  const callers: [string, Identity, string | null][] = [
    ['anonymous', AS.anonymous, null],
    ['anonymous with a purpose', AS.anonymous, 'HS-1'],
    ['citizen', AS.citizen('001085012345'), null],
    ['commune officer without purpose', AS.communeOfficer('00004'), null],
    ['commune officer', AS.communeOfficer('00004'), 'HS-1'],
    ['provincial officer without purpose', AS.provinceOfficer('01'), null],
    ['provincial officer', AS.provinceOfficer('01'), 'HS-1'],
    ['central without purpose', AS.central, null],
    ['central', AS.central, 'HS-1'],
  ];

  /** What the gateway must answer: a code and status, or null when it lets the request through to planning. */
  function expected(write: boolean, identity: Identity, purpose: string | null): [string, number] | null {
    if (identity.role === 'PUBLIC') return ['UNAUTHENTICATED', 401];
    if (identity.role === 'CITIZEN') return write ? ['FORBIDDEN', 403] : null;
    return purpose ? null : ['PURPOSE_REQUIRED', 403];
  }

  test.each(callers)(
    '%s: every personal field and every mutation',
    async (_label, identity, purpose) => {
      expect(targets.length).toBeGreaterThan(50);
      const wrong: string[] = [];
      for (const target of targets) {
        const query = operationFor(schema, 'Query', target);
        const before = fetches;
        const result = await run(query, identity, purpose);
        const want = expected(query.startsWith('mutation'), identity, purpose);
        if (want) {
          const got = [result.code, result.status];
          if (JSON.stringify(got) !== JSON.stringify(want) || fetches !== before)
            wrong.push(`${target}: ${JSON.stringify(got)}, ${fetches - before} fetches`);
          // The message names what is refused: the field itself, or the mutation it is reached through.
          const message = result.errors[0]?.message ?? '';
          if (!message.includes(target) && !(query.startsWith('mutation') && message.includes('Mutation.')))
            wrong.push(`${target}: message does not name it`);
        } else if (result.code && OURS.has(result.code)) {
          wrong.push(`${target}: refused with ${result.code}`);
        }
      }
      expect(wrong).toEqual([]);
    },
    60_000,
  );

  test('public fields stay open to everyone, and a public selection mixed with one personal field is refused whole', async () => {
    for (const [, identity, purpose] of callers) {
      const open = await run(`{ provinces { code name } }`, identity, purpose);
      expect(OURS.has(open.code ?? '')).toBe(false);
    }
    const before = fetches;
    const mixed = await run(
      `query ($c: CitizenId!) { provinces { code } r: resident(citizenId: $c) { __typename fullName } }`,
      AS.communeOfficer('00004'),
      null,
    );
    expect([mixed.code, mixed.status, fetches - before]).toEqual(['PURPOSE_REQUIRED', 403, 0]);
  });

  test('fragments, inline fragments and aliases do not hide a field', async () => {
    for (const query of [
      `query ($c: CitizenId!) { x: resident(citizenId: $c) { ...F } } fragment F on Resident { y: fullName }`,
      `query ($c: CitizenId!) { resident(citizenId: $c) { ... on Resident { ... { fullName } } } }`,
      `query ($c: CitizenId!) { ...Q } fragment Q on Query { resident(citizenId: $c) { citizenId } }`,
    ]) {
      expect((await run(query, AS.anonymous, null)).code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('domain-free: the gateway enforces whatever the supergraph says', () => {
  /** A supergraph of one made-up subgraph: the gateway reads its directives, knowing nothing of it. */
  function compose(sdl: string, preamble = true): string {
    const typeDefs = withAuthorizationDirectives(parse(preamble ? `${SDL_PREAMBLE}\n${sdl}` : sdl));
    const result = composeServices([{ name: 'made-up', url: 'http://127.0.0.1:9/graphql', typeDefs }]);
    if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
    return result.supergraphSdl;
  }

  test('@authenticated, type-level and combined scopes, interfaces', async () => {
    const sdl = compose(`
      type Query { open: String  who: String @authenticated  secret: Secret  thing: Thing  both: String @requiresScopes(scopes: [["a", "b"], ["c"]]) }
      type Secret @requiresScopes(scopes: [["s"]]) { x: String }
      interface Thing { name: String }
      type Plain implements Thing { name: String }
      type Guarded implements Thing { name: String @personalData(category: SENSITIVE) }
    `);
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const gateway = createGatewayServer({
      supergraphSdl: sdl,
      transport: { kind: 'remote', urls: { 'made-up': 'http://127.0.0.1:9/graphql' }, keys: { privateKey, publicKey } },
      log: createLogger('authorization-test', 'silent'),
      subgraphTimeoutMs: 500,
    });
    await gateway.start();
    try {
      const code = async (query: string, identity: Identity, purpose: string | null = 'HS-1') => {
        const r = await gateway.executeOperation(
          { query },
          { contextValue: { identity, meta: meta(purpose), personal: newPersonalReads() } },
        );
        return r.body.kind === 'single' ? (r.body.singleResult.errors?.[0]?.extensions?.code as string | undefined) : 'incremental';
      };
      const ours = async (...args: Parameters<typeof code>) => {
        const c = await code(...args);
        return c && OURS.has(c) ? c : 'passed';
      };
      expect(await ours('{ open }', AS.anonymous)).toBe('passed');
      expect(await ours('{ who }', AS.anonymous)).toBe('UNAUTHENTICATED');
      expect(await ours('{ who }', AS.citizen('001085012345'), null)).toBe('passed');
      // Nobody holds "s", "a"/"b" or "c": a token does not help.
      expect(await ours('{ secret { x } }', AS.central)).toBe('FORBIDDEN');
      expect(await ours('{ both }', AS.central)).toBe('FORBIDDEN');
      // Through the interface, the sensitive implementation's field counts: provincial officers never hold that scope.
      expect(await ours('{ thing { name } }', AS.provinceOfficer('01'))).toBe('FORBIDDEN');
      expect(await ours('{ thing { name } }', AS.communeOfficer('00004'))).toBe('passed');
      expect(await ours('{ thing { name } }', AS.communeOfficer('00004'), null)).toBe('PURPOSE_REQUIRED');
      expect(await ours('{ thing { ... on Plain { name } } }', AS.anonymous)).toBe('passed');
    } finally {
      await gateway.stop();
    }
  });

  test('a security feature the gateway does not implement (@policy) stops it from starting', async () => {
    const sdl = compose(
      `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@policy"])
      type Query { p: String @policy(policies: [["admin"]]) }
    `,
      false,
    );
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const gateway = createGatewayServer({
      supergraphSdl: sdl,
      transport: { kind: 'remote', urls: { 'made-up': 'http://127.0.0.1:9/graphql' }, keys: { privateKey, publicKey } },
      log: createLogger('authorization-test', 'silent'),
    });
    await expect(gateway.start()).rejects.toThrow(/policy.*SECURITY but is unsupported/);
  });
});
