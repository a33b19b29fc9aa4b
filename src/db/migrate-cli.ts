/** `npm run migrate`: creates the database if needed and applies every migration. */
import { loadConfig } from '../config/env';
import { createDb, ensureDatabase, migrate } from './knex';

const config = loadConfig();
// MIGRATION_DATABASE_URL (the schema owner) when set: DATABASE_URL may be a data-only role.
const url = config.migrationDatabaseUrl ?? config.databaseUrl;
await ensureDatabase(url);
const db = createDb(url, 1);
try {
  await migrate(db);
  console.log('migrations: up to date');
} finally {
  await db.destroy();
}
