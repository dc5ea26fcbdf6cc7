import { createRequire } from 'node:module';
import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { withImplementedSecurityFeatures } from '../gateway/authorization';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { apolloComputeResponse, computeResponse, resultShapingInstalled, type ComputeResponse } from '../gateway/resultShaping';
import { createGatewayServer } from '../gateway/server';
import { createLogger } from '../shared/observability/logger';

/**
 * The gateway's result shaping (gateway/resultShaping.ts) against Apollo's own, on the committed
 * supergraph: operations with aliases, fragments, abstract types, `__typename`, `@skip`/`@include`
 * under variables, and answers drawn at random from the operation — valid values, nulls where the
 * schema forbids them, leaf values of the wrong type, unknown `__typename`s — must give the same
 * data and the same errors.
 */

const internals = createRequire(require.resolve('@apollo/gateway'))(
  '@apollo/federation-internals',
) as typeof import('@apollo/federation-internals');

// As the gateway loads it: the authorization features it implements itself (gateway/authorization.ts).
const supergraph = internals.Supergraph.build(withImplementedSecurityFeatures(readCommittedSupergraph()));
const apiSchema = supergraph.apiSchema();
const graphqlSchema: GraphQLSchema = apiSchema.toGraphQLJSSchema();

const OPERATIONS: { query: string; variables: Record<string, unknown> }[] = [
  {
    query: `query ($code: ID!, $n: Int, $withHouseholds: Boolean!) {
      commune(code: $code) { code name __typename province { code name }
        residents(first: $n) { totalCount edges { cursor node { citizenId fullName birthDate sex
          household @include(if: $withHouseholds) { id } } } pageInfo { hasNextPage endCursor } } } }`,
    variables: { code: '00004', n: 3, withHouseholds: true },
  },
  {
    query: `query ($code: ID!, $skip: Boolean!) {
      first: commune(code: $code) { c: code n: name name @skip(if: $skip) }
      second: commune(code: $code) { ... on Commune { code province { __typename kind: __typename code } } } }`,
    variables: { code: '00004', skip: false },
  },
  {
    query: `query ($code: ID!, $skip: Boolean!) { commune(code: $code) { code name @skip(if: $skip) } }`,
    variables: { code: '00004', skip: true },
  },
  {
    query: `query ($id: ID!) { landParcel(id: $id) { id area holders { __typename ... on Resident { citizenId fullName } ... on Enterprise { taxCode name } } } }`,
    variables: { id: 'x' },
  },
  {
    query: `query { provinces { code name communes(first: 5) { totalCount edges { node { code name } } } } }`,
    variables: {},
  },
  {
    query: `query ($p: PeriodInput!) { provinceRanking(period: $p) { rank evaluation { unitCode score onTimeRate dossiersReceived evaluated groups { group points } } } }`,
    variables: { p: { kind: 'YEAR', year: 2025 } },
  },
  {
    query: `fragment E on Evaluation { score indicators { code rate points } } query ($p: PeriodInput!) { nationalEvaluation(period: $p) { ...E scope } }`,
    variables: { p: { kind: 'YEAR', year: 2025 } },
  },
];

/** A deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** An answer a subgraph could send for `document`, valid or broken in random places. */
function answerFor(document: DocumentNode, rnd: () => number): Record<string, unknown> {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const leaf = (type: GraphQLNamedType): unknown => {
    const r = rnd();
    if (r < 0.05) return { not: 'a leaf' };
    if (r < 0.1) return rnd() < 0.5 ? 1.5 : true;
    if (isEnumType(type)) return rnd() < 0.9 ? type.getValues()[Math.floor(rnd() * type.getValues().length)]!.value : 'NOT_A_VALUE';
    switch (type.name) {
      case 'Int':
        return Math.floor(rnd() * 1000);
      case 'Float':
        return rnd() * 100;
      case 'Boolean':
        return rnd() < 0.5;
      case 'ID':
        return rnd() < 0.5 ? String(Math.floor(rnd() * 1e6)) : Math.floor(rnd() * 1e6);
      default:
        return `v${Math.floor(rnd() * 1e6)}`;
    }
  };
  const fill = (selectionSet: SelectionSetNode, type: GraphQLObjectType, into: Record<string, unknown>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = (selection.alias ?? selection.name).value;
        if (selection.name.value === '__typename') {
          if (rnd() < 0.8) into[key] = rnd() < 0.95 ? type.name : 'Unknown';
          continue;
        }
        const field = type.getFields()[selection.name.value];
        if (!field) continue;
        into[key] = value(field.type, selection.selectionSet);
      } else {
        const set = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value)!;
        const condition =
          selection.kind === Kind.INLINE_FRAGMENT
            ? selection.typeCondition?.name.value
            : (set as FragmentDefinitionNode).typeCondition.name.value;
        if (!condition || condition === type.name || rnd() < 0.2) fill(set.selectionSet, type, into);
      }
    }
  };
  const value = (type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined): unknown => {
    if (rnd() < (isNonNullType(type) ? 0.03 : 0.1)) return null;
    const nullable = getNullableType(type);
    if (isListType(nullable)) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(nullable.ofType, selectionSet));
    const named = getNamedType(nullable);
    if (!selectionSet) return leaf(named);
    const possible = isAbstractType(named) ? graphqlSchema.getPossibleTypes(named) : [named as GraphQLObjectType];
    const concrete = possible[Math.floor(rnd() * possible.length)]!;
    const object: Record<string, unknown> = isAbstractType(named) || rnd() < 0.3 ? { __typename: concrete.name } : {};
    if (isObjectType(concrete)) fill(selectionSet, concrete, object);
    return object;
  };
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  const root: Record<string, unknown> = {};
  fill(operation.selectionSet, graphqlSchema.getQueryType()!, root);
  return root;
}

const shaped = (shape: ComputeResponse, query: string, variables: Record<string, unknown>, input: Record<string, unknown>) => {
  const operation = internals.operationFromDocument(apiSchema, parse(query), { validate: true });
  const copy = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  try {
    const { data, errors } = shape({ operation, variables, input: copy, introspectionHandling: () => ({ introspected: true }) });
    return JSON.stringify({ data, errors: errors.map((e) => ({ message: e.message, path: e.path, code: e.extensions.code })) });
  } catch (error) {
    return `threw: ${(error as Error).message}`;
  }
};

describe("result shaping: the gateway's against Apollo's", () => {
  test.each(OPERATIONS.map((o, i) => [i, o] as const))(
    'operation %i: the same data and errors on 200 random answers',
    (_, { query, variables }) => {
      const document = parse(query);
      const rnd = random(1234);
      let withErrors = 0;
      for (let n = 0; n < 200; n++) {
        const input = answerFor(document, rnd);
        const theirs = shaped(apolloComputeResponse, query, variables, input);
        const ours = shaped(computeResponse, query, variables, input);
        expect(ours).toBe(theirs);
        if (theirs.includes('"message"')) withErrors += 1;
      }
      // The draws reach the error paths, not only clean answers.
      expect(withErrors).toBeGreaterThan(10);
    },
  );

  test('a __proto__ response name is an own property of the output, never its prototype', () => {
    const query = `{ commune(code: "00004") { __proto__: name code } }`;
    const input = JSON.parse('{"commune":{"__proto__":"Phường Ba Đình","code":"00004"}}') as Record<string, unknown>;
    const ours = shaped(computeResponse, query, {}, input);
    expect(ours).toBe(shaped(apolloComputeResponse, query, {}, input));
    expect(JSON.parse(ours)).toEqual({ data: { commune: JSON.parse('{"__proto__":"Phường Ba Đình","code":"00004"}') }, errors: [] });
  });

  test('the gateway shapes its results with it', () => {
    createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'remote', urls: {}, keys: {} as never },
      log: createLogger('test', 'silent'),
    });
    expect(resultShapingInstalled()).toBe(true);
  });
});
