/**
 * Rates, quotas, MO numbers, callback dead letters, idempotency (issue 7).
 */
import type { Knex } from 'knex';

export const name = '006-billing-mo';

export async function up(_knex: Knex): Promise<void> {
  // Filled in by the issue that owns it.
}

export async function down(_knex: Knex): Promise<void> {
  // Filled in by the issue that owns it.
}
