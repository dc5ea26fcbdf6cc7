import { ErrorCode, PublicError } from '../graphql/errors';

/**
 * Checks, for a write, that the records it refers to in other subgraphs exist: a parcel's holder (a
 * resident of population, an enterprise of the register), an enterprise's legal representative, a
 * commune of the administrative units. Subgraphs never read each other's tables: the owner is asked
 * through its own `_entities`, the entry point the gateway uses, as a `SERVICE` identity that sees
 * which records exist and their non-personal fields, never personal ones (personalData.ts refuses
 * those). How the question travels is the host's business: in-process in the embedded mode, signed
 * HTTP between separate processes (see {@link Execute}).
 */

/** A GraphQL result as the owner answered it. */
export interface ExecutionResult {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs `query` with `variables` on the subgraph named `service` as a SERVICE identity. */
export type Execute = (service: string, query: string, variables: Record<string, unknown>) => Promise<ExecutionResult>;

export interface References {
  /**
   * The records of `typename` whose key field `keyField` has one of `keys`, each with the fields of
   * `selection` (non-personal ones only); keys that match no record are absent from the map.
   * Throws REFERENCE_CHECK_FAILED when the owner cannot be asked.
   */
  find(typename: string, keyField: string, keys: readonly string[], selection?: string): Promise<Map<string, Record<string, unknown>>>;
}

function unavailable(service: string, typename: string): PublicError {
  return new PublicError(
    ErrorCode.REFERENCE_CHECK_FAILED,
    `Could not check the ${typename} records this change refers to: subgraph "${service}" did not answer; nothing was written`,
    { service, type: typename },
  );
}

/**
 * References resolved by the subgraphs that own each type (`owners`: type name → subgraph name,
 * as a subgraph module declares them), through `execute`.
 */
export function createReferences(owners: Readonly<Record<string, string>>, execute: Execute): References {
  return {
    async find(typename, keyField, keys, selection = '__typename') {
      const unique = [...new Set(keys)];
      const found = new Map<string, Record<string, unknown>>();
      if (unique.length === 0) return found;
      const service = owners[typename];
      if (!service) throw new Error(`No owner declared for referenced type ${typename}`);
      const query = `query References($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${typename} { ${selection} } } }`;
      let result: ExecutionResult;
      try {
        result = await execute(service, query, { representations: unique.map((key) => ({ __typename: typename, [keyField]: key })) });
      } catch {
        throw unavailable(service, typename);
      }
      const entities = result.data?._entities;
      if (result.errors?.length || !Array.isArray(entities) || entities.length !== unique.length) throw unavailable(service, typename);
      entities.forEach((entity, i) => {
        if (entity && typeof entity === 'object') found.set(unique[i]!, entity as Record<string, unknown>);
      });
      return found;
    },
  };
}

/** For subgraphs whose writes refer to nothing outside them: any lookup is a programming error. */
export const NO_REFERENCES: References = {
  find: (typename) => Promise.reject(new Error(`This subgraph declares no owner for referenced type ${typename}`)),
};

/**
 * Where the commune `code` is (its province), as the administrative-units subgraph answers; a code
 * that names no commune in force is BAD_USER_INPUT naming `argument`.
 */
export async function findCommune(
  references: References,
  code: string,
  argument: string,
): Promise<{ communeCode: string; provinceCode: string }> {
  const found = (await references.find('Commune', 'code', [code], 'code province { code }')).get(code);
  const provinceCode = (found?.province as { code?: unknown } | undefined)?.code;
  if (typeof provinceCode !== 'string') {
    throw new PublicError(ErrorCode.BAD_USER_INPUT, `Invalid value for "${argument}": no commune with code ${code} is in force`, {
      argument,
      value: code,
    });
  }
  return { communeCode: code, provinceCode };
}

/**
 * Refuses (COMMUNE_NOT_IN_PROVINCE) a filter that names both a commune and a province the commune
 * does not belong to: the answer would always be empty, and an empty answer would read as "none
 * there" rather than "you asked for a place that does not exist". The administrative-units subgraph
 * says where the commune is (a code that names no commune in force is BAD_USER_INPUT).
 */
export async function checkCommuneInProvince(
  references: References,
  communeCode: string,
  provinceCode: string,
  argument: string,
): Promise<void> {
  const place = await findCommune(references, communeCode, `${argument}.communeCode`);
  if (place.provinceCode !== provinceCode) {
    throw new PublicError(
      ErrorCode.COMMUNE_NOT_IN_PROVINCE,
      `Invalid value for "${argument}": commune ${communeCode} is in province ${place.provinceCode}, not ${provinceCode}`,
      { argument, communeCode, provinceCode },
    );
  }
}
