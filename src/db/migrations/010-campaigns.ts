/**
 * Batches (campaigns) and scheduled sending (issue 10).
 *
 * - batches: one request's recipients and what every message of it shares
 *   (text or template, sender, priority, validity, schedule, callback URL).
 *   `created` is the expansion cursor: recipients with seq < created have
 *   their message. `cancelled_at` stops expansion (checked under the row lock).
 * - batch_recipients: (batch_id, seq) -> number and per-recipient template
 *   params, written in one multi-row insert; the message id is derived at
 *   expansion (stored in message_id so a re-run finds it).
 * - messages.batch_id / messages.schedule_at: added on the partitioned parent
 *   (every partition gets them); batch_id is indexed on every partition.
 */
import type { Knex } from 'knex';

export const name = '010-campaigns';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE batches (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id),
      app_id uuid NOT NULL REFERENCES apps(id),
      text text,
      template_id uuid,
      from_addr text,
      priority text NOT NULL CHECK (priority IN ('normal', 'express')),
      callback_url text,
      validity_seconds int NOT NULL,
      schedule_at timestamptz,
      total int NOT NULL,
      created int NOT NULL DEFAULT 0,
      cancelled_at timestamptz,
      expanded_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((text IS NULL) <> (template_id IS NULL))
    );
    CREATE INDEX batches_app_idx ON batches (app_id, id DESC);
    CREATE INDEX batches_account_idx ON batches (account_id, id DESC);
    CREATE INDEX batches_unexpanded_idx ON batches (id) WHERE expanded_at IS NULL AND cancelled_at IS NULL;

    CREATE TABLE batch_recipients (
      batch_id uuid NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
      seq int NOT NULL,
      to_number text NOT NULL,
      text text NOT NULL,
      price bigint NOT NULL,
      parts int NOT NULL,
      encoding text NOT NULL,
      message_id uuid NOT NULL,
      PRIMARY KEY (batch_id, seq)
    );

    ALTER TABLE messages ADD COLUMN batch_id uuid, ADD COLUMN schedule_at timestamptz;
    CREATE INDEX messages_batch_idx ON messages (batch_id, id) WHERE batch_id IS NOT NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS messages_batch_idx;
    ALTER TABLE messages DROP COLUMN IF EXISTS batch_id, DROP COLUMN IF EXISTS schedule_at;
    DROP TABLE IF EXISTS batch_recipients, batches CASCADE;
  `);
}
