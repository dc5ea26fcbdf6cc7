import { join } from 'node:path';
import {
  buildASTSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  isUnionType,
  Kind,
  parse,
  print,
  type ConstDirectiveNode,
  type DirectiveNode,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';

/** Where the generated schema reference lives (committed; `npm run check:docs` fails when stale). */
export const DOCS_PATH = join(__dirname, '..', 'docs', 'schema.md');

/**
 * The names the documentation rule leaves out: federation's own plumbing in the supergraph
 * (`join__*`, `link__*`, the `@link` directive; the authorization directives `@requiresScopes`,
 * `@authenticated`, `@policy` and their scalars, which the "Personal data" column and the
 * mutations' rule already say in words) and anything starting with `_` (`_Any`,
 * `_entities`, `_service`). GraphQL's built-in scalars, directives and introspection types are
 * left out too: the specification documents them. Everything else that a client can see —
 * including our own plumbing such as `CacheControlScope` and `PersonalDataCategory` — is ours to
 * describe.
 */
export function isInternalName(name: string): boolean {
  return /^(join__|link__|requiresScopes__|policy__|_)/.test(name) || ['link', 'requiresScopes', 'authenticated', 'policy'].includes(name);
}

/** The supergraph as a graphql-js schema (join/link directives kept; see {@link isInternalName}). */
export function supergraphSchema(supergraphSdl: string): GraphQLSchema {
  return buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true });
}

function ourTypes(schema: GraphQLSchema): GraphQLNamedType[] {
  return Object.values(schema.getTypeMap())
    .filter((t) => !isInternalName(t.name) && !isSpecifiedScalarType(t) && !isIntrospectionType(t))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Every schema element without a description: types (`Province`), fields and input fields
 * (`Province.code`), arguments (`Query.commune(code)`), enum values (`UnitLevel.PROVINCE`),
 * directives and their arguments (`@personalData(category)`). Empty when the schema is fully
 * documented.
 */
export function undocumentedElements(supergraphSdl: string): string[] {
  const schema = supergraphSchema(supergraphSdl);
  const missing: string[] = [];
  const check = (element: { description?: string | null | undefined }, name: string) => {
    if (!element.description?.trim()) missing.push(name);
  };
  for (const type of ourTypes(schema)) {
    check(type, type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (isInternalName(field.name)) continue;
        check(field, `${type.name}.${field.name}`);
        if ('args' in field) for (const arg of field.args) check(arg, `${type.name}.${field.name}(${arg.name})`);
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) check(value, `${type.name}.${value.name}`);
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive) || isInternalName(directive.name)) continue;
    check(directive, `@${directive.name}`);
    for (const arg of directive.args) check(arg, `@${directive.name}(${arg.name})`);
  }
  return missing;
}

/** A `@cacheControl` hint as a subgraph declares it on a type or a field. */
export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
  inheritMaxAge?: boolean;
}

/** Cache hints per subgraph name, keyed `Type` (type-level) or `Type.field` (field-level). */
export type CacheHints = ReadonlyMap<string, ReadonlyMap<string, CacheHint>>;

function hintOf(directives: readonly DirectiveNode[] | undefined): CacheHint | null {
  const directive = directives?.find((d) => d.name.value === 'cacheControl');
  if (!directive) return null;
  const hint: CacheHint = {};
  for (const arg of directive.arguments ?? []) {
    if (arg.name.value === 'maxAge' && arg.value.kind === Kind.INT) hint.maxAge = Number(arg.value.value);
    if (arg.name.value === 'scope' && arg.value.kind === Kind.ENUM) hint.scope = arg.value.value as 'PUBLIC' | 'PRIVATE';
    if (arg.name.value === 'inheritMaxAge' && arg.value.kind === Kind.BOOLEAN) hint.inheritMaxAge = arg.value.value;
  }
  return hint;
}

/**
 * The `@cacheControl` hints of each subgraph's SDL. They are not composed into the supergraph
 * (each subgraph's Apollo Server applies its own and the gateway combines the results), so the
 * reference reads them here.
 */
export function cacheHintsOf(subgraphs: readonly { name: string; typeDefs: DocumentNode }[]): CacheHints {
  const result = new Map<string, Map<string, CacheHint>>();
  for (const subgraph of subgraphs) {
    const hints = new Map<string, CacheHint>();
    for (const definition of subgraph.typeDefs.definitions) {
      if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
      const typeHint = hintOf(definition.directives);
      if (typeHint) hints.set(definition.name.value, typeHint);
      if ('fields' in definition) {
        for (const field of definition.fields ?? []) {
          const fieldHint = hintOf(field.directives);
          if (fieldHint) hints.set(`${definition.name.value}.${field.name.value}`, fieldHint);
        }
      }
    }
    result.set(subgraph.name, hints);
  }
  return result;
}

interface JoinType {
  graph: string;
  key: string | null;
  resolvable: boolean;
}

function argument(directive: ConstDirectiveNode, name: string): string | boolean | null {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  if (!value) return null;
  if (value.kind === Kind.STRING || value.kind === Kind.ENUM) return value.value;
  if (value.kind === Kind.BOOLEAN) return value.value;
  return print(value);
}

function directivesOf(node: { directives?: readonly ConstDirectiveNode[] | undefined } | null | undefined, name: string) {
  return (node?.directives ?? []).filter((d) => d.name.value === name);
}

/** Reads the join__ directives of the supergraph: which subgraph defines, keys and resolves what. */
class Federation {
  readonly graphNames = new Map<string, string>();

  constructor(private readonly schema: GraphQLSchema) {
    const graphs = schema.getType('join__Graph');
    if (isEnumType(graphs)) {
      for (const value of graphs.getValues()) {
        const name = directivesOf(value.astNode, 'join__graph')[0];
        this.graphNames.set(value.name, String((name && argument(name, 'name')) ?? value.name));
      }
    }
  }

  private graph(directive: ConstDirectiveNode): string {
    const graph = argument(directive, 'graph');
    return this.graphNames.get(String(graph)) ?? String(graph);
  }

  joinTypes(type: GraphQLNamedType): JoinType[] {
    return directivesOf(type.astNode, 'join__type').map((d) => ({
      graph: this.graph(d),
      key: (argument(d, 'key') as string | null) ?? null,
      resolvable: argument(d, 'resolvable') !== false,
    }));
  }

  graphsOf(type: GraphQLNamedType): string[] {
    return [...new Set(this.joinTypes(type).map((j) => j.graph))];
  }

  /** The subgraphs that resolve a field: its join__field graphs (not external), else every subgraph defining the type. */
  resolvers(type: GraphQLNamedType, field: GraphQLField<unknown, unknown> | GraphQLInputField): string[] {
    const joins = directivesOf(field.astNode, 'join__field').filter((d) => argument(d, 'graph') !== null);
    if (joins.length === 0) return this.graphsOf(type);
    return [...new Set(joins.filter((d) => argument(d, 'external') !== true).map((d) => this.graph(d)))];
  }

  keyFields(type: GraphQLNamedType): Set<string> {
    return new Set(this.joinTypes(type).flatMap((j) => (j.key ? j.key.split(/\s+/).filter(Boolean) : [])));
  }
}

function personalCategory(field: GraphQLField<unknown, unknown>): string | null {
  const directive = directivesOf(field.astNode, 'personalData')[0];
  return directive ? String(argument(directive, 'category')) : null;
}

/** One line for a table cell: no line breaks, pipes escaped. */
function cell(text: string | null | undefined): string {
  return (text ?? '')
    .trim()
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');
}

function anchor(name: string): string {
  return name.toLowerCase();
}

/** A type reference with its named type linked to its section (built-in scalars unlinked). */
function typeLink(type: GraphQLType): string {
  const named = getNamedType(type);
  const text = String(type);
  if (isSpecifiedScalarType(named)) return `\`${text}\``;
  // List brackets are escaped so that Markdown reads only the type name as a link.
  return text.replace(/[[\]]/g, '\\$&').replace(named.name, `[${named.name}](#${anchor(named.name)})`);
}

function duration(seconds: number): string {
  if (seconds === 0) return '0 s (not cached)';
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function describeHint(hint: CacheHint): string {
  const scope = (hint.scope ?? 'PUBLIC').toLowerCase();
  if (hint.inheritMaxAge) return `inherits the parent field's max age, ${scope}`;
  return `${duration(hint.maxAge ?? 0)}, ${scope}`;
}

function defaultOf(arg: GraphQLArgument | GraphQLInputField): string {
  return arg.astNode?.defaultValue ? ` = ${print(arg.astNode.defaultValue)}` : '';
}

function argumentsCell(args: readonly GraphQLArgument[]): string {
  if (args.length === 0) return '';
  return args.map((a) => `<br>• \`${a.name}: ${String(a.type)}${defaultOf(a)}\` — ${cell(a.description)}`).join('');
}

function kindOf(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'object type';
  if (isInterfaceType(type)) return 'interface';
  if (isUnionType(type)) return 'union';
  if (isEnumType(type)) return 'enum';
  if (isInputObjectType(type)) return 'input type';
  return 'scalar';
}

/** Where a type belongs in the reference: the root, one subgraph, or shared by several. */
function ownerOf(federation: Federation, type: GraphQLNamedType): string {
  if (type.name === 'Query') return 'Query';
  const graphs = federation.graphsOf(type);
  if (graphs.length === 1) return graphs[0]!;
  const keys = federation.keyFields(type);
  if (keys.size === 0 || !(isObjectType(type) || isInterfaceType(type))) return 'shared';
  // An entity belongs to the subgraph that resolves most of its non-key fields.
  const counts = new Map(graphs.map((g) => [g, 0]));
  for (const field of Object.values(type.getFields())) {
    if (keys.has(field.name)) continue;
    for (const g of federation.resolvers(type, field)) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

const SHARED_NOTE =
  'Value types defined identically by several subgraphs (`@shareable` objects, enums and scalars): any of them may resolve them.';

/**
 * Renders the schema reference (Markdown) from the supergraph SDL and the subgraphs' cache hints:
 * the entry points, then each subgraph's types (with their `@key`s, which subgraph resolves each
 * field, `@personalData` categories and cache hints), then the shared value types and the
 * directives. Deterministic: the same inputs give the same bytes.
 */
export function renderSchemaDocs(supergraphSdl: string, hints: CacheHints): string {
  const schema = supergraphSchema(supergraphSdl);
  const federation = new Federation(schema);
  const subgraphNames = [...federation.graphNames.values()].sort();
  const types = ourTypes(schema);
  const groups = new Map<string, GraphQLNamedType[]>();
  for (const type of types) {
    const owner = ownerOf(federation, type);
    groups.set(owner, [...(groups.get(owner) ?? []), type]);
  }
  const sectionOrder = ['Query', ...subgraphNames, 'shared'].filter((s) => groups.has(s));
  const out: string[] = [];
  const line = (text = '') => out.push(text);

  line('# Liên Thông — schema reference');
  line();
  line(
    "<!-- Generated by `npm run docs` from gateway/supergraph.graphql and the subgraphs' @cacheControl hints. Do not edit: `npm run check:docs` fails when this file is stale. -->",
  );
  line();
  line(
    'The graph clients see at `/graphql`: every type, field, argument and enum value, with its description (Vietnamese legal term — English meaning). How to read the tables:',
  );
  line();
  line(
    "- **Resolved by**: the subgraph(s) that answer the field. The gateway plans each request across them and joins their answers on the type's `@key`.",
  );
  line(
    "- **Personal data**: the field's `@personalData` category (Decree 13/2023/NĐ-CP). Reading a BASIC or SENSITIVE field needs a token and, for officials, an `X-Purpose` header; it is limited to the caller's jurisdiction and written to the audit log.",
  );
  line(
    "- **Cache**: each subgraph's `@cacheControl` hint for the type (max age; `public` responses are shared by every caller, `private` ones are kept per caller's scope). A response takes the most restrictive hint of what it contains.",
  );
  line();
  line(`${types.length} types, ${types.reduce((n, t) => n + ('getFields' in t ? Object.keys(t.getFields()).length : 0), 0)} fields.`);
  line();
  line('## Contents');
  line();
  for (const section of sectionOrder) {
    const title = section === 'Query' ? 'Entry points' : section === 'shared' ? 'Shared value types' : `Subgraph \`${section}\``;
    line(
      `- ${title}: ${groups
        .get(section)!
        .map((t) => `[${t.name}](#${anchor(t.name)})`)
        .join(', ')}`,
    );
  }
  line(`- [Directives](#directives)`);
  line();

  const renderType = (type: GraphQLNamedType) => {
    line(`### ${type.name}`);
    line();
    const joins = federation.joinTypes(type);
    const keyed = joins.filter((j) => j.key);
    const facts = [kindOf(type)];
    if (keyed.length > 0) {
      const byKey = new Map<string, string[]>();
      for (const j of keyed) {
        const key = `\`@key(fields: "${j.key}")\``;
        byKey.set(key, [...(byKey.get(key) ?? []), `${j.graph}${j.resolvable ? '' : ' (reference only)'}`]);
      }
      facts.push(`entity: ${[...byKey].map(([key, graphs]) => `${key} in ${graphs.join(', ')}`).join('; ')}`);
    } else if (joins.length > 0) {
      facts.push(`defined in ${[...new Set(joins.map((j) => j.graph))].join(', ')}`);
    }
    if ((isObjectType(type) || isInterfaceType(type)) && type.getInterfaces().length > 0) {
      facts.push(
        `implements ${type
          .getInterfaces()
          .map((i) => `[${i.name}](#${anchor(i.name)})`)
          .join(', ')}`,
      );
    }
    line(`*${facts.join(' · ')}*`);
    line();
    line(cell(type.description));
    line();
    const typeHints = subgraphNames
      .map((g) => [g, hints.get(g)?.get(type.name)] as const)
      .filter((entry): entry is readonly [string, CacheHint] => entry[1] !== undefined);
    if (typeHints.length > 0) {
      line(`Cache: ${typeHints.map(([g, h]) => `${g} ${describeHint(h)}`).join(' · ')}`);
      line();
    }
    if (isObjectType(type) || isInterfaceType(type)) {
      const keys = federation.keyFields(type);
      line('| field | type | resolved by | personal data | description |');
      line('|---|---|---|---|---|');
      for (const field of Object.values(type.getFields())) {
        const by = federation.resolvers(type, field);
        const fieldHints = subgraphNames
          .map((g) => [g, hints.get(g)?.get(`${type.name}.${field.name}`)] as const)
          .filter((entry): entry is readonly [string, CacheHint] => entry[1] !== undefined)
          .map(([g, h]) => `<br>Cache (${g}): ${describeHint(h)}`)
          .join('');
        const resolvedBy = by.length === subgraphNames.length && by.length > 1 ? 'every subgraph' : by.join(', ');
        line(
          `| \`${field.name}\`${keys.has(field.name) ? ' (key)' : ''} | ${typeLink(field.type)} | ${resolvedBy} | ${personalCategory(field) ?? ''} | ${cell(field.description)}${argumentsCell(field.args)}${fieldHints} |`,
        );
      }
      line();
    } else if (isInputObjectType(type)) {
      line('| input field | type | description |');
      line('|---|---|---|');
      for (const field of Object.values(type.getFields())) {
        line(`| \`${field.name}\` | ${typeLink(field.type)}${defaultOf(field)} | ${cell(field.description)} |`);
      }
      line();
    } else if (isEnumType(type)) {
      line('| value | description |');
      line('|---|---|');
      for (const value of type.getValues()) line(`| \`${value.name}\` | ${cell(value.description)} |`);
      line();
    } else if (isUnionType(type)) {
      line(
        `One of: ${type
          .getTypes()
          .map((t) => `[${t.name}](#${anchor(t.name)})`)
          .join(', ')}.`,
      );
      line();
    }
  };

  for (const section of sectionOrder) {
    if (section === 'Query') line('## Entry points');
    else if (section === 'shared') line('## Shared value types');
    else line(`## Subgraph \`${section}\``);
    line();
    if (section === 'shared') {
      line(SHARED_NOTE);
      line();
    }
    for (const type of groups.get(section)!) renderType(type);
  }

  line('## Directives');
  line();
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive) || isInternalName(directive.name)) continue;
    line(`### @${directive.name}`);
    line();
    line(`*on ${directive.locations.join(', ')}*`);
    line();
    line(cell(directive.description));
    line();
    if (directive.args.length > 0) {
      line('| argument | type | description |');
      line('|---|---|---|');
      for (const arg of directive.args) line(`| \`${arg.name}\` | ${typeLink(arg.type)}${defaultOf(arg)} | ${cell(arg.description)} |`);
      line();
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
