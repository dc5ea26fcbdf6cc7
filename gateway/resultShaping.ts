import { createRequire } from 'node:module';
import type { FieldSelection, Operation, Schema, Selection, SelectionSet } from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/**
 * Apollo Gateway's result shaping (`computeResponse` of `@apollo/gateway/dist/resultShaping`: the
 * subgraphs' merged answers cut to the operation's selections, aliases, `@skip`/`@include`,
 * `__typename`, leaf values checked, nulls bubbled up to the nearest nullable field), at a
 * fraction of its cost. Apollo's walks the operation once per object of the answer and, for each
 * selection of each object, looks its `@skip` and `@include` up again (two filtered copies of the
 * directive list), allocates a result object per value, and reads every helper of
 * `@apollo/federation-internals` through a re-export getter; for a list of 168 objects of 6 fields
 * that was a fifth of the gateway's CPU per request. This is the same algorithm, statement for
 * statement (same results, same errors with the same messages and paths, same asserts), with what
 * depends only on the selection and the request's variables computed once per selection and
 * request, no allocation per value but the output itself, and plain objects as output (JSON
 * stringifies them about twice as fast as prototype-less ones; a `__proto__` response name is
 * defined as an own property, and existing output is read as own properties only).
 *
 * `@apollo/gateway`'s query-plan executor calls `computeResponse` through its module's exports
 * object at each request, so {@link installResultShaping} replaces it there; test/result-shaping.test.ts
 * compares the two on the same operations and answers, and checks that the gateway runs this one.
 * The versions of `@apollo/gateway` and `@apollo/federation-internals` are pinned (package-lock.json):
 * an upgrade reruns that comparison.
 */

// The gateway's own module instances (not copies made by an import's interop).
const load = createRequire(require.resolve('@apollo/gateway'));
const shaping = load('./resultShaping') as { computeResponse: ComputeResponse };
const internals = load('@apollo/federation-internals') as typeof import('@apollo/federation-internals');
// Bound once: each access through the package's re-export getters costs on every call otherwise.
const assert: (condition: unknown, message: string | (() => string)) => asserts condition = internals.assert;
const { isCompositeType, isCustomScalarType, isEnumType, isListType, isNonNullType, isObjectType, isSubtype, typenameFieldName } =
  internals;
const INVALID_GRAPHQL = internals.ERRORS.INVALID_GRAPHQL;
const integerString = /^[-+]?\d+$/;

/** The signature of Apollo's `computeResponse`. */
export type ComputeResponse = (options: {
  operation: Operation;
  variables?: Record<string, unknown>;
  input: Record<string, unknown> | null | undefined;
  introspectionHandling: (selection: FieldSelection) => unknown;
}) => { data: Record<string, unknown> | null | undefined; errors: GraphQLError[] };

/** Apollo's own, as installed before {@link installResultShaping} (for the comparison test). */
export const apolloComputeResponse: ComputeResponse = shaping.computeResponse;

type Type = Parameters<typeof isNonNullType>[0];
type CompositeType = Parameters<typeof isSubtype>[1] & Type;

/** One selection of a selection set, with what a request needs of it computed on first use. */
interface Compiled {
  selection: Selection;
  /** `@skip`/`@include` under the request's variables; undefined until the selection is reached. */
  skip: boolean | undefined;
  field: {
    responseName: string;
    introspection: boolean;
    typename: boolean;
    type: Type;
  } | null;
  selectionSet: SelectionSet | undefined;
}

interface Shaping {
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspectionHandling: (selection: FieldSelection) => unknown;
  compiled: Map<SelectionSet, Compiled[]>;
  /** What Apollo's updateOutputValue returns beside the value: set by each call of {@link updateOutputValue}. */
  isInvalid: boolean;
  hasErrors: boolean;
  booleanType: Type;
  intType: Type;
  idType: Type;
  floatType: Type;
}

const OK = 0;
const NULL_BUBBLE_UP = 1;

const hasOwn = Object.prototype.hasOwnProperty;
const getOwn = (object: object, key: string): unknown => (hasOwn.call(object, key) ? (object as Record<string, unknown>)[key] : undefined);
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function compile(selectionSet: SelectionSet, parameters: Shaping): Compiled[] {
  let compiled = parameters.compiled.get(selectionSet);
  if (compiled) return compiled;
  compiled = selectionSet.selections().map((selection): Compiled => {
    if (selection.kind !== 'FieldSelection') return { selection, skip: undefined, field: null, selectionSet: selection.selectionSet };
    const field = selection.element;
    return {
      selection,
      skip: undefined,
      field: {
        responseName: field.responseName(),
        introspection: field.definition.isSchemaIntrospectionField(),
        typename: field.name === typenameFieldName,
        type: field.definition.type! as Type,
      },
      selectionSet: selection.selectionSet,
    };
  });
  parameters.compiled.set(selectionSet, compiled);
  return compiled;
}

function ifValue(directive: { arguments(): Record<string, unknown> }, variables: Record<string, unknown>): boolean {
  const ifArg = directive.arguments().if;
  if (ifArg instanceof internals.Variable) {
    const value = variables[ifArg.name];
    assert(
      value !== undefined && typeof value === 'boolean',
      () => `Unexpected value ${String(value)} for variable ${String(ifArg)} of ${String(directive)}`,
    );
    return value as boolean;
  }
  return ifArg as boolean;
}

function shouldSkip(compiled: Compiled, parameters: Shaping): boolean {
  if (compiled.skip === undefined) {
    const element = compiled.selection.element;
    const skipDirective = element.appliedDirectivesOf(parameters.schema.skipDirective())[0];
    const includeDirective = element.appliedDirectivesOf(parameters.schema.includeDirective())[0];
    compiled.skip = !!(
      (skipDirective && ifValue(skipDirective, parameters.variables)) ||
      (includeDirective && !ifValue(includeDirective, parameters.variables))
    );
  }
  return compiled.skip;
}

function typeConditionApplies(
  schema: Schema,
  typeCondition: CompositeType | undefined,
  typename: unknown,
  parentType: CompositeType,
): boolean {
  if (!typeCondition) return true;
  if (typename) {
    const type = schema.type(typename as string);
    return !!type && isSubtype(typeCondition, type as CompositeType);
  }
  return isSubtype(typeCondition, parentType);
}

function applySelectionSet(
  input: Record<string, unknown>,
  selectionSet: SelectionSet,
  output: Record<string, unknown>,
  parameters: Shaping,
  path: (string | number)[],
  parentType: CompositeType,
): number {
  for (const compiled of compile(selectionSet, parameters)) {
    if (shouldSkip(compiled, parameters)) continue;
    const field = compiled.field;
    if (field) {
      const { responseName } = field;
      const outputValue = getOwn(output, responseName);
      if (field.introspection) {
        if (outputValue === undefined) setOwn(output, responseName, parameters.introspectionHandling(compiled.selection as FieldSelection));
        continue;
      }
      let inputValue = getOwn(input, responseName) ?? null;
      if (field.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && responseName !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
          const type =
            inputValue !== null && typeof inputValue === 'string' ? (parameters.schema.type(inputValue) ?? parentType) : parentType;
          if (!isObjectType(type)) return NULL_BUBBLE_UP;
          setOwn(output, responseName, type.name);
        }
        continue;
      }
      path.push(responseName);
      const updated = updateOutputValue(outputValue, field.type, inputValue, compiled.selectionSet, path, parameters, parentType);
      const isInvalid = parameters.isInvalid;
      setOwn(output, responseName, updated);
      path.pop();
      if (isInvalid) return NULL_BUBBLE_UP;
    } else {
      const fragment = compiled.selection.element as { typeCondition?: CompositeType };
      const typename = input[typenameFieldName];
      assert(!typename || typeof typename === 'string', () => `Got unexpected value for __typename: ${String(typename)}`);
      if (typeConditionApplies(parameters.schema, fragment.typeCondition, typename, parentType)) {
        const res = applySelectionSet(input, compiled.selectionSet!, output, parameters, path, fragment.typeCondition ?? parentType);
        if (res === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
      }
    }
  }
  return OK;
}

function pathLastElementDescription(path: (string | number)[], currentType: Type, parentType: CompositeType): string {
  const element = path[path.length - 1];
  assert(element !== undefined, 'Should not have been called on an empty path');
  return typeof element === 'string'
    ? `field ${String(parentType)}.${element}`
    : `array element of type ${String(currentType)} at index ${element}`;
}

/** Apollo's isValidLeafValue, with the schema's built-in scalars looked up once per request. */
function isValidLeafValue(parameters: Shaping, value: unknown, type: Type): boolean {
  if (isCustomScalarType(type)) return true;
  if (typeof value === 'boolean') return type === parameters.booleanType;
  if (typeof value === 'number' && isFinite(value)) {
    if (type === parameters.intType || type === parameters.idType) return integerString.test(String(value));
    return type === parameters.floatType;
  }
  if (typeof value === 'string') {
    if (isEnumType(type)) return type.value(value) !== undefined;
    return type !== parameters.booleanType && type !== parameters.intType && type !== parameters.floatType;
  }
  return false;
}

/**
 * Apollo's updateOutputValue: returns the updated value, and leaves in `parameters.isInvalid` and
 * `parameters.hasErrors` what Apollo returns beside it (both false where Apollo leaves them out).
 */
function updateOutputValue(
  outputValue: unknown,
  type: Type,
  inputValue: unknown,
  selectionSet: SelectionSet | undefined,
  path: (string | number)[],
  parameters: Shaping,
  parentType: CompositeType,
): unknown {
  assert(inputValue !== undefined, 'Should not pass undefined for `inputValue` to this method');
  parameters.isInvalid = false;
  parameters.hasErrors = false;
  if (outputValue === null || (outputValue !== undefined && !selectionSet)) return outputValue;
  if (isNonNullType(type)) {
    const updated = updateOutputValue(outputValue, type.ofType as Type, inputValue, selectionSet, path, parameters, parentType);
    const hasErrors = parameters.hasErrors;
    if (updated === null) {
      if (!hasErrors) {
        parameters.errors.push(
          INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${pathLastElementDescription(path, type.ofType as Type, parentType)}.`, {
            path: Array.from(path),
          }),
        );
      }
      parameters.isInvalid = true;
      parameters.hasErrors = true;
      return updated;
    }
    parameters.isInvalid = false;
    parameters.hasErrors = false;
    return updated;
  }
  if (inputValue === null) return null;
  if (isListType(type)) {
    assert(
      Array.isArray(inputValue),
      () => `Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${String(type)}`,
    );
    assert(
      outputValue === undefined || Array.isArray(outputValue),
      () => `Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${String(type)}`,
    );
    const input = inputValue as unknown[];
    const outputList = outputValue === undefined ? new Array<unknown>(input.length).fill(undefined) : (outputValue as unknown[]);
    assert(
      input.length === outputList.length,
      () => `[${String(input)}].length (${input.length}) !== [${String(outputList)}].length (${outputList.length})`,
    );
    let shouldNullify = false;
    let hasErrors = false;
    const updated = new Array<unknown>(outputList.length);
    for (let index = 0; index < outputList.length; index++) {
      path.push(index);
      updated[index] = updateOutputValue(outputList[index], type.ofType as Type, input[index], selectionSet, path, parameters, parentType);
      path.pop();
      shouldNullify ||= parameters.isInvalid;
      hasErrors ||= parameters.hasErrors;
    }
    parameters.isInvalid = false;
    parameters.hasErrors = hasErrors;
    return shouldNullify ? null : updated;
  }
  if (isCompositeType(type)) {
    assert(selectionSet, () => `Invalid empty selection set for composite type ${String(type)}`);
    assert(
      typeof inputValue === 'object',
      () => `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${String(type)}`,
    );
    assert(
      outputValue === undefined || typeof outputValue === 'object',
      () => `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${String(type)}`,
    );
    const input = inputValue as Record<string, unknown>;
    const inputTypename = input[typenameFieldName];
    assert(
      inputTypename === undefined || typeof inputTypename === 'string',
      () => `Invalid non-string value ${String(inputTypename)} for __typename at ${String(path)}`,
    );
    let objType: CompositeType = type as CompositeType;
    if (inputTypename) {
      const typenameType = parameters.schema.type(inputTypename as string);
      if (!typenameType || !isCompositeType(typenameType)) {
        parameters.errors.push(
          INVALID_GRAPHQL.err(`Invalid __typename found for object at ${pathLastElementDescription(path, type, parentType)}.`, {
            path: Array.from(path),
          }),
        );
        parameters.isInvalid = false;
        parameters.hasErrors = true;
        return null;
      }
      objType = typenameType as CompositeType;
    }
    const outputObject = outputValue === undefined ? {} : (outputValue as Record<string, unknown>);
    const res = applySelectionSet(input, selectionSet!, outputObject, parameters, path, objType);
    const hasErrors = res === NULL_BUBBLE_UP;
    parameters.isInvalid = false;
    parameters.hasErrors = hasErrors;
    return hasErrors ? null : outputObject;
  }
  assert(outputValue === undefined, () => `Excepted output to be undefined but got ${String(type)} for type ${String(type)}`);
  const isValidValue = isValidLeafValue(parameters, inputValue, type);
  if (!isValidValue) {
    parameters.errors.push(
      INVALID_GRAPHQL.err(`Invalid value found for ${pathLastElementDescription(path, type, parentType)}.`, { path: Array.from(path) }),
    );
  }
  parameters.isInvalid = false;
  parameters.hasErrors = !isValidValue;
  return isValidValue ? inputValue : null;
}

/** The lean `computeResponse` (see the module's comment). */
export const computeResponse: ComputeResponse = ({ operation, variables, input, introspectionHandling }) => {
  if (!input) return { data: input, errors: [] };
  const schema = operation.schema();
  const parameters: Shaping = {
    schema,
    variables: { __proto__: null, ...operation.collectDefaultedVariableValues(), ...variables } as Record<string, unknown>,
    errors: [],
    introspectionHandling,
    compiled: new Map(),
    isInvalid: false,
    hasErrors: false,
    booleanType: schema.booleanType() as Type,
    intType: schema.intType() as Type,
    idType: schema.idType() as Type,
    floatType: schema.floatType() as Type,
  };
  const data: Record<string, unknown> = {};
  const res = applySelectionSet(input, operation.selectionSet, data, parameters, [], schema.schemaDefinition.rootType(operation.rootKind)!);
  return { data: res === NULL_BUBBLE_UP ? null : data, errors: parameters.errors };
};

/** Makes the gateway's query-plan executor shape results with {@link computeResponse}. Idempotent. */
export function installResultShaping(): void {
  shaping.computeResponse = computeResponse;
}

/** Whether the gateway currently shapes results with {@link computeResponse}. */
export const resultShapingInstalled = (): boolean => shaping.computeResponse === computeResponse;
