/** `npm run migrate`: creates the database if needed and applies every migration. */
import { loadConfig } from '../config/env';
import { createDb, ensureDatabase, migrate } from './knex';

const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const db = createDb(config.databaseUrl, 1);
try {
  await migrate(db);
  console.log('migrations: up to date');
} finally {
  await db.destroy();
}
