/** Once per `vitest run`: a migrated template database for every test file to clone. */
import { createDb, migrate } from '../../src/db/knex';
import { recreateTemplate } from './db';

export default async function setup(): Promise<() => Promise<void>> {
  return recreateTemplate(async (url) => {
    const db = createDb(url, 1);
    try {
      await migrate(db);
    } finally {
      await db.destroy();
    }
  });
}
