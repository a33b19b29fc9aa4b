/**
 * Users, roles and sessions (issue 8).
 *
 * - users: staff (admin, reviewer, finance) and customers; a customer owns
 *   exactly one account (the CHECK ties role and account together). Emails
 *   are unique case-insensitively. Passwords are scrypt hashes.
 * - refresh_tokens: opaque refresh tokens, stored as SHA-256 hashes. Each is
 *   used once: refreshing marks it used and issues the next of the same
 *   family; presenting a used one again revokes the whole family (theft).
 * - revoked_access_tokens: the jti of access tokens revoked by logout, kept
 *   until the token would have expired anyway.
 * - password_resets: one-time reset tokens (hashed), short-lived.
 * - messages_account_idx: a customer user's message list (by account).
 */
import type { Knex } from 'knex';

export const name = '008-users';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text NOT NULL,
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'reviewer', 'finance', 'customer')),
      account_id uuid REFERENCES accounts(id),
      disabled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((role = 'customer') = (account_id IS NOT NULL))
    );
    CREATE UNIQUE INDEX users_email_idx ON users (lower(email));
    CREATE INDEX users_account_idx ON users (account_id) WHERE account_id IS NOT NULL;

    CREATE TABLE refresh_tokens (
      token_hash bytea PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      family uuid NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      used_at timestamptz,
      revoked_at timestamptz
    );
    CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
    CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

    CREATE TABLE revoked_access_tokens (
      jti text PRIMARY KEY,
      expires_at timestamptz NOT NULL
    );

    -- A customer user lists the messages of every app of its account.
    CREATE INDEX messages_account_idx ON messages (account_id, id DESC);

    CREATE TABLE password_resets (
      token_hash bytea PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS messages_account_idx; DROP TABLE IF EXISTS password_resets, revoked_access_tokens, refresh_tokens, users CASCADE');
}
