/**
 * Per-account dispatch rate caps (issue 10, fair dispatch): at most
 * `dispatch_rate_per_second` messages of the account go to carriers per
 * second, across every worker process (a Redis token bucket; see
 * pipeline/dispatch-caps.ts). NULL = no cap. Set by the operator through
 * PATCH /api/v1/accounts/:id.
 */
import type { Knex } from 'knex';

export const name = '011-dispatch-caps';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE accounts
      ADD COLUMN dispatch_rate_per_second integer CHECK (dispatch_rate_per_second > 0)
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE accounts DROP COLUMN dispatch_rate_per_second');
}
