import type { DataSource, EntityManager } from 'typeorm';
import { provinceOfCommunes, type Jurisdiction } from '../auth/jurisdiction';

/**
 * Partitioning by province, shared by the subgraphs' migrations.
 *
 * The big tables (residents, households, land parcels and holders, dossiers) are LIST-partitioned
 * by the province their rows belong to: one partition per province in force since 1 July 2025 and
 * a DEFAULT partition, so a province created later (or a code the reference data does not know
 * yet) is stored, never refused, until a migration gives it a partition of its own. A query that
 * states the province (a provincial officer's, or a commune officer's: the commune's province comes
 * with the jurisdiction) reads one partition; the planner prunes the others at plan time.
 *
 * PostgreSQL requires the partition key in every PRIMARY KEY and UNIQUE constraint of a partitioned
 * table, so such a constraint is only unique within one province. Where the data needs a key unique
 * in the whole country (a citizen ID, a household id, a parcel id), a small unpartitioned key table
 * holds it — the key and the province of its row — kept by statement-level triggers on the
 * partitioned table ({@link keyTableSql}): a second row with the same key, in any province, fails on
 * the key table's primary key, in the same statement. The key table is also what foreign keys from
 * other tables refer to (they cannot name the partitioned table's key without its province), and
 * what a read by key alone goes through to the one partition holding its row ({@link readByKey}). It
 * fits Citus later: the key tables become reference tables, the partitioned ones are distributed by
 * province.
 */

/**
 * The 34 province codes in force since 1 July 2025 (Resolution 202/2025/QH15), as in
 * subgraphs/administrative-units/seed/data/provinces.json; a test checks the two agree.
 * A migration creates a partition for each; rows of any other code go to the default partition.
 */
export const PROVINCE_CODES: readonly string[] = [
  '01',
  '04',
  '08',
  '11',
  '12',
  '14',
  '15',
  '19',
  '20',
  '22',
  '24',
  '25',
  '31',
  '33',
  '37',
  '38',
  '40',
  '42',
  '44',
  '46',
  '48',
  '51',
  '52',
  '56',
  '66',
  '68',
  '75',
  '79',
  '80',
  '82',
  '86',
  '91',
  '92',
  '96',
];

/** The name of a province's partition of `table` (schema-qualified): `population.resident_p01`; `_pdefault` for the default. */
export function provincePartition(table: string, provinceCode: string | 'default'): string {
  return `${table}_p${provinceCode}`;
}

/** `CREATE TABLE … PARTITION OF` statements: one partition per province and the default one. */
export function provincePartitionsSql(table: string): string[] {
  return [
    ...PROVINCE_CODES.map((code) => `CREATE TABLE ${provincePartition(table, code)} PARTITION OF ${table} FOR VALUES IN ('${code}')`),
    `CREATE TABLE ${provincePartition(table, 'default')} PARTITION OF ${table} DEFAULT`,
  ];
}

/** A partitioned table's global key, kept in an unpartitioned key table (see the module's comment). */
export interface KeyTable {
  /** The partitioned table, schema-qualified (`population.resident`). */
  table: string;
  /** The key table, schema-qualified (`population.citizen_key`): `(<key> PRIMARY KEY, province_code)`. */
  keyTable: string;
  /** The key column, named the same in both tables. */
  key: string;
  /** Its SQL type. */
  keyType: string;
  /** The partition key column of `table` (its province). */
  province: string;
  /**
   * The key and the province of a row never change (a dossier's number and receiving unit): an
   * UPDATE that sets either is refused rather than followed, so the tables' frequent other updates
   * (a dossier's status) cost the key table nothing.
   */
  fixed?: boolean;
}

/**
 * The key table, filled from the rows `table` already holds, and the triggers that keep it: an
 * insert adds the new keys (a key present in any province fails with a unique violation), an update
 * follows a row that moves to another province and a key that changes (a parcel's new
 * certificate), a delete removes the key; a NULL key (no certificate yet) is not a key. With
 * `fixed`, an update of the key or the province is refused instead (see {@link KeyTable.fixed}).
 * Statement-level, with transition tables: a bulk insert (the seeder's) costs one set-based insert,
 * not a call per row.
 */
export function keyTableSql(k: KeyTable): string[] {
  const fn = `${k.keyTable}_sync`;
  const trigger = `${k.keyTable.split('.')[1]}_sync`;
  return [
    `CREATE TABLE ${k.keyTable} (${k.key} ${k.keyType} PRIMARY KEY, province_code varchar(2) NOT NULL)`,
    `INSERT INTO ${k.keyTable} (${k.key}, province_code) SELECT ${k.key}, ${k.province} FROM ${k.table} WHERE ${k.key} IS NOT NULL`,
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       -- Each branch names only the transition tables its event has.
       IF TG_OP = 'INSERT' THEN
         INSERT INTO ${k.keyTable} (${k.key}, province_code) SELECT ${k.key}, ${k.province} FROM new_rows WHERE ${k.key} IS NOT NULL;
       ELSIF TG_OP = 'DELETE' THEN
         DELETE FROM ${k.keyTable} t USING old_rows o WHERE t.${k.key} = o.${k.key};
       ELSE
         DELETE FROM ${k.keyTable} t USING old_rows o
           WHERE t.${k.key} = o.${k.key} AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.${k.key} = o.${k.key});
         UPDATE ${k.keyTable} t SET province_code = n.${k.province} FROM new_rows n
           WHERE t.${k.key} = n.${k.key} AND t.province_code IS DISTINCT FROM n.${k.province};
         INSERT INTO ${k.keyTable} (${k.key}, province_code) SELECT n.${k.key}, n.${k.province} FROM new_rows n
           WHERE n.${k.key} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.${k.key} = n.${k.key});
       END IF;
       RETURN NULL;
     END $$`,
    `CREATE TRIGGER ${trigger}_insert AFTER INSERT ON ${k.table}
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    ...(k.fixed
      ? [
          `CREATE FUNCTION ${k.keyTable}_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             RAISE EXCEPTION '${k.key} and ${k.province} of ${k.table} never change' USING ERRCODE = 'check_violation';
           END $$`,
          // Column-wise: fires when the statement sets either column, whatever the rows; the others' updates never call it.
          `CREATE TRIGGER ${trigger}_fixed BEFORE UPDATE OF ${k.key}, ${k.province} ON ${k.table}
             FOR EACH STATEMENT EXECUTE FUNCTION ${k.keyTable}_fixed()`,
        ]
      : [
          `CREATE TRIGGER ${trigger}_update AFTER UPDATE ON ${k.table}
             REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
        ]),
    `CREATE TRIGGER ${trigger}_delete AFTER DELETE ON ${k.table}
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
  ];
}

/** A condition on the partitioned table and its parameters, numbered from `$1`. */
export interface KeyCondition {
  sql: string;
  params: unknown[];
}

/**
 * Rows of a partitioned table by its global key, each read in its province's partition alone.
 *
 * The key does not name the province that partitions the table, so `key = ANY($1)` alone probes an
 * index in every one of the 35 partitions, and planning it (opening and costing 35 partitions)
 * costs more than running it. So the key table is read first (one unpartitioned index), and `read`
 * receives a condition with the provinces found as parameters: the planner prunes to their
 * partitions at plan time and plans only those (one, for one key). Two statements per batch,
 * whatever its size; none for the table when no key exists (a miss). Measured on the bench's 5 M
 * residents in bench/README.md.
 *
 * The two statements see two snapshots: a row that moved to another province in between would be
 * missed. So keys the key table held but the province read did not return (such a move, or a row
 * the caller's scope in `read` hides) are read once more by key alone, in one snapshot, through
 * every partition's index as before. The key table is kept in the same statement as its rows (see
 * {@link keyTableSql}), so it names exactly the rows that exist: the result is that of
 * `key = ANY($1)` with `read`'s conditions.
 *
 * Not a join with the key table in one statement: its nested loop would be pruned at run time per
 * key, but the planner may prefer a hash join walking every partition's index whole (it did over
 * the 10,000 residents of test/indexes.test.ts), and it still plans all 35 partitions.
 *
 * `read` appends its own conditions (a jurisdiction) with parameters numbered after the
 * condition's; the condition names the key and province columns unqualified.
 */
export async function readByKey<T>(
  db: DataSource,
  k: KeyTable,
  keys: readonly string[],
  read: (where: KeyCondition) => Promise<T[]>,
  keyOf: (row: T) => string,
): Promise<T[]> {
  // Keys go in as text[] for a character key: a cast to varchar(12)[] would truncate a longer one into another key.
  const keyArray = /^(varchar|character|char|text)\b/.test(k.keyType) ? 'text[]' : `${k.keyType}[]`;
  const found = (await db.query(
    `SELECT ${k.key}::text AS key, province_code AS province FROM ${k.keyTable} WHERE ${k.key} = ANY($1::${keyArray})`,
    [keys],
  )) as { key: string; province: string }[];
  if (found.length === 0) return [];
  const ids = found.map((f) => f.key);
  const provinces = [...new Set(found.map((f) => f.province))];
  const rows = await read({ sql: `${k.key} = ANY($1::${keyArray}) AND ${k.province} = ANY($2::text[])`, params: [ids, provinces] });
  const returned = new Set(rows.map(keyOf));
  const unread = ids.filter((id) => !returned.has(id));
  if (unread.length === 0) return rows;
  return [...rows, ...(await read({ sql: `${k.key} = ANY($1::${keyArray})`, params: [unread] }))];
}

/**
 * Which provinces' partitions hold the rows under a value that does not name its province: a
 * commune (residents by permanent residence, households, parcels), a holder of land rights. A read
 * of a commune's list filters on the commune alone, so without it PostgreSQL plans and locks every
 * one of the 35 partitions and their indexes (about 280 relation locks per statement, past the 16
 * fast-path slots: each goes through the shared lock table, which concurrent requests then queue
 * on). With it, a read first asks this small unpartitioned table for the provinces
 * ({@link provincesOf}) and states them as a parameter on the partition key, so the planner prunes
 * to their partitions at plan time, as {@link readByKey} does for keys.
 *
 * The subgraph learns it from its own rows (never from another subgraph): the migration fills it
 * from the rows already there, statement-level triggers on each source table add every pair a
 * statement writes. It only grows: a pair is never removed when its last row leaves (a resident
 * who moves, a holder who transfers their last parcel of a province), so it always holds at least
 * every province where such rows are, and the read stays exact; a stale pair costs one more
 * partition read, nothing else. Keeping it exact would cost every delete and move a scan of the
 * partition for the last row. A commune lies in one province, so for communes it is exact in
 * practice (a second province only after an administrative reorganisation); a holder gains a pair
 * when they first hold rights in a province.
 *
 * Lookup and read are two statements, two snapshots: a row whose pair is first recorded between
 * them is not read, as if the read had come a moment earlier (its commune's or holder's first row
 * in that province). Any other row is read in the read's snapshot.
 */
export interface ProvinceIndex {
  /** The table, schema-qualified: `(<keys>, province_code)`, all of them its primary key. */
  table: string;
  /** Its key columns and their SQL types (a commune code; a holder's type and id). */
  keys: readonly { name: string; type: string }[];
  /** The partitioned tables whose rows it records: per table, the columns giving each key (in order) and the province. */
  sources: readonly { table: string; keys: readonly string[]; province: string }[];
}

/** The table of `ix`, filled from its sources' rows, and the triggers that keep it ({@link ProvinceIndex}). */
export function provinceIndexSql(ix: ProvinceIndex): string[] {
  const keys = ix.keys.map((k) => k.name).join(', ');
  const name = ix.table.split('.')[1]!;
  return [
    `CREATE TABLE ${ix.table} (${ix.keys.map((k) => `${k.name} ${k.type} NOT NULL`).join(', ')}, province_code varchar(2) NOT NULL,
       PRIMARY KEY (${keys}, province_code))`,
    `INSERT INTO ${ix.table} (${keys}, province_code) ${ix.sources
      .map((s) => `SELECT DISTINCT ${s.keys.join(', ')}, ${s.province} FROM ${s.table}`)
      .join(' UNION ')}`,
    ...ix.sources.flatMap((s) => {
      const source = s.table.split('.')[1]!;
      const fn = `${ix.table}_from_${source}`;
      return [
        `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           INSERT INTO ${ix.table} (${keys}, province_code) SELECT DISTINCT ${s.keys.join(', ')}, ${s.province} FROM new_rows
             ON CONFLICT DO NOTHING;
           RETURN NULL;
         END $$`,
        // Transition tables allow no column list: every update runs it, an index probe per row.
        ...['INSERT', 'UPDATE'].map(
          (event) => `CREATE TRIGGER ${name}_${event.toLowerCase()} AFTER ${event} ON ${s.table}
             REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
        ),
      ];
    }),
  ];
}

/**
 * The provinces `ix` records for any of `keys` (each a value per key column, in order), for a read
 * to state on its partition key ({@link ProvinceIndex}); none when no row was ever written under them.
 */
export async function provincesOf(db: SqlRunner, ix: ProvinceIndex, keys: readonly (readonly string[])[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const columns = ix.keys.map((k) => k.name);
  const arrays = columns.map((_, i) => keys.map((k) => k[i]));
  const rows = (await db.query(
    `SELECT DISTINCT province_code AS province FROM ${ix.table}
     WHERE (${columns.join(', ')}) IN (SELECT * FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}))`,
    arrays,
  )) as { province: string }[];
  return rows.map((r) => r.province).sort();
}

/**
 * {@link provincesOf}, asked once per set of keys: for one request's loaders, where a list's page
 * and its count ask the same (the provinces are not personal, but a request is short: no staleness).
 */
export function provincesLookup(db: SqlRunner, ix: ProvinceIndex): (keys: readonly (readonly string[])[]) => Promise<string[]> {
  const asked = new Map<string, Promise<string[]>>();
  return (keys) => {
    const id = JSON.stringify(keys.map((k) => [...k]).sort());
    let provinces = asked.get(id);
    if (!provinces) {
      provinces = provincesOf(db, ix, keys);
      asked.set(id, provinces);
    }
    return provinces;
  };
}

/**
 * The provinces of a list's communes, for a subgraph's loaders: a commune officer's own when their
 * token states it ({@link provinceOfCommunes}: no statement), else those `ix` records, asked once
 * per set of communes in the request ({@link provincesLookup}).
 */
export function communeProvincesLookup(
  db: SqlRunner,
  ix: ProvinceIndex,
  jurisdiction: Jurisdiction,
): (communes: readonly string[]) => Promise<string[]> {
  const recorded = provincesLookup(db, ix);
  return (communes) => {
    const own = provinceOfCommunes(jurisdiction, communes);
    return own ? Promise.resolve([own]) : recorded(communes.map((c) => [c]));
  };
}

/** What {@link provinceIndexSql} created, dropped (a migration's `down`). */
export function dropProvinceIndexSql(ix: ProvinceIndex): string[] {
  const [schema, name] = ix.table.split('.') as [string, string];
  return [
    ...ix.sources.flatMap((s) => {
      const source = s.table.split('.')[1]!;
      return [
        `DROP TRIGGER ${name}_insert ON ${s.table}`,
        `DROP TRIGGER ${name}_update ON ${s.table}`,
        `DROP FUNCTION ${schema}.${name}_from_${source}()`,
      ];
    }),
    `DROP TABLE ${ix.table}`,
  ];
}

/** One partition of a partitioned table, as `npm run cli -- partitions list` shows it. */
export interface PartitionInfo {
  /** The partitioned table (schema-qualified) it belongs to, through any sub-partitioning. */
  table: string;
  /** The partition, schema-qualified. */
  partition: string;
  /** Its bound as PostgreSQL prints it (`FOR VALUES IN ('01')`, `FOR VALUES FROM ('2025-07-01') TO ('2025-10-01')`, `DEFAULT`). */
  bound: string;
  /** Whether it is itself partitioned (sub-partitions below it). */
  partitioned: boolean;
  /** The planner's estimate of its rows (`reltuples`; -1 when never analysed). */
  rows: number;
}

/** Every partition of the partitioned tables of `schemas`, ordered by table and partition. */
export async function listPartitions(db: DataSource, schemas: readonly string[]): Promise<PartitionInfo[]> {
  const rows = (await db.query(
    `WITH RECURSIVE tree AS (
       SELECT c.oid AS root, c.oid AS relid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'p' AND n.nspname = ANY($1) AND NOT c.relispartition
       UNION ALL
       SELECT t.root, i.inhrelid FROM tree t JOIN pg_inherits i ON i.inhparent = t.relid)
     SELECT t.root::regclass::text AS table, c.oid::regclass::text AS partition, pg_get_expr(c.relpartbound, c.oid) AS bound,
            c.relkind = 'p' AS partitioned, c.reltuples::float8 AS rows
     FROM tree t JOIN pg_class c ON c.oid = t.relid WHERE t.relid <> t.root ORDER BY 1, 2`,
    [schemas],
  )) as PartitionInfo[];
  return rows.map((r) => ({ ...r, rows: Number(r.rows) }));
}

/** A quarter as partitions by period name it: `2024q1`. */
export const PERIOD = /^(\d{4})q([1-4])$/;

/** The first day of `period`'s quarter and of the next one (YYYY-MM-DD). */
export function periodBounds(period: string): { from: string; to: string } | null {
  const m = PERIOD.exec(period);
  if (!m) return null;
  const year = Number(m[1]);
  const quarter = Number(m[2]);
  const from = `${year}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`;
  const to = quarter === 4 ? `${year + 1}-01-01` : `${year}-${String(quarter * 3 + 1).padStart(2, '0')}-01`;
  return { from, to };
}

/** The quarter (`2025q3`) of a date (YYYY-MM-DD). */
export function periodOf(date: string): string {
  return `${date.slice(0, 4)}q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** The quarter after `period` (`2025q4` → `2026q1`). */
export function nextPeriod(period: string): string {
  return periodOf(periodBounds(period)!.to);
}

/** Why a detach was refused, for the command line. */
export class PartitionError extends Error {}

/** Anything that runs SQL: a DataSource, an EntityManager, a migration's QueryRunner. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * A table partitioned by quarter (`<table>_2025q3`, and `<table>_default` for dates outside them),
 * as `npm run cli -- partitions` maintains it. With `byProvince`, each quarter from `from` is itself
 * LIST-partitioned by province (`<table>_2025q3_p01` … `_pdefault`, see {@link splitQuarterByProvince}).
 */
export interface PeriodTable {
  table: string;
  /** The partition key's column (a date). */
  column: string;
  byProvince?: { column: string; from: string };
  /** Statements to run for each new leaf partition (the access log's guard against writes aimed at a partition). */
  partitionSql?: (partition: string) => string[];
}

/** Statements creating `period`'s partition of `t` (and, split by province, its default sub-partition only). */
export function quarterPartitionSql(t: PeriodTable, period: string): string[] {
  const { from, to } = periodBounds(period)!;
  const quarter = `${t.table}_${period}`;
  const split = t.byProvince && period >= t.byProvince.from;
  return [
    `CREATE TABLE ${quarter} PARTITION OF ${t.table} FOR VALUES FROM ('${from}') TO ('${to}')${
      split ? ` PARTITION BY LIST (${t.byProvince!.column})` : ''
    }`,
    ...(split ? [`CREATE TABLE ${provincePartition(quarter, 'default')} PARTITION OF ${quarter} DEFAULT`] : []),
    ...(split ? [] : (t.partitionSql?.(quarter) ?? [])),
  ];
}

/**
 * Gives one quarter of a table split by province its 34 province partitions (those missing), so
 * reads that state the province read one table. A quarter starts with its default sub-partition
 * only: creating 35 tables (and their indexes) for every quarter ahead would make each migration
 * seconds slower, so quarters are split when they hold rows (the migration converting them) or
 * are about to (`npm run cli -- partitions prepare`, before the quarter starts). Rows the default
 * sub-partition already holds for these provinces move to their partitions (a partition may not be
 * created over rows its default holds). Run it in a transaction. Returns how many were created.
 */
export async function splitQuarterByProvince(q: SqlRunner, t: PeriodTable, period: string): Promise<number> {
  if (!t.byProvince || period < t.byProvince.from) throw new PartitionError(`${t.table} is not split by province in ${period}`);
  const quarter = `${t.table}_${period}`;
  const existing = new Set(
    (
      (await q.query(`SELECT inhrelid::regclass::text AS p FROM pg_inherits WHERE inhparent = to_regclass($1)`, [quarter])) as {
        p: string;
      }[]
    ).map((r) => r.p),
  );
  const missing = PROVINCE_CODES.filter((code) => !existing.has(provincePartition(quarter, code)));
  if (missing.length === 0) return 0;
  const byDefault = provincePartition(quarter, 'default');
  if (!existing.has(byDefault)) throw new PartitionError(`${quarter} is not a quarter of ${t.table} split by province`);
  const column = t.byProvince.column;
  const [{ waiting }] = (await q.query(`SELECT count(*)::int AS waiting FROM ${byDefault} WHERE ${column} = ANY($1)`, [missing])) as [
    { waiting: number },
  ];
  if (waiting > 0) {
    // Moved partition to partition: the root's statement triggers (key tables) do not fire, the keys stay as they are.
    await q.query(`CREATE TEMP TABLE partition_moving (LIKE ${quarter})`);
    await q.query(
      `WITH moved AS (DELETE FROM ${byDefault} WHERE ${column} = ANY($1) RETURNING *) INSERT INTO pg_temp.partition_moving SELECT * FROM moved`,
      [missing],
    );
  }
  for (const code of missing) {
    await q.query(`CREATE TABLE ${provincePartition(quarter, code)} PARTITION OF ${quarter} FOR VALUES IN ('${code}')`);
  }
  if (waiting > 0) {
    await q.query(`INSERT INTO ${quarter} SELECT * FROM pg_temp.partition_moving`);
    await q.query(`DROP TABLE pg_temp.partition_moving`);
  }
  return missing.length;
}

/**
 * Makes `period` ready for writes in every table of a group: its quarter partitions exist (created
 * when missing; refused by PostgreSQL if the default partition already holds rows of that quarter),
 * split by province where the table is. Returns what was created, for the command line.
 */
export async function prepareQuarter(db: DataSource, tables: readonly PeriodTable[], period: string): Promise<string[]> {
  if (!periodBounds(period)) throw new PartitionError(`"${period}" is not a quarter like 2024q1`);
  return db.transaction(async (em) => {
    const created: string[] = [];
    for (const t of tables) {
      const quarter = `${t.table}_${period}`;
      const [present] = (await em.query(`SELECT 1 FROM pg_inherits WHERE inhparent = to_regclass($1) AND inhrelid = to_regclass($2)`, [
        t.table,
        quarter,
      ])) as unknown[];
      if (!present) {
        for (const sql of quarterPartitionSql(t, period)) await em.query(sql);
        created.push(quarter);
      }
      if (t.byProvince && period >= t.byProvince.from) {
        const n = await splitQuarterByProvince(em, t, period);
        if (n > 0) created.push(`${quarter}: ${n} province partitions`);
      }
    }
    return created;
  });
}

/**
 * Detaches the partitions of `tables` (schema-qualified, a group archived together: a quarter's
 * dossiers and their history) for a past `period` (`2024q1`), in one transaction: each becomes a
 * table of its own, still in the schema, to archive (pg_dump) and drop; the rows leave the
 * partitioned tables at once. A quarter split by province goes whole: its province partitions are
 * partitions of the detached quarter (`dossier_2025q3_p01` … under `dossier_2025q3`). Only a
 * quarter that ended before `today` (YYYY-MM-DD): the current and future ones still take writes.
 *
 * Writes go on: a table with a default partition cannot be detached CONCURRENTLY, so the detach
 * takes its brief exclusive lock on the partitioned tables (a catalog change: nothing is scanned or
 * copied) but waits for each at most `lockTimeoutMs`, so writes never queue behind it for longer;
 * on a timeout it retries, `attempts` times in all. Returns the detached tables' names.
 */
export async function detachPeriod(
  db: DataSource,
  tables: readonly string[],
  period: string,
  today: string,
  options: {
    lockTimeoutMs?: number;
    attempts?: number;
    /** Runs in the detach's transaction, before the detaches (the access log records its archive there). */
    beforeDetach?: (em: EntityManager, partitions: readonly { table: string; partition: string }[]) => Promise<void>;
  } = {},
): Promise<string[]> {
  const bounds = periodBounds(period);
  if (!bounds) throw new PartitionError(`"${period}" is not a quarter like 2024q1`);
  if (bounds.to > today) throw new PartitionError(`${period} has not ended (today is ${today}): only a past quarter can be detached`);
  const partitions = tables.map((table) => ({ table, partition: `${table}_${period}` }));
  for (const { table, partition } of partitions) {
    const [found] = (await db.query(`SELECT 1 FROM pg_inherits WHERE inhparent = to_regclass($1) AND inhrelid = to_regclass($2)`, [
      table,
      partition,
    ])) as unknown[];
    if (!found) throw new PartitionError(`${partition} is not a partition of ${table} (see: partitions list)`);
  }
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction(async (em) => {
        await em.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.trunc(options.lockTimeoutMs ?? 2_000))}`);
        await options.beforeDetach?.(em, partitions);
        for (const { table, partition } of partitions) await em.query(`ALTER TABLE ${table} DETACH PARTITION ${partition}`);
      });
      return partitions.map((p) => p.partition);
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      if (code !== '55P03' || attempt >= attempts) throw error;
    }
  }
}

/**
 * Readies the current quarter of `today` (YYYY-MM-DD) and the next one in every group
 * ({@link prepareQuarter}): what `npm run cli -- migrate` runs after the migrations, and what a
 * monthly `npm run cli -- partitions prepare` keeps doing. Returns what was created.
 */
export async function prepareComing(db: DataSource, groups: readonly (readonly PeriodTable[])[], today: string): Promise<string[]> {
  const created: string[] = [];
  for (const period of [periodOf(today), nextPeriod(periodOf(today))]) {
    for (const group of groups) created.push(...(await prepareQuarter(db, group, period)));
  }
  return created;
}
