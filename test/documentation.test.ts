import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { REPO_ROOT, SCHEMA_DOCS_FILE } from '../tools/artifacts';
import { cacheHintsOf, DOCS_PATH, renderSchemaDocs, undocumentedElements } from '../tools/schemaDocs';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { loadSubgraphs } from '../subgraphs';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

describe('documentation', () => {
  test('every type, field, argument, enum value, input field and directive of the supergraph has a description', () => {
    // Federation's own plumbing (join__*, link__*, names starting with _) and GraphQL's built-ins
    // are left out: see isInternalName in gateway/schemaDocs.ts.
    expect(undocumentedElements(readCommittedSupergraph())).toEqual([]);
  });

  test('the check names what lacks a description, federation plumbing aside', () => {
    const sdl = `
      directive @join__type(graph: join__Graph!) repeatable on OBJECT
      enum join__Graph { A }
      "Tỉnh — province."
      type Query {
        "Tỉnh — a province."
        province(code: ID!): Province
        _service: String
      }
      type Province { "Mã — code." code: ID! name: String }
      enum Level { "Cấp tỉnh." PROVINCE COMMUNE }
      input Filter { search: String }
      directive @personalData(category: String) on FIELD_DEFINITION
    `;
    expect(undocumentedElements(sdl)).toEqual([
      'Filter',
      'Filter.search',
      'Level',
      'Level.COMMUNE',
      'Province',
      'Province.name',
      'Query.province(code)',
      '@personalData',
      '@personalData(category)',
    ]);
  });

  test('subgraphs that share an element describe it alike (the supergraph keeps one description)', () => {
    const result = composeServices(subgraphs.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: `http://${s.name}/graphql` })));
    const inconsistent = (result.hints ?? []).filter((h) => h.definition.code === 'INCONSISTENT_DESCRIPTION').map((h) => h.message);
    expect(inconsistent).toEqual([]);
  });

  test('docs/schema.md is what `npm run docs` generates from the committed supergraph (run it when this fails)', () => {
    expect(readFileSync(DOCS_PATH, 'utf8')).toBe(SCHEMA_DOCS_FILE.render(REPO_ROOT));
  });

  test('the reference shows owners, keys, resolving subgraphs, personal data categories and cache hints', () => {
    const docs = renderSchemaDocs(readCommittedSupergraph(), cacheHintsOf(subgraphs));
    const section = (type: string) => docs.split(/^### /m).find((s) => s.startsWith(`${type}\n`)) ?? '';
    const owners = docs.split(/^## /m).find((s) => s.startsWith('Subgraph `population`')) ?? '';
    expect(owners).toMatch(/^### Resident$/m);
    expect(section('Resident')).toContain('`@key(fields: "citizenId")` in enterprise, land, population');
    expect(section('Resident')).toMatch(/\| `fullName` \| `String!` \| population \| BASIC \| Họ, chữ đệm và tên — full name\. \|/);
    expect(section('Resident')).toContain('Cache: enterprise 1 min, private · land 1 min, private · population 1 min, private');
    expect(section('Commune')).toMatch(/\| `residents` \| \[ResidentConnection\]\(#residentconnection\)! \| population \|/);
    expect(section('Commune')).toContain('`residence: ResidenceKind = PERMANENT` — Nơi cư trú');
    expect(section('Province')).toContain('in administrative-units, land (reference only)');
    expect(section('Query')).toMatch(/\| `landParcels` \| .* \| land \|/);
    expect(section('UnitLevel')).toContain('| `DISTRICT` | Cấp huyện — district level (abolished on 1 July 2025). |');
  });
});
