/**
 * Least privilege underneath: each serving process connects as a role of its own that reaches only
 * what it serves, and none owns anything. The owner role (DATABASE_OWNER_URL) runs the migrations
 * and then these grants; serving processes never use it (prepareSchemas in ./index.ts refuses to
 * migrate in production).
 *
 * What a role may do, by schema:
 * - `readWrite`: SELECT, INSERT, UPDATE, DELETE on its tables (never TRUNCATE, REFERENCES or
 *   TRIGGER), and its sequences; its `migrations` table is read-only (to check it is current);
 * - `appendOnly`: SELECT and INSERT only (the audit log: no UPDATE, DELETE or TRUNCATE is granted,
 *   so its trigger is not the only guard), and its sequences;
 * - `readOnly`: SELECT only.
 * Partitions get nothing: a role writes and reads a partitioned table through the table itself.
 * No CREATE anywhere: a serving role cannot add a table, nor alter or disable a trigger (only an
 * owner can). Roles are created with LOGIN and no password when missing (set one with ALTER ROLE,
 * or use certificate or peer authentication); grants are applied again on every run, after the
 * migrations, so new tables are covered.
 *
 * @module
 */
import type { DataSource } from 'typeorm';

/** The role a subgraph's processes connect as: `<prefix><schema>`. */
export const subgraphRole = (prefix: string, subgraph: { schema: string }): string => `${prefix}${subgraph.schema}`;

/** The role gateways connect as (to read the trusted documents). */
export const gatewayRole = (prefix: string): string => `${prefix}gateway`;

export interface RoleGrant {
  role: string;
  readWrite: readonly string[];
  appendOnly: readonly string[];
  readOnly: readonly string[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function ident(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Not a plain PostgreSQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Creates the roles that are missing and applies their grants, in one transaction (all or nothing). */
export async function applyGrants(db: DataSource, grants: readonly RoleGrant[]): Promise<void> {
  await db.transaction(async (em) => {
    for (const grant of grants) {
      const role = ident(grant.role);
      const [exists] = (await em.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [grant.role])) as unknown[];
      if (!exists) await em.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT`);
      const all = [...grant.readWrite, ...grant.appendOnly, ...grant.readOnly];
      // Whatever an earlier version granted goes first: the grants below are the whole of it.
      const [{ schemas }] = (await em.query(
        `SELECT coalesce(array_agg(nspname::text), '{}') AS schemas FROM pg_namespace
         WHERE has_schema_privilege($1, oid, 'USAGE') AND nspname NOT IN ('public', 'pg_catalog', 'information_schema')
           AND nspname NOT LIKE 'pg\\_%'`,
        [grant.role],
      )) as [{ schemas: string[] }];
      for (const schema of schemas) {
        await em.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${ident(schema)} FROM ${role}`);
        await em.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${ident(schema)} FROM ${role}`);
        await em.query(`REVOKE ALL ON SCHEMA ${ident(schema)} FROM ${role}`);
      }
      for (const schema of all) await em.query(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${role}`);
      for (const schema of grant.readWrite) {
        await em.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${role}`);
        await em.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${ident(schema)} TO ${role}`);
      }
      for (const schema of grant.appendOnly) {
        await em.query(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${role}`);
        await em.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${ident(schema)} TO ${role}`);
      }
      for (const schema of grant.readOnly) await em.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${role}`);
      // A partitioned table is reached through itself only: PostgreSQL checks the privileges of the
      // table a statement names, and its statement-level triggers (the national key tables', the
      // access log's fork guard) fire for that table alone. Nothing is granted on its partitions.
      for (const schema of all) {
        const partitions = (await em.query(
          `SELECT c.oid::regclass::text AS name FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relispartition AND c.relkind IN ('r', 'p')`,
          [schema],
        )) as { name: string }[];
        for (const { name } of partitions) await em.query(`REVOKE ALL ON ${name} FROM ${role}`);
      }
      // The migrations tables are the owner's record: read-only to every serving role.
      for (const schema of all) {
        const [table] = (await em.query(`SELECT to_regclass($1) AS t`, [`"${schema}".migrations`])) as { t: string | null }[];
        if (table?.t) await em.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${ident(schema)}.migrations FROM ${role}`);
      }
    }
  });
}

/** Sets the passwords of serving roles (each one of `grants`: another name is refused, nothing set). */
export async function setPasswords(
  db: DataSource,
  grants: readonly RoleGrant[],
  passwords: Readonly<Record<string, string>>,
): Promise<void> {
  const known = new Set(grants.map((g) => g.role));
  const unknown = Object.keys(passwords).filter((role) => !known.has(role));
  if (unknown.length > 0) throw new Error(`DATABASE_ROLE_PASSWORDS names roles that are not serving roles: ${unknown.join(', ')}`);
  await db.transaction(async (em) => {
    for (const [role, password] of Object.entries(passwords)) {
      const [{ statement }] = (await em.query(`SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text) AS statement`, [
        role,
        password,
      ])) as [{ statement: string }];
      await em.query(statement);
    }
  });
}
