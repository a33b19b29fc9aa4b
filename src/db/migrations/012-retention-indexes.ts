/**
 * Retention of inbound (MO) messages, unmatched receipts and campaign
 * batches by age (src/db/retention-rows.ts): indexes on the times they go
 * by, so a retention run reads the old rows instead of the whole table.
 */
import type { Knex } from 'knex';

export const name = '012-retention-indexes';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX mo_messages_received_idx ON mo_messages (received_at);
    CREATE INDEX unmatched_receipts_received_idx ON unmatched_receipts (received_at);
    CREATE INDEX batches_created_idx ON batches (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS mo_messages_received_idx;
    DROP INDEX IF EXISTS unmatched_receipts_received_idx;
    DROP INDEX IF EXISTS batches_created_idx;
  `);
}
