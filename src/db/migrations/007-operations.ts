/**
 * Report rollups and queue controls (issue 8).
 */
import type { Knex } from 'knex';

export const name = '007-operations';

export async function up(_knex: Knex): Promise<void> {
  // Filled in by the issue that owns it.
}

export async function down(_knex: Knex): Promise<void> {
  // Filled in by the issue that owns it.
}
