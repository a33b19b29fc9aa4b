/**
 * `npm run db:roles [-- --owner smsgw_owner --app smsgw_app --readonly smsgw_readonly]`:
 * creates (or updates) the least-privilege roles of src/db/db-roles.ts on the
 * database of DATABASE_URL, which must name a superuser here (the default
 * `postgres` does). Migrates the database first, so it also works on a new
 * one. Idempotent. Passwords are not taken on the command line (they would
 * show in `ps`): set them with psql's \password, then run the gateway with
 *   MIGRATION_DATABASE_URL=postgres://smsgw_owner:…@host/smsgw
 *   DATABASE_URL=postgres://smsgw_app:…@host/smsgw
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../config/env';
import { applyDbRoles, DEFAULT_ROLE_NAMES } from './db-roles';
import { createDb, ensureDatabase, migrate } from './knex';

const { values } = parseArgs({
  options: {
    owner: { type: 'string', default: DEFAULT_ROLE_NAMES.owner },
    app: { type: 'string', default: DEFAULT_ROLE_NAMES.app },
    readonly: { type: 'string', default: DEFAULT_ROLE_NAMES.readonly },
  },
});
const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const db = createDb(config.databaseUrl, 1);
try {
  await migrate(db);
} finally {
  await db.destroy();
}
const client = new pg.Client({ connectionString: config.databaseUrl });
await client.connect();
try {
  const roles = await applyDbRoles(client, { roles: { owner: values.owner, app: values.app, readonly: values.readonly } });
  console.log(`db roles: ${roles.owner} (owner, migrations), ${roles.app} (gateway, data only; ledger and audit_log append-only), ${roles.readonly} (read-only)`);
} finally {
  await client.end();
}
