/**
 * The dead-letter queue: messages whose dispatch attempts ran out. The
 * message itself stays `queued` (charged, not final) and unclaimable
 * (MessageStore.claim skips active entries) until an operator requeues it
 * or its validity ends (the validity sweeper then ends it expired and
 * refunded). Active = requeued_at IS NULL and the message still queued;
 * one row per message, reused when it is dead-lettered again.
 */
import type { DeadLetter, DeadLetterEntry, DeadLetterStore } from '../pipeline/ports';
import type { Db } from './knex';
import { toMessageRecord, type MessageRow } from './message-rows';
import { exec, query } from './sql';

type DeadLetterRow = MessageRow & {
  dl_reason: string;
  dl_attempts: number;
  dl_requeues: number;
  dl_detail: Record<string, unknown>;
  dl_dead_at: Date;
};

const ACTIVE = `d.requeued_at IS NULL AND m.status = 'queued'`;

const SELECT_DEAD = `
  SELECT m.*, d.reason AS dl_reason, d.attempts AS dl_attempts, d.requeues AS dl_requeues, d.detail AS dl_detail, d.dead_at AS dl_dead_at
  FROM dead_letters d JOIN messages m ON m.id = d.message_id`;

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    message: toMessageRecord(row),
    reason: row.dl_reason,
    attempts: row.dl_attempts,
    requeues: row.dl_requeues,
    detail: row.dl_detail,
    deadAt: row.dl_dead_at,
  };
}

export class PgDeadLetterStore implements DeadLetterStore {
  constructor(private readonly db: Db) {}

  async deadLetter(entries: readonly DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.transaction(async (trx) => {
      await exec(
        trx,
        `INSERT INTO dead_letters (message_id, reason, attempts, detail)
         SELECT * FROM unnest(?::uuid[], ?::text[], ?::int[], ?::jsonb[])
         ON CONFLICT (message_id) DO UPDATE SET reason = EXCLUDED.reason, attempts = EXCLUDED.attempts,
           detail = EXCLUDED.detail, dead_at = now(), requeued_at = NULL`,
        [entries.map((e) => e.id), entries.map((e) => e.reason), entries.map((e) => e.attempts), entries.map((e) => JSON.stringify(e.detail))],
      );
      await exec(trx, `UPDATE messages SET dispatch_job = NULL, dispatch_claimed_at = NULL WHERE id = ANY(?::uuid[]) AND status = 'queued'`, [
        entries.map((e) => e.id),
      ]);
    });
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const rows = await query<DeadLetterRow>(this.db, `${SELECT_DEAD} WHERE d.message_id = ? AND ${ACTIVE}`, [id]);
    return rows[0] ? toDeadLetter(rows[0]) : undefined;
  }

  /** Oldest message first (ids are time-ordered); the cursor is the last id of the page. */
  async list(options: { cursor?: string; limit: number }): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
    const rows = await query<DeadLetterRow>(
      this.db,
      `${SELECT_DEAD} WHERE ${ACTIVE} ${options.cursor ? 'AND d.message_id > ?' : ''} ORDER BY d.message_id LIMIT ?`,
      options.cursor ? [options.cursor, options.limit + 1] : [options.limit + 1],
    );
    const items = rows.slice(0, options.limit).map(toDeadLetter);
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1]!.message.id : null };
  }

  async markRequeued(id: string, generation: number): Promise<boolean> {
    const rows = await query<{ message_id: string }>(
      this.db,
      `UPDATE dead_letters d SET requeued_at = now(), requeues = ?
       FROM messages m WHERE m.id = d.message_id AND d.message_id = ? AND ${ACTIVE}
       RETURNING d.message_id`,
      [generation, id],
    );
    return rows.length > 0;
  }

  async unmarkRequeued(id: string): Promise<void> {
    await exec(this.db, 'UPDATE dead_letters SET requeued_at = NULL, requeues = requeues - 1 WHERE message_id = ?', [id]);
  }

  /** Active entries, for the dlq depth gauge. */
  async depth(): Promise<number> {
    const rows = await query<{ n: number }>(this.db, `SELECT count(*)::int AS n FROM dead_letters d JOIN messages m ON m.id = d.message_id WHERE ${ACTIVE}`);
    return rows[0]?.n ?? 0;
  }
}
