/**
 * Rates, quotas, MO numbers, callback dead letters, idempotency (issue 7).
 *
 * - accounts.credit_limit: postpaid room below zero (minor units; 0 = prepaid);
 * - apps.monthly_quota: messages an app may have accepted per calendar month (UTC; NULL = no quota);
 * - account_rates: per-account price per part by destination prefix (longest prefix wins over the route price);
 * - app_numbers: numbers and short codes owned by apps, optionally per first-word keyword (upper case, '' = any);
 * - dead_callbacks: status and MO webhooks whose attempts ran out;
 * - idempotency_keys: the stored 202 of an HTTP submission per (app, Idempotency-Key), kept 24 h.
 */
import type { Knex } from 'knex';

export const name = '006-billing-mo';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE accounts ADD COLUMN credit_limit bigint NOT NULL DEFAULT 0 CHECK (credit_limit >= 0);
    ALTER TABLE apps ADD COLUMN monthly_quota integer CHECK (monthly_quota >= 0);

    CREATE TABLE account_rates (
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      prefix text NOT NULL CHECK (prefix ~ '^[0-9]{0,15}$'),
      price bigint NOT NULL CHECK (price >= 0),
      PRIMARY KEY (account_id, prefix)
    );

    CREATE TABLE app_numbers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
      number text NOT NULL CHECK (number ~ '^[0-9]{3,15}$'),
      keyword text NOT NULL DEFAULT '' CHECK (keyword = upper(keyword)),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (number, keyword)
    );
    CREATE INDEX app_numbers_app_idx ON app_numbers (app_id, created_at);

    -- Operators list every MO, newest first.
    CREATE INDEX mo_messages_unrouted_idx ON mo_messages (id DESC) WHERE app_id IS NULL;

    CREATE TABLE dead_callbacks (
      id bigserial PRIMARY KEY,
      app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('status', 'mo')),
      url text NOT NULL,
      body text NOT NULL,
      attempts integer NOT NULL,
      last_error text,
      dead_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX dead_callbacks_app_idx ON dead_callbacks (app_id, id);

    CREATE TABLE idempotency_keys (
      app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
      key text NOT NULL,
      body_hash text NOT NULL,
      status_code integer NOT NULL,
      response jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (app_id, key)
    );
    CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS idempotency_keys, dead_callbacks, app_numbers, account_rates;
    DROP INDEX IF EXISTS mo_messages_unrouted_idx;
    ALTER TABLE apps DROP COLUMN IF EXISTS monthly_quota;
    ALTER TABLE accounts DROP COLUMN IF EXISTS credit_limit;
  `);
}
