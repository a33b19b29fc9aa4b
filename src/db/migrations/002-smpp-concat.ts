/**
 * Inbound concatenated submissions from SMPP binds (issue 3). An
 * acknowledged part is durable: it is stored here before its
 * submit_sm_resp, and the reassembled message is accepted once every part
 * is here. A group that stays incomplete past the reassembly timeout ends
 * as a `rejected` message (never charged) so its receipt still reaches the
 * client.
 */
import type { Knex } from 'knex';

export const name = '002-smpp-concat';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- One row per concatenated message in reassembly. group_key identifies the
    -- parts of one message: source, destination, reference (8/16-bit or SAR) and total.
    -- message_id is handed out with the first part's submit_sm_resp and is the
    -- id of the message the group becomes.
    CREATE TABLE smpp_concat_groups (
      app_id uuid NOT NULL REFERENCES apps(id),
      group_key text NOT NULL,
      message_id uuid NOT NULL UNIQUE,
      total integer NOT NULL CHECK (total BETWEEN 2 AND 255),
      -- What every part agreed on (to, from, registered delivery, validity, priority).
      submission jsonb NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'joined', 'abandoned')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (app_id, group_key, message_id)
    );
    -- At most one group in reassembly per key (a finished key may start again).
    CREATE UNIQUE INDEX smpp_concat_groups_pending_idx ON smpp_concat_groups (app_id, group_key) WHERE state = 'pending';
    CREATE INDEX smpp_concat_groups_age_idx ON smpp_concat_groups (created_at) WHERE state = 'pending';

    CREATE TABLE smpp_concat_parts (
      message_id uuid NOT NULL REFERENCES smpp_concat_groups(message_id) ON DELETE CASCADE,
      seq integer NOT NULL CHECK (seq BETWEEN 1 AND 255),
      text text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (message_id, seq)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS smpp_concat_parts, smpp_concat_groups CASCADE;');
}
