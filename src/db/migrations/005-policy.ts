/**
 * Content rules, held review and templates (issue 7).
 */
import type { Knex } from 'knex';

export const name = '005-policy';

export async function up(_knex: Knex): Promise<void> {
  // Filled in by the issue that owns it.
}

export async function down(_knex: Knex): Promise<void> {
  // Filled in by the issue that owns it.
}
