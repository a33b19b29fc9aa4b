/**
 * The audit trail (issues 7 and 8): who changed what, when, and how. Rows are
 * only ever inserted; `before` and `after` hold the changed entity's JSON.
 */
import type { Knex } from 'knex';

export const name = '004-audit';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      -- 'operator' (ADMIN_TOKEN), 'user:<uuid>' or 'system' (timers such as the held-review timeout).
      actor text NOT NULL,
      action text NOT NULL,
      entity text NOT NULL,
      entity_id text,
      before jsonb,
      after jsonb,
      detail jsonb
    );
    CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
    CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE audit_log');
}
