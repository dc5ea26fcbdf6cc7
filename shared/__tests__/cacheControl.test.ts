import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { cacheControlPlugin, recordCacheHints } from '../subgraph/cacheControl';
import { SDL_PREAMBLE } from '../subgraph';

/**
 * The subgraphs' cache hints (shared/subgraph/cacheControl.ts) against Apollo Server's own
 * cache-control plugin: the same schema served both ways must answer every operation with the same
 * `Cache-Control` header — maxAge, scope, `inheritMaxAge`, root and nested fields, empty lists and
 * nulls (fields never resolved restrict nothing), async resolvers, errors, abstract types and the
 * dynamic hints `_entities` sets for each representation's type.
 */

const TYPE_DEFS = `${SDL_PREAMBLE}
type Query {
  units: [Unit!]!
  unit(code: ID!): Unit
  noUnits: [Unit!]!
  hinted: String @cacheControl(maxAge: 30)
  plain: String
  secret: Secret
  things: [Thing!]!
  failing: Unit
  page: Page
}
type Unit @key(fields: "code") @cacheControl(maxAge: 3600) {
  code: ID!
  name: String
  parent: Unit
  people: [Person!]!
  later: Person
  inherited: Page @cacheControl(inheritMaxAge: true)
}
type Person @key(fields: "id") @cacheControl(maxAge: 60, scope: PRIVATE) {
  id: ID!
  name: String
  unit: Unit
  short: String @cacheControl(maxAge: 5)
}
type Secret { value: String }
type Page @cacheControl(inheritMaxAge: true) { size: Int, first: Person }
interface Thing { id: ID! }
type Box implements Thing @cacheControl(maxAge: 100) { id: ID! }
type Bag implements Thing @cacheControl(maxAge: 10, scope: PRIVATE) { id: ID! }
`;

const unit = (code: string) => ({ code, name: `Unit ${code}` });
const person = (id: string) => ({ id, name: `Person ${id}` });

const resolvers = {
  Query: {
    units: () => [unit('01'), unit('02')],
    unit: async (_: unknown, { code }: { code: string }) => (code === 'none' ? null : unit(code)),
    noUnits: () => [],
    hinted: () => 'h',
    plain: () => 'p',
    secret: () => ({ value: 's' }),
    things: () => [
      { __typename: 'Box', id: 'b' },
      { __typename: 'Bag', id: 'g' },
    ],
    failing: () => {
      throw new Error('no');
    },
    page: () => ({ size: 1, first: person('p0') }),
  },
  Unit: {
    __resolveReference: (ref: { code: string }) => unit(ref.code),
    parent: (u: { code: string }) => (u.code === '01' ? null : unit('01')),
    people: async (u: { code: string }) => (u.code === '01' ? [] : [person('p1'), person('p2')]),
    later: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return person('p3');
    },
    inherited: () => ({ size: 2, first: null }),
  },
  Person: {
    __resolveReference: (ref: { id: string }) => person(ref.id),
    unit: () => unit('02'),
  },
  Thing: { __resolveType: (t: { __typename: string }) => t.__typename },
};

async function serve(ours: boolean): Promise<ApolloServer> {
  const schema = buildSubgraphSchema({ typeDefs: parse(TYPE_DEFS), resolvers: resolvers as never });
  if (ours) recordCacheHints(schema);
  const server = new ApolloServer({
    schema,
    plugins: ours ? [ApolloServerPluginCacheControlDisabled(), cacheControlPlugin()] : [],
  });
  await server.start();
  return server;
}

const OPERATIONS: [string, Record<string, unknown>?][] = [
  ['{ units { code name } }'],
  ['{ units { code parent { code } } }'],
  ['{ units { people { id name } } }'],
  ['{ unit(code: "01") { code people { name } } }'],
  ['{ unit(code: "02") { code people { name short } } }'],
  ['{ unit(code: "none") { code people { name } } }'],
  ['{ noUnits { code people { id } } }'],
  ['{ hinted }'],
  ['{ plain }'],
  ['{ hinted units { code } }'],
  ['{ secret { value } }'],
  ['{ things { id } }'],
  ['{ things { id ... on Box { id } } }'],
  ['{ failing { code } }'],
  ['{ units { later { name } } }'],
  ['{ units { inherited { size first { id } } } }'],
  ['{ page { size first { name unit { code } } } }'],
  ['{ units { __typename code } }'],
  [
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Unit { code name } ... on Person { id name } } }',
    { r: [{ __typename: 'Unit', code: '01' }] },
  ],
  [
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Unit { code name } ... on Person { id name } } }',
    {
      r: [
        { __typename: 'Unit', code: '01' },
        { __typename: 'Person', id: 'p9' },
      ],
    },
  ],
  [
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Unit { code people { short } } } }',
    { r: [{ __typename: 'Unit', code: '02' }] },
  ],
  ['{ _service { sdl } }'],
];

describe("subgraph cache hints: ours against Apollo's cache-control plugin", () => {
  let apollo: ApolloServer;
  let ours: ApolloServer;
  beforeAll(async () => {
    [apollo, ours] = await Promise.all([serve(false), serve(true)]);
  });
  afterAll(async () => {
    await Promise.all([apollo?.stop(), ours?.stop()]);
  });

  test('every operation gets the same Cache-Control from both', async () => {
    for (const [query, variables] of OPERATIONS) {
      const run = async (server: ApolloServer) =>
        (await server.executeOperation({ query, ...(variables ? { variables } : {}) })).http.headers.get('cache-control');
      expect(`${query}: ${await run(ours)}`).toBe(`${query}: ${await run(apollo)}`);
    }
  });

  test('the operations cover cacheable, private, uncacheable and errors', async () => {
    const headers = new Set<string | undefined>();
    for (const [query, variables] of OPERATIONS) {
      headers.add((await ours.executeOperation({ query, ...(variables ? { variables } : {}) })).http.headers.get('cache-control'));
    }
    expect([...headers].sort()).toEqual(expect.arrayContaining(['max-age=3600, public', 'max-age=60, private', 'no-store']));
  });
});
