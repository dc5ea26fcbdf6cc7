import type { Identity } from './identity';

/**
 * The territory whose records a caller may read, derived from their verified identity. Every
 * subgraph turns it into a SQL condition on its own rows (see {@link scopeCondition}), so the rule
 * holds on every path of the graph: root fields, entity references, nested lists and aliases.
 */
export type Jurisdiction =
  | { kind: 'NATIONAL' }
  | { kind: 'PROVINCE'; provinceCode: string }
  /**
   * `provinceCode`: the commune's province, when the identity states it (the token's `province`
   * claim beside `commune`). It only narrows: a query adds it where it implies the commune's
   * province, so the planner reads that province's partition alone (shared/db/partitions.ts).
   */
  | { kind: 'COMMUNE'; communeCode: string; provinceCode?: string }
  | { kind: 'SELF'; citizenId: string }
  | { kind: 'NONE' };

export function jurisdictionOf(identity: Identity): Jurisdiction {
  switch (identity.role) {
    // SERVICE: existence checks between subgraphs, on any record but no personal field (personalData.ts refuses those).
    case 'CENTRAL':
    case 'SERVICE':
      return { kind: 'NATIONAL' };
    case 'PROVINCE_OFFICER':
      return identity.provinceCode ? { kind: 'PROVINCE', provinceCode: identity.provinceCode } : { kind: 'NONE' };
    case 'COMMUNE_OFFICER':
      return identity.communeCode
        ? { kind: 'COMMUNE', communeCode: identity.communeCode, ...(identity.provinceCode ? { provinceCode: identity.provinceCode } : {}) }
        : { kind: 'NONE' };
    case 'CITIZEN':
      return identity.citizenId ? { kind: 'SELF', citizenId: identity.citizenId } : { kind: 'NONE' };
    default:
      return { kind: 'NONE' };
  }
}

/** Where a table records the place and the person of a row, for {@link scopeCondition}. */
export interface ScopeColumns {
  /** Columns holding a 2025 commune code; a row is in a commune's jurisdiction if any matches. */
  commune: readonly string[];
  /** Columns holding a 2025 province code. */
  province: readonly string[];
  /**
   * The partition key of a table partitioned by province (shared/db/partitions.ts) and the commune
   * column it follows: a row whose `commune` is a commune has that commune's province in `province`.
   * With the commune's province in the jurisdiction, the commune's condition states it too, and the
   * planner reads one partition.
   */
  communeProvince?: { commune: string; province: string };
  /** SQL true when the row belongs to the citizen whose ID is the parameter `$n` (given as `param`); omit to refuse citizens. */
  self?: (param: string) => string;
}

/** A SQL condition and its parameters, numbered from a given offset. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * The condition a row must meet to be visible in `jurisdiction`. Column names come from code;
 * the codes go in as parameters, numbered from `$first`.
 */
export function scopeCondition(jurisdiction: Jurisdiction, columns: ScopeColumns, first: number): SqlCondition {
  const any = (cols: readonly string[], value: string): SqlCondition =>
    cols.length === 0 ? { sql: 'FALSE', params: [] } : { sql: `(${cols.map((c) => `${c} = $${first}`).join(' OR ')})`, params: [value] };
  switch (jurisdiction.kind) {
    case 'NATIONAL':
      return { sql: 'TRUE', params: [] };
    case 'PROVINCE':
      return any(columns.province, jurisdiction.provinceCode);
    case 'COMMUNE': {
      const { communeProvince } = columns;
      if (!jurisdiction.provinceCode || !communeProvince) return any(columns.commune, jurisdiction.communeCode);
      const clauses = columns.commune.map((c) =>
        c === communeProvince.commune ? `(${c} = $${first} AND ${communeProvince.province} = $${first + 1})` : `${c} = $${first}`,
      );
      return { sql: `(${clauses.join(' OR ')})`, params: [jurisdiction.communeCode, jurisdiction.provinceCode] };
    }
    case 'SELF':
      return columns.self ? { sql: `(${columns.self(`$${first}`)})`, params: [jurisdiction.citizenId] } : { sql: 'FALSE', params: [] };
    case 'NONE':
      return { sql: 'FALSE', params: [] };
  }
}

/**
 * The province of every row of a list under `parents` (communes) by a column that follows the
 * commune (a row's permanent residence, a parcel's commune), when the jurisdiction knows it: a
 * commune officer's own commune, with its province stated. Null otherwise (the list then reads every
 * province's partition through its index).
 */
export function provinceOfCommunes(jurisdiction: Jurisdiction, parents: readonly string[]): string | null {
  if (jurisdiction.kind !== 'COMMUNE' || !jurisdiction.provinceCode || parents.length === 0) return null;
  return parents.every((p) => p === jurisdiction.communeCode) ? jurisdiction.provinceCode : null;
}

/** The same rule as {@link scopeCondition}, for a row already in memory. */
export function withinJurisdiction(
  jurisdiction: Jurisdiction,
  place: { communeCodes: readonly string[]; provinceCodes: readonly string[]; citizenIds?: readonly string[] },
): boolean {
  switch (jurisdiction.kind) {
    case 'NATIONAL':
      return true;
    case 'PROVINCE':
      return place.provinceCodes.includes(jurisdiction.provinceCode);
    case 'COMMUNE':
      return place.communeCodes.includes(jurisdiction.communeCode);
    case 'SELF':
      return (place.citizenIds ?? []).includes(jurisdiction.citizenId);
    case 'NONE':
      return false;
  }
}

/**
 * A short name of what `jurisdiction` may see, for cache keys: `N` (national), `P01`, `C00004`,
 * `S<citizenId>`, `X` (nothing); codes are URI-encoded, so a key never contains `:`. Two callers
 * with the same key read exactly the same rows; callers with different keys must never share a
 * cached value.
 */
export function jurisdictionKey(jurisdiction: Jurisdiction): string {
  switch (jurisdiction.kind) {
    case 'NATIONAL':
      return 'N';
    case 'PROVINCE':
      return `P${encodeURIComponent(jurisdiction.provinceCode)}`;
    case 'COMMUNE':
      return `C${encodeURIComponent(jurisdiction.communeCode)}`;
    case 'SELF':
      return `S${encodeURIComponent(jurisdiction.citizenId)}`;
    case 'NONE':
      return 'X';
  }
}

/** The key of a caller who may see no personal record: the response cache shares only public entries with them. */
export const NO_SCOPE = jurisdictionKey({ kind: 'NONE' });

/** A caller's scope for caches outside the subgraphs (the gateway's response cache): {@link jurisdictionKey} of {@link jurisdictionOf}. */
export function scopeKeyOf(identity: Identity): string {
  return jurisdictionKey(jurisdictionOf(identity));
}
