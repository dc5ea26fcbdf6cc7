import type { DataSource } from 'typeorm';
import type { SqlCondition } from '../auth/jurisdiction';
import { groupBy, type ConnectionSource, type ListKind } from './pagination';

/**
 * How one table pages under a parent column (residents under their commune, communes under their
 * province…). Identifiers come from code, never from a request; values always go in as parameters.
 */
export interface KeysetList<T, F> {
  kind: ListKind;
  /** Schema-qualified table, e.g. `population.resident`. */
  table: string;
  /** Select list with aliases to the row's property names. */
  columns: string;
  /** The column holding the parent key; may depend on the filter (permanent or current residence). */
  parentColumn: string | ((filter: F) => string);
  /** Unique sort key of the list and its SQL type. */
  keyColumn: string;
  keyType: 'text' | 'bigint';
  /** A column compared to the filter value when it is a string (e.g. `status`); null means no condition. */
  filterColumn?: string;
  keyOf: (row: T) => string;
  /** The caller's jurisdiction as a condition on the table's rows, parameters numbered from `first`. */
  scope?: (first: number) => SqlCondition;
  /**
   * For a table partitioned by province: the partition key and the provinces that hold every row
   * under these parents, when they are known (a commune officer's own commune, see
   * provinceOfCommunes; a commune's provinces from the subgraph's own table, see ProvinceIndex in
   * partitions.ts). Stated in the SQL as a parameter, it lets the planner read those partitions
   * alone; no province means no row, and no statement is sent.
   */
  partition?: (parents: readonly string[], filter: F) => Promise<{ column: string; values: readonly string[] } | null>;
}

/** The partition condition of {@link KeysetList.partition}, its parameter numbered `$n`; null when no row can match. */
async function partitionCondition<F>(
  list: KeysetList<unknown, F>,
  parents: readonly string[],
  filter: F,
  n: number,
): Promise<{ sql: string; params: unknown[] } | null> {
  const known = await list.partition?.(parents, filter);
  if (!known) return { sql: '', params: [] };
  return known.values.length === 0 ? null : { sql: `AND ${known.column} = ANY($${n}::text[])`, params: [known.values] };
}

/**
 * A {@link ConnectionSource} over a table: every parent's page in one statement (a LATERAL join,
 * index-backed per parent) and every parent's total in another, whatever the number of parents.
 */
export function keysetSource<T, F>(db: DataSource, list: KeysetList<T, F>): ConnectionSource<string, T, F> {
  const parentColumn = (filter: F) => (typeof list.parentColumn === 'string' ? list.parentColumn : list.parentColumn(filter));
  const filterValue = (filter: F) => (list.filterColumn && typeof filter === 'string' ? filter : null);
  const condition = list.filterColumn ? `AND ($2::text IS NULL OR ${list.filterColumn} = $2)` : 'AND $2::text IS NULL';
  return {
    kind: list.kind,
    keyOf: list.keyOf,
    pages: async (parents, page, filter) => {
      const scope = list.scope?.(5) ?? { sql: 'TRUE', params: [] };
      const partition = await partitionCondition(list as KeysetList<unknown, F>, parents, filter, 5 + scope.params.length);
      if (!partition) return new Map();
      const rows: (T & { __parent: string })[] = await db.query(
        `SELECT p.key AS "__parent", r.* FROM unnest($1::text[]) AS p(key) CROSS JOIN LATERAL (
           SELECT ${list.columns} FROM ${list.table}
           WHERE ${parentColumn(filter)} = p.key ${condition} AND ${scope.sql} ${partition.sql}
             AND ($3::${list.keyType} IS NULL OR ${list.keyColumn} > $3::${list.keyType})
           ORDER BY ${list.keyColumn} LIMIT $4) r`,
        [parents, filterValue(filter), page.after, page.limit + 1, ...scope.params, ...partition.params],
      );
      return groupBy(rows, (r) => r.__parent);
    },
    counts: async (parents, filter) => {
      const column = parentColumn(filter);
      const scope = list.scope?.(3) ?? { sql: 'TRUE', params: [] };
      const partition = await partitionCondition(list as KeysetList<unknown, F>, parents, filter, 3 + scope.params.length);
      if (!partition) return new Map();
      const rows: { key: string; n: number }[] = await db.query(
        `SELECT ${column} AS key, count(*)::int AS n FROM ${list.table}
         WHERE ${column} = ANY($1) ${condition} AND ${scope.sql} ${partition.sql} GROUP BY ${column}`,
        [parents, filterValue(filter), ...scope.params, ...partition.params],
      );
      return new Map(rows.map((r) => [r.key, r.n]));
    },
  };
}
