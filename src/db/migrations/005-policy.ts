/**
 * Content rules, held review and templates (issue 7).
 *
 * - `rules`: operator-wide (no account), per-account or per-app content rules;
 *   config_versions('rules') is bumped with every change so every process
 *   reloads its compiled rule set (polled like the routing table).
 * - `templates`: an app's message templates with placeholders and an optional
 *   rate policy per destination number; usable once approved.
 *   config_versions('templates') is bumped on every change.
 * - messages.template_id: the approved template a message was made from (its
 *   review skips hold rules); no foreign key, so a template can be deleted
 *   while its messages stay.
 * - A partial index over held messages for the review queue and its timeout sweep.
 */
import type { Knex } from 'knex';

export const name = '005-policy';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE rules (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('keyword', 'regex', 'url', 'sender', 'number')),
      keywords text[] NOT NULL DEFAULT '{}',
      pattern text,
      action text NOT NULL CHECK (action IN ('pass', 'hold', 'reject')),
      account_id uuid REFERENCES accounts(id),
      app_id uuid REFERENCES apps(id),
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (app_id IS NULL OR account_id IS NOT NULL)
    );
    CREATE INDEX rules_account_idx ON rules (account_id);
    INSERT INTO config_versions (name, version) VALUES ('rules', 1) ON CONFLICT (name) DO NOTHING;

    CREATE TABLE templates (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      app_id uuid NOT NULL REFERENCES apps(id),
      name text NOT NULL,
      body text NOT NULL,
      rate_per_minute integer CHECK (rate_per_minute > 0),
      rate_per_day integer CHECK (rate_per_day > 0),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
      created_by text NOT NULL,
      decided_by text,
      decided_at timestamptz,
      decision_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (app_id, name)
    );
    INSERT INTO config_versions (name, version) VALUES ('templates', 1) ON CONFLICT (name) DO NOTHING;

    ALTER TABLE messages ADD COLUMN template_id uuid;
    CREATE INDEX messages_held_idx ON messages (id) WHERE status = 'held';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS messages_held_idx;
    ALTER TABLE messages DROP COLUMN IF EXISTS template_id;
    DROP TABLE IF EXISTS templates, rules;
    DELETE FROM config_versions WHERE name IN ('rules', 'templates');
  `);
}
