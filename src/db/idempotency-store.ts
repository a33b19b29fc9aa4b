/**
 * Idempotency keys of HTTP submissions: one row per (app, key) holding the
 * hash of the request body and the response it got, stored in the same
 * transaction as the batch's messages, so a key exists exactly when its
 * messages do. Rows live 24 h (KEY_TTL_HOURS): an older row is ignored by
 * find(), may be replaced by a new submission with the same key, and is
 * deleted by sweep().
 */
import type { Knex } from 'knex';
import type { IdempotencyClaim, IdempotentInsert, StoredResponse } from '../pipeline/accept-limits';
import type { NewMessage } from '../pipeline/types';
import type { Db } from './knex';
import { exec, query } from './sql';

export const KEY_TTL_HOURS = 24;

type InsertMessages = (messages: readonly NewMessage[], trx: Knex.Transaction) => Promise<void>;

export class IdempotencyStore implements IdempotentInsert {
  constructor(
    private readonly db: Db,
    /** MessageStore.insertAccepted, run inside the transaction. */
    private readonly insertMessages: InsertMessages,
  ) {}

  async find(appId: string, key: string): Promise<StoredResponse | undefined> {
    const rows = await query<{ body_hash: string; status_code: number; response: unknown }>(
      this.db,
      `SELECT body_hash, status_code, response FROM idempotency_keys
        WHERE app_id = ? AND key = ? AND created_at > now() - ? * interval '1 hour'`,
      [appId, key, KEY_TTL_HOURS],
    );
    const row = rows[0];
    return row && { bodyHash: row.body_hash, statusCode: row.status_code, response: row.response };
  }

  /**
   * In one transaction: the claims (a live row with the same key wins over a
   * claim: ON CONFLICT), then the messages of every group whose claim was
   * stored or that has none. Returns per group whether it was stored.
   */
  async insertWithKeys(groups: ReadonlyArray<{ messages: readonly NewMessage[]; claim?: IdempotencyClaim }>): Promise<boolean[]> {
    return this.db.transaction(async (trx) => {
      const claims = groups.flatMap((g) => (g.claim ? [g.claim] : []));
      const won = await storeClaims(trx, claims);
      const winners = new Set(won.map((w) => `${w.app_id}\n${w.key}`));
      const stored = groups.map((g) => !g.claim || winners.has(`${g.claim.appId}\n${g.claim.key}`));
      const messages = groups.flatMap((g, i) => (stored[i] ? g.messages : []));
      if (messages.length > 0) await this.insertMessages(messages, trx);
      return stored;
    });
  }

  /** Drops the keys of a batch that was not acknowledged after all (its job could not be enqueued). */
  async forget(claims: readonly IdempotencyClaim[]): Promise<void> {
    if (claims.length === 0) return;
    await exec(this.db, `DELETE FROM idempotency_keys WHERE (app_id, key) IN (SELECT * FROM unnest(?::uuid[], ?::text[]))`, [
      claims.map((c) => c.appId),
      claims.map((c) => c.key),
    ]);
  }

  /** Deletes expired keys; returns how many. */
  async sweep(): Promise<number> {
    const rows = await query<{ n: number }>(
      this.db,
      `WITH d AS (DELETE FROM idempotency_keys WHERE created_at <= now() - ? * interval '1 hour' RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [KEY_TTL_HOURS],
    );
    return rows[0]?.n ?? 0;
  }
}

/**
 * Stores claims inside the caller's transaction; a live row with the same key wins (ON CONFLICT).
 * Returns the claims stored. Batches (db/batch-store.ts) store their key with the batch this way.
 */
export async function storeClaims(trx: Knex.Transaction, claims: readonly IdempotencyClaim[]): Promise<Array<{ app_id: string; key: string }>> {
  if (claims.length === 0) return [];
  return query<{ app_id: string; key: string }>(
    trx,
    `INSERT INTO idempotency_keys (app_id, key, body_hash, status_code, response)
     SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::int[], ?::jsonb[])
     ON CONFLICT (app_id, key) DO UPDATE
       SET body_hash = EXCLUDED.body_hash, status_code = EXCLUDED.status_code,
           response = EXCLUDED.response, created_at = now()
       WHERE idempotency_keys.created_at <= now() - ? * interval '1 hour'
     RETURNING app_id, key`,
    [
      claims.map((c) => c.appId),
      claims.map((c) => c.key),
      claims.map((c) => c.bodyHash),
      claims.map((c) => c.statusCode),
      claims.map((c) => JSON.stringify(c.response)),
      KEY_TTL_HOURS,
    ],
  );
}
