/**
 * The system of record. Money columns are bigint minor units. Ids of
 * messages are UUIDv7 made by the application (time-ordered), so the
 * message list's cursor is the id itself.
 */
import type { Knex } from 'knex';

export const name = '001-initial';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE accounts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      balance bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE apps (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid NOT NULL REFERENCES accounts(id),
      name text NOT NULL,
      secret_hash bytea NOT NULL,
      signing_secret text NOT NULL,
      smpp_system_id text NOT NULL UNIQUE,
      smpp_password_hash text NOT NULL,
      throughput_per_second integer NOT NULL DEFAULT 100 CHECK (throughput_per_second > 0),
      callback_url text,
      mo_url text,
      senders text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX apps_account_idx ON apps (account_id);

    CREATE TABLE carriers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL UNIQUE,
      host text NOT NULL,
      port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
      system_id text NOT NULL,
      password text NOT NULL,
      system_type text NOT NULL DEFAULT '',
      binds integer NOT NULL DEFAULT 1 CHECK (binds BETWEEN 1 AND 64),
      window_size integer NOT NULL DEFAULT 10 CHECK (window_size BETWEEN 1 AND 1000),
      max_tps integer CHECK (max_tps > 0),
      enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- The routing table: replaced as a whole (PUT /api/v1/routes) in one transaction.
    CREATE TABLE routes (
      prefix text PRIMARY KEY CHECK (prefix ~ '^[0-9]{0,15}$'),
      carrier_ids uuid[] NOT NULL CHECK (cardinality(carrier_ids) > 0),
      price bigint NOT NULL CHECK (price >= 0)
    );

    -- Bumped whenever routes or carriers change; every process polls it to reload.
    CREATE TABLE config_versions (
      name text PRIMARY KEY,
      version bigint NOT NULL DEFAULT 0
    );
    INSERT INTO config_versions (name, version) VALUES ('routing', 1);

    CREATE TABLE messages (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id),
      app_id uuid NOT NULL REFERENCES apps(id),
      channel text NOT NULL CHECK (channel IN ('http', 'smpp')),
      to_number text NOT NULL,
      from_addr text,
      text text NOT NULL,
      encoding text NOT NULL CHECK (encoding IN ('gsm7', 'ucs2')),
      parts integer NOT NULL CHECK (parts > 0),
      price bigint NOT NULL CHECK (price >= 0),
      status text NOT NULL,
      priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'express')),
      reference text,
      callback_url text,
      registered_delivery boolean NOT NULL DEFAULT false,
      valid_until timestamptz NOT NULL,
      carrier_id uuid REFERENCES carriers(id),
      carrier_message_id text,
      error_code text,
      dispatch_job text,
      dispatch_claimed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX messages_app_idx ON messages (app_id, id DESC);
    CREATE INDEX messages_app_status_idx ON messages (app_id, status, id DESC);
    CREATE INDEX messages_app_to_idx ON messages (app_id, to_number, id DESC);
    CREATE INDEX messages_open_idx ON messages (status, created_at)
      WHERE status IN ('accepted', 'held', 'queued', 'submitted');

    -- One row per part handed to a carrier: the PostgreSQL side of the
    -- carrier-id -> message map (Redis holds the hot copy).
    CREATE TABLE message_parts (
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      part_index integer NOT NULL,
      carrier_id uuid NOT NULL REFERENCES carriers(id),
      carrier_message_id text NOT NULL,
      status text NOT NULL DEFAULT 'submitted',
      submitted_at timestamptz NOT NULL DEFAULT now(),
      done_at timestamptz,
      error_code text,
      PRIMARY KEY (message_id, part_index)
    );
    CREATE INDEX message_parts_carrier_idx ON message_parts (carrier_id, carrier_message_id);

    -- Every transition, once: (message_id, status) is unique, so re-running a batch adds nothing twice.
    CREATE TABLE message_events (
      id bigserial PRIMARY KEY,
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      status text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      detail jsonb NOT NULL DEFAULT '{}',
      UNIQUE (message_id, status)
    );

    -- Signed rows; per account they sum to accounts.balance. At most one charge
    -- and one refund per message.
    CREATE TABLE ledger (
      id bigserial PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id),
      message_id uuid REFERENCES messages(id),
      kind text NOT NULL CHECK (kind IN ('credit', 'charge', 'refund')),
      amount bigint NOT NULL,
      reference text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((kind = 'charge' AND amount <= 0) OR (kind <> 'charge' AND amount >= 0)),
      CHECK (kind = 'credit' OR message_id IS NOT NULL)
    );
    CREATE UNIQUE INDEX ledger_message_kind_idx ON ledger (message_id, kind) WHERE message_id IS NOT NULL;
    CREATE INDEX ledger_account_idx ON ledger (account_id, id);

    CREATE TABLE mo_messages (
      id uuid PRIMARY KEY,
      carrier_id uuid REFERENCES carriers(id),
      app_id uuid REFERENCES apps(id),
      from_number text NOT NULL,
      to_number text NOT NULL,
      text text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX mo_messages_app_idx ON mo_messages (app_id, id DESC);

    -- Receipts no message claimed: stored and counted, never dropped silently.
    CREATE TABLE unmatched_receipts (
      id bigserial PRIMARY KEY,
      carrier_id uuid,
      carrier_message_id text NOT NULL,
      stat text,
      received_at timestamptz NOT NULL DEFAULT now()
    );

    -- Process-wide settings the gateway generates once (e.g. the key that encrypts signing secrets).
    CREATE TABLE settings (
      name text PRIMARY KEY,
      value text NOT NULL
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS settings, unmatched_receipts, mo_messages, ledger, message_events,
      message_parts, messages, config_versions, routes, carriers, apps, accounts CASCADE;
  `);
}
