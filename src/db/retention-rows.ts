/**
 * Retention of the tables beside the messages (src/retention): inbound
 * (MO) messages and unmatched receipts by received_at, and campaign
 * batches by created_at once none of their messages is left (a batch
 * scheduled weeks ahead keeps its row while its messages exist). Each
 * call deletes at most `limit` rows per table, so a run stays bounded.
 */
import type { Db } from './knex';
import { query } from './sql';

export interface OldRowsDeleted {
  readonly mo: number;
  readonly unmatchedReceipts: number;
  readonly batches: number;
}

export async function deleteOldSideRows(db: Db, before: Date, limit: number): Promise<OldRowsDeleted> {
  const count = async (sql: string): Promise<number> => (await query<{ n: number }>(db, sql, [before, limit]))[0]?.n ?? 0;
  const mo = await count(
    `WITH d AS (DELETE FROM mo_messages WHERE id IN (SELECT id FROM mo_messages WHERE received_at < ? LIMIT ?) RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
  );
  const unmatchedReceipts = await count(
    `WITH d AS (DELETE FROM unmatched_receipts WHERE id IN (SELECT id FROM unmatched_receipts WHERE received_at < ? LIMIT ?) RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
  );
  // batch_recipients go with their batch (ON DELETE CASCADE).
  const batches = await count(
    `WITH d AS (
       DELETE FROM batches WHERE id IN (
         SELECT b.id FROM batches b
          WHERE b.created_at < ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.batch_id = b.id)
          LIMIT ?)
       RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
  );
  return { mo, unmatchedReceipts, batches };
}
