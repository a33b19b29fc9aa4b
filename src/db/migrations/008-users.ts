/**
 * Users, roles, sessions and retention (issue 8).
 */
import type { Knex } from 'knex';

export const name = '008-users';

export async function up(_knex: Knex): Promise<void> {
  // Filled in by the issue that owns it.
}

export async function down(_knex: Knex): Promise<void> {
  // Filled in by the issue that owns it.
}
