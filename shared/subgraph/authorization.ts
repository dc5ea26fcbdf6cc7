import { Kind, visit, type ConstDirectiveNode, type DocumentNode, type FieldDefinitionNode } from 'graphql';
import { scopeForCategory, Scope } from '../auth/scopes';
import type { PersonalDataCategory } from '../auth/personalData';

/**
 * Federation's `@requiresScopes` derived from what the SDL already says, so nothing is listed twice:
 * a field classified `@personalData(category: BASIC | SENSITIVE)` requires that category's scope,
 * and every field of `Mutation` requires the write scope (shared/auth/scopes.ts maps both). A field
 * that states its own `@requiresScopes` keeps it. The supergraph carries the result, and the gateway
 * enforces it before planning (gateway/authorization.ts).
 */
export function withAuthorizationDirectives(document: DocumentNode): DocumentNode {
  let typeName: string | null = null;
  const leave = () => {
    typeName = null;
  };
  return visit(document, {
    ObjectTypeDefinition: { enter: (node) => void (typeName = node.name.value), leave },
    ObjectTypeExtension: { enter: (node) => void (typeName = node.name.value), leave },
    InterfaceTypeDefinition: { enter: (node) => void (typeName = node.name.value), leave },
    InterfaceTypeExtension: { enter: (node) => void (typeName = node.name.value), leave },
    FieldDefinition(node): FieldDefinitionNode | undefined {
      if (typeName === null) return undefined;
      const directives = node.directives ?? [];
      if (directives.some((d) => d.name.value === 'requiresScopes')) return undefined;
      const scope = typeName === 'Mutation' ? Scope.WRITE : scopeOfClassified(directives);
      if (!scope) return undefined;
      return { ...node, directives: [...directives, requiresScopes([[scope]])] };
    },
  });
}

function scopeOfClassified(directives: readonly ConstDirectiveNode[]): string | null {
  const value = directives.find((d) => d.name.value === 'personalData')?.arguments?.find((a) => a.name.value === 'category')?.value;
  return value?.kind === Kind.ENUM ? scopeForCategory(value.value as PersonalDataCategory) : null;
}

function requiresScopes(scopes: string[][]): ConstDirectiveNode {
  return {
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: 'requiresScopes' },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'scopes' },
        value: {
          kind: Kind.LIST,
          values: scopes.map((all) => ({ kind: Kind.LIST, values: all.map((s) => ({ kind: Kind.STRING, value: s })) })),
        },
      },
    ],
  };
}
