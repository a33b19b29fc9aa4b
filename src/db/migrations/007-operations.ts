/**
 * Report rollups (issue 8). One table, report_rollup, holds per period
 * (an hour, or a UTC day) x account x dimension x key x status the counts
 * and sums a report needs, and a delivery-latency histogram with fixed
 * buckets (lat_0 .. lat_16; reports/latency-histogram.ts), so that any set
 * of rows adds up. The dimension is one of:
 *   account  key = ''              (serves groupBy hour, day, status)
 *   app      key = app id
 *   carrier  key = carrier id, '' when no carrier took the message
 *   prefix   key = the first 4 digits of the destination
 * A message counts once per dimension. Day rows are the sums of their hours,
 * so a month's report reads about 30 rows per group instead of 720.
 * Maintained incrementally by the `rollup` queue's repeatable job
 * (db/rollup-store.ts): its primary key is the upsert target that runs add
 * their deltas to. Reports read only this table.
 *
 * report_rollup_message holds what each message currently adds to the
 * rollup (its hour, keys, status and figures) while it can still change:
 * every message not yet final, and final ones until no run can rescan
 * their events. A run adds (now - stored) for the messages its new events
 * touch, so re-runs and rescans add nothing twice. No foreign key: it must
 * not slow the message hot paths nor block retention.
 *
 * A BRIN index on messages.created_at (autosummarized) lets the rollup read
 * one hour of messages without a B-tree on the hot insert path: rows arrive
 * in created_at order, so block ranges map to time ranges.
 */
import type { Knex } from 'knex';

export const name = '007-operations';

/** Fixed here (not imported): the stored format must not change under an existing database. */
const LATENCY_COLUMNS = Array.from({ length: 17 }, (_, i) => `lat_${i} integer NOT NULL DEFAULT 0`).join(',\n      ');

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE report_rollup (
      period text NOT NULL CHECK (period IN ('hour', 'day')),
      -- The start of the hour or of the UTC day (of the messages' acceptance).
      at timestamptz NOT NULL,
      account_id uuid NOT NULL,
      dimension text NOT NULL CHECK (dimension IN ('account', 'app', 'carrier', 'prefix')),
      key text NOT NULL,
      status text NOT NULL,
      messages integer NOT NULL,
      parts integer NOT NULL,
      -- Minor units: charges, refunds, and what carriers charge for the parts handed to them.
      charged bigint NOT NULL,
      refunded bigint NOT NULL,
      cost bigint NOT NULL,
      -- Delivered messages, acceptance to delivered: counts per latency bucket (the last one: above the largest bound).
      ${LATENCY_COLUMNS}
    );
    -- The upsert target of the runs (rollup-store.ts), and the index of one account's reports.
    ALTER TABLE report_rollup ADD PRIMARY KEY (account_id, dimension, period, at, key, status);
    CREATE INDEX report_rollup_period_idx ON report_rollup (dimension, period, at);

    CREATE TABLE report_rollup_message (
      message_id uuid PRIMARY KEY,
      -- The message's largest message_events id when it was folded in: a rescanned event at or below it is already counted.
      event_id bigint NOT NULL,
      -- The hour (of acceptance), keys and figures the message adds to report_rollup (one row per dimension).
      at timestamptz NOT NULL,
      account_id uuid NOT NULL,
      app_id uuid NOT NULL,
      carrier_key text NOT NULL,
      prefix text NOT NULL,
      status text NOT NULL,
      parts integer NOT NULL,
      charged bigint NOT NULL,
      refunded bigint NOT NULL,
      cost bigint NOT NULL,
      -- The latency bucket of a delivered message (null otherwise).
      lat_bucket smallint
    );
    -- Final messages leave once the runs' rescan window has passed their events.
    CREATE INDEX report_rollup_message_final_idx ON report_rollup_message (event_id)
      WHERE status IN ('delivered', 'undelivered', 'expired', 'failed', 'rejected');

    -- The rollup's progress: message_events ids seen by the last two runs (see rollup-store.ts).
    CREATE TABLE report_rollup_state (
      name text PRIMARY KEY,
      last_event_id bigint NOT NULL DEFAULT 0,
      previous_event_id bigint NOT NULL DEFAULT 0,
      rolled_at timestamptz
    );
    INSERT INTO report_rollup_state (name) VALUES ('report');

    CREATE INDEX messages_created_brin_idx ON messages USING brin (created_at) WITH (pages_per_range = 32, autosummarize = on);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS messages_created_brin_idx;
    DROP TABLE IF EXISTS report_rollup_state, report_rollup_message, report_rollup;
  `);
}
