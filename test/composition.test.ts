import { Kind, parse, print } from 'graphql';
import { composeSupergraph, readCommittedSupergraph } from '../gateway/supergraph';
import { subgraphs } from '../subgraphs';

describe('composition', () => {
  test('the committed supergraph is what the subgraphs compose to today (run `npm run compose` when this fails)', () => {
    expect(readCommittedSupergraph()).toBe(composeSupergraph());
  });

  test('every entity carries the key the federation links rely on', () => {
    const document = parse(readCommittedSupergraph());
    const keys = (type: string) =>
      document.definitions
        .filter((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === type)
        .flatMap((d) => (d.kind === Kind.OBJECT_TYPE_DEFINITION ? (d.directives ?? []) : []))
        .filter((d) => d.name.value === 'join__type')
        .map((d) => {
          const arg = (name: string) => d.arguments?.find((a) => a.name.value === name)?.value;
          const key = arg('key');
          return `${print(arg('graph')!)}:${key?.kind === Kind.STRING ? key.value : ''}`;
        })
        .filter((k) => !k.endsWith(':'));
    expect(keys('Province')).toEqual(expect.arrayContaining(['ADMINISTRATIVE_UNITS:code', 'LAND:code']));
    expect(keys('Commune')).toEqual(
      expect.arrayContaining(['ADMINISTRATIVE_UNITS:code', 'POPULATION:code', 'LAND:code', 'ENTERPRISE:code']),
    );
    expect(keys('Resident')).toEqual(expect.arrayContaining(['POPULATION:citizenId', 'LAND:citizenId', 'ENTERPRISE:citizenId']));
    expect(keys('Household')).toEqual(['POPULATION:id']);
    expect(keys('LandParcel')).toEqual(['LAND:id']);
    expect(keys('Enterprise')).toEqual(expect.arrayContaining(['ENTERPRISE:taxCode', 'LAND:taxCode']));
  });

  test('every subgraph has the same shape', () => {
    for (const s of subgraphs) {
      expect(
        Object.keys(s)
          .filter((k) => k !== 'seedReference' && k !== 'subjectsOf')
          .sort(),
      ).toEqual(['createLoaders', 'entities', 'migrations', 'name', 'resolvers', 'schema', 'typeDefs']);
      expect(s.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });
});
