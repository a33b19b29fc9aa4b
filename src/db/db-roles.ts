/**
 * Least-privilege PostgreSQL roles for one smsgw database (docs/security.md
 * "Least privilege"), applied by `npm run db:roles`. Idempotent: run it
 * again after a migration run as another user, or to reset the grants.
 *
 * - owner (default `smsgw_owner`): owns the schema's tables and sequences
 *   and runs the migrations (MIGRATION_DATABASE_URL); the only role with DDL.
 * - app (default `smsgw_app`): what the running gateway uses (DATABASE_URL):
 *   SELECT, INSERT, UPDATE, DELETE on every table, except the append-only
 *   ones (`ledger`, `audit_log`: SELECT and INSERT only), and nothing on the
 *   migration bookkeeping beyond reading it. No DDL, no TRUNCATE, no
 *   ownership, so no ALTER / DROP.
 * - readonly (default `smsgw_readonly`): SELECT on every table, for
 *   reporting and support.
 *
 * Tables added later by migrations the owner runs get the same grants
 * through ALTER DEFAULT PRIVILEGES; only the append-only tables are named.
 * A migration run by another user (e.g. the postgres superuser) leaves its
 * new tables owned by that user: run this again to hand them to the owner
 * and grant them.
 */
import pg from 'pg';

/** Tables whose rows are never changed or removed once written. */
export const APPEND_ONLY_TABLES = ['ledger', 'audit_log'] as const;

/** knex's bookkeeping: the owner writes it; the app only reads it. */
const MIGRATION_TABLES = ['knex_migrations', 'knex_migrations_lock'] as const;

export interface DbRoleNames {
  readonly owner: string;
  readonly app: string;
  readonly readonly: string;
}

export const DEFAULT_ROLE_NAMES: DbRoleNames = Object.freeze({ owner: 'smsgw_owner', app: 'smsgw_app', readonly: 'smsgw_readonly' });

export interface DbRolesOptions {
  readonly roles?: DbRoleNames;
  /** Login passwords to set (a role without one keeps its current password, or none). */
  readonly passwords?: Partial<Record<keyof DbRoleNames, string>>;
}

const ident = (name: string): string => pg.escapeIdentifier(name);
const literal = (value: string): string => pg.escapeLiteral(value);

/**
 * Applies the roles and grants to the database `client` is connected to.
 * The client must be a superuser or hold CREATEROLE and own the tables.
 */
export async function applyDbRoles(client: pg.ClientBase, options: DbRolesOptions = {}): Promise<DbRoleNames> {
  const roles = options.roles ?? DEFAULT_ROLE_NAMES;
  for (const name of Object.values(roles)) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`role name ${JSON.stringify(name)}: use lower-case letters, digits and _`);
  }
  const { owner, app, readonly } = { owner: ident(roles.owner), app: ident(roles.app), readonly: ident(roles.readonly) };
  const database = ident((await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db);
  const run = (sql: string) => client.query(sql);

  await run('BEGIN');
  try {
    // Roles are cluster-wide; create the missing ones, never drop.
    for (const key of ['owner', 'app', 'readonly'] as const) {
      const name = roles[key];
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      if (exists.rowCount === 0) await run(`CREATE ROLE ${ident(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT`);
      const password = options.passwords?.[key];
      if (password) await run(`ALTER ROLE ${ident(name)} PASSWORD ${literal(password)}`);
    }

    await run(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await run(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    await run(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${owner}, ${app}`);
    await run(`GRANT CONNECT ON DATABASE ${database} TO ${readonly}`);
    await run(`GRANT USAGE, CREATE ON SCHEMA public TO ${owner}`);
    await run(`GRANT USAGE ON SCHEMA public TO ${app}, ${readonly}`);

    // Everything in the schema belongs to the owner (sequences owned by a column move with their table).
    const tables = await client.query<{ name: string; owner: string }>(
      `SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')`,
    );
    for (const t of tables.rows) if (t.owner !== roles.owner) await run(`ALTER TABLE public.${ident(t.name)} OWNER TO ${owner}`);
    const sequences = await client.query<{ name: string; owner: string }>(
      `SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'S'
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))`,
    );
    for (const s of sequences.rows) if (s.owner !== roles.owner) await run(`ALTER SEQUENCE public.${ident(s.name)} OWNER TO ${owner}`);

    // Present tables.
    await run(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`);
    await run(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app}`);
    await run(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${readonly}`);
    // Tables and sequences the owner creates later (migrations).
    await run(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`);
    await run(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app}`);
    await run(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT ON TABLES TO ${readonly}`);

    // The exceptions, by name.
    const present = new Set(tables.rows.map((t) => t.name));
    for (const table of APPEND_ONLY_TABLES) {
      if (!present.has(table)) continue;
      await run(`REVOKE UPDATE, DELETE, TRUNCATE ON public.${ident(table)} FROM ${app}, ${readonly}, PUBLIC`);
      await run(`GRANT SELECT, INSERT ON public.${ident(table)} TO ${app}`);
    }
    for (const table of MIGRATION_TABLES) {
      if (!present.has(table)) continue;
      await run(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.${ident(table)} FROM ${app}`);
    }
    await run('COMMIT');
  } catch (error) {
    await run('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return roles;
}

/**
 * Removes the roles from the cluster: what they own in the connected
 * database goes to the connected user first. Tests use it to clean up.
 */
export async function dropDbRoles(client: pg.ClientBase, roles: DbRoleNames): Promise<void> {
  for (const name of [roles.app, roles.readonly, roles.owner]) {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
    if (exists.rowCount === 0) continue;
    await client.query(`REASSIGN OWNED BY ${ident(name)} TO CURRENT_USER`);
    await client.query(`DROP OWNED BY ${ident(name)}`);
    await client.query(`DROP ROLE ${ident(name)}`);
  }
}
