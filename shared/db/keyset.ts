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
   * For a table partitioned by province: the partition key every row under these parents holds,
   * when it is known (a commune officer's own commune, see provinceOfCommunes). Stated in the SQL,
   * it lets the planner read that one partition.
   */
  partition?: (parents: readonly string[], filter: F) => { column: string; value: string } | null;
}

/** The partition condition of {@link KeysetList.partition}, its parameter numbered `$n`. */
function partitionCondition<F>(
  list: KeysetList<unknown, F>,
  parents: readonly string[],
  filter: F,
  n: number,
): { sql: string; params: string[] } {
  const known = list.partition?.(parents, filter);
  return known ? { sql: `AND ${known.column} = $${n}`, params: [known.value] } : { sql: '', params: [] };
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
      const partition = partitionCondition(list as KeysetList<unknown, F>, parents, filter, 5 + scope.params.length);
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
      const partition = partitionCondition(list as KeysetList<unknown, F>, parents, filter, 3 + scope.params.length);
      const rows: { key: string; n: number }[] = await db.query(
        `SELECT ${column} AS key, count(*)::int AS n FROM ${list.table}
         WHERE ${column} = ANY($1) ${condition} AND ${scope.sql} ${partition.sql} GROUP BY ${column}`,
        [parents, filterValue(filter), ...scope.params, ...partition.params],
      );
      return new Map(rows.map((r) => [r.key, r.n]));
    },
  };
}
