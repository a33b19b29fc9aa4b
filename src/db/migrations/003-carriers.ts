/**
 * Carrier connectivity (issue 4): per-carrier bind mode, concatenation mode
 * and cost; soft deletion (a carrier that carried traffic stays referenced
 * by its messages, so DELETE hides it and frees its name); route weights and
 * ranks; the cost of each part handed to a carrier (margin reports); the
 * dead-letter queue; and the index the validity sweeper scans.
 */
import type { Knex } from 'knex';

export const name = '003-carriers';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE carriers
      ADD COLUMN bind_mode text NOT NULL DEFAULT 'transceiver' CHECK (bind_mode IN ('transceiver', 'transmitter_receiver')),
      ADD COLUMN concat text NOT NULL DEFAULT 'udh8' CHECK (concat IN ('udh8', 'udh16', 'sar')),
      -- What the carrier charges us per message part, minor units.
      ADD COLUMN cost bigint NOT NULL DEFAULT 0 CHECK (cost >= 0),
      ADD COLUMN deleted_at timestamptz;
    -- Names are unique among live carriers only: a deleted carrier's name may be reused.
    ALTER TABLE carriers DROP CONSTRAINT carriers_name_key;
    CREATE UNIQUE INDEX carriers_live_name_idx ON carriers (name) WHERE deleted_at IS NULL;

    -- Parallel to carrier_ids. NULL weights = every carrier weight 1; NULL ranks = rank by position.
    ALTER TABLE routes
      ADD COLUMN carrier_weights integer[] CHECK (carrier_weights IS NULL OR cardinality(carrier_weights) = cardinality(carrier_ids)),
      ADD COLUMN carrier_ranks integer[] CHECK (carrier_ranks IS NULL OR cardinality(carrier_ranks) = cardinality(carrier_ids));

    -- The carrier's cost for this part when it was handed over (carrier costs may change later).
    ALTER TABLE message_parts ADD COLUMN cost bigint;

    -- Messages whose dispatch attempts ran out. The message stays 'queued' (charged, not final)
    -- so an operator can requeue it under its id; the validity sweeper ends it 'expired' and
    -- refunded otherwise. requeued_at IS NULL marks the entries currently in the queue.
    CREATE TABLE dead_letters (
      message_id uuid PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
      reason text NOT NULL,
      detail jsonb NOT NULL DEFAULT '{}',
      attempts integer NOT NULL,
      requeues integer NOT NULL DEFAULT 0,
      dead_at timestamptz NOT NULL DEFAULT now(),
      requeued_at timestamptz
    );
    CREATE INDEX dead_letters_active_idx ON dead_letters (message_id) WHERE requeued_at IS NULL;

    -- The validity sweeper: messages not yet with a carrier, by deadline.
    CREATE INDEX messages_waiting_valid_idx ON messages (valid_until) WHERE status IN ('accepted', 'held', 'queued');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS messages_waiting_valid_idx;
    DROP TABLE IF EXISTS dead_letters;
    ALTER TABLE message_parts DROP COLUMN IF EXISTS cost;
    ALTER TABLE routes DROP COLUMN IF EXISTS carrier_weights, DROP COLUMN IF EXISTS carrier_ranks;
    DROP INDEX IF EXISTS carriers_live_name_idx;
    ALTER TABLE carriers ADD CONSTRAINT carriers_name_key UNIQUE (name);
    ALTER TABLE carriers DROP COLUMN IF EXISTS bind_mode, DROP COLUMN IF EXISTS concat, DROP COLUMN IF EXISTS cost,
      DROP COLUMN IF EXISTS deleted_at;
  `);
}
