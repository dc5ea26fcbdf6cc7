import { Kind, parse, print } from 'graphql';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { composeSupergraph } from '../tools/supergraph';
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
          .filter((k) => !['seedReference', 'subjectsOf', 'references', 'seed', 'demoSubject', 'openData', 'timers'].includes(k))
          .sort(),
      ).toEqual([
        'createLoaders',
        'description',
        'entities',
        'entityTypes',
        'entrypoint',
        'migrations',
        'name',
        'port',
        'resolvers',
        'schema',
        'typeDefs',
      ]);
      expect(s.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      // Every entity type it owns is a type of its SDL (the caches tag their entries with these names).
      const types = new Set(s.typeDefs.definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : [])));
      for (const type of Object.keys(s.entityTypes)) expect(types).toContain(type);
    }
  });

  test('the owner each subgraph names for the records its writes refer to resolves them (references.ts asks it through _entities)', () => {
    const declared = subgraphs.flatMap((s) => Object.entries(s.references ?? {}).map(([type, owner]) => ({ from: s.name, type, owner })));
    expect(declared.length).toBeGreaterThan(0);
    for (const { from, type, owner } of declared) {
      const module = subgraphs.find((s) => s.name === owner);
      expect([from, type, owner, module !== undefined && owner !== from]).toEqual([from, type, owner, true]);
      const definition = module!.typeDefs.definitions.find((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === type);
      const keyed = definition?.kind === Kind.OBJECT_TYPE_DEFINITION && (definition.directives ?? []).some((d) => d.name.value === 'key');
      const resolver = (module!.resolvers[type] as Record<string, unknown> | undefined)?.__resolveReference;
      expect([from, type, keyed, typeof resolver]).toEqual([from, type, true, 'function']);
    }
  });
});
