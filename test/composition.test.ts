import { GraphQLScalarType, Kind, parse, print } from 'graphql';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { composeSupergraph } from '../tools/supergraph';
import { loadSubgraphs, subgraphs } from '../subgraphs';

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

  test('every subgraph has the same shape: a manifest in the registry, and the implementation it loads', () => {
    const OPTIONAL_MANIFEST = ['references', 'scalars', 'openData'];
    const OPTIONAL_MODULE = ['seedReference', 'subjectsOf', 'seed', 'demoSubject', 'timers', 'periodPartitions'];
    for (const manifest of subgraphs) {
      expect(
        Object.keys(manifest)
          .filter((k) => !OPTIONAL_MANIFEST.includes(k))
          .sort(),
      ).toEqual(['description', 'entityTypes', 'entrypoint', 'load', 'name', 'port', 'schema']);
      expect(manifest.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      const s = manifest.load();
      // The implementation is the manifest plus code: every manifest member is there, unchanged.
      for (const [key, value] of Object.entries(manifest))
        expect([manifest.name, key, s[key as keyof typeof s]]).toEqual([manifest.name, key, value]);
      expect(manifest.load()).toBe(s);
      expect(
        Object.keys(s)
          .filter((k) => !(k in manifest) && !OPTIONAL_MODULE.includes(k))
          .sort(),
      ).toEqual(['createLoaders', 'entities', 'migrations', 'resolvers', 'typeDefs']);
      // Every entity type it owns is a type of its SDL (the caches tag their entries with these names).
      const types = new Set(s.typeDefs.definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : [])));
      for (const type of Object.keys(s.entityTypes)) expect(types).toContain(type);
      // Every scalar its manifest implements is declared by its SDL, and none in its resolvers (the manifest's are the ones used).
      const scalars = s.typeDefs.definitions.flatMap((d) => (d.kind === Kind.SCALAR_TYPE_DEFINITION ? [d.name.value] : []));
      expect(scalars).toEqual(expect.arrayContaining(Object.keys(s.scalars ?? {})));
      expect(Object.values(s.resolvers).filter((r) => r instanceof GraphQLScalarType)).toEqual([]);
    }
  });

  test('the owner each subgraph names for the records its writes refer to resolves them (references.ts asks it through _entities)', () => {
    const modules = loadSubgraphs();
    const declared = modules.flatMap((s) => Object.entries(s.references ?? {}).map(([type, owner]) => ({ from: s.name, type, owner })));
    expect(declared.length).toBeGreaterThan(0);
    for (const { from, type, owner } of declared) {
      const module = modules.find((s) => s.name === owner);
      expect([from, type, owner, module !== undefined && owner !== from]).toEqual([from, type, owner, true]);
      const definition = module!.typeDefs.definitions.find((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === type);
      const keyed = definition?.kind === Kind.OBJECT_TYPE_DEFINITION && (definition.directives ?? []).some((d) => d.name.value === 'key');
      const resolver = (module!.resolvers[type] as Record<string, unknown> | undefined)?.__resolveReference;
      expect([from, type, keyed, typeof resolver]).toEqual([from, type, true, 'function']);
    }
  });
});
