/**
 * Batches (campaigns): the batch row and its recipients, expansion into
 * messages a chunk per transaction (the batch row locked, so a cancel and an
 * expansion never interleave), progress from one grouped query plus the
 * ledger, and cancellation (the batch's or one message's) of what no carrier
 * has yet: accepted, held, or queued without a live dispatch claim, ended
 * `rejected` CANCELLED and refunded through finalizeIn (as the validity
 * sweep does), a chunk per transaction with the rows locked first.
 */
import type { PlannedRecipient } from '../campaigns/batch-plan';
import type { BatchExpansionStore, ExpandedChunk, NewBatch } from '../campaigns/ports';
import { REFUNDED_STATUSES } from '../core/lifecycle';
import type { IdempotencyClaim } from '../pipeline/accept-limits';
import type { Finalization, Finalized, Priority } from '../pipeline/types';
import { storeClaims } from './idempotency-store';
import type { Db } from './knex';
import { scopeConditions, type MessageScope } from './message-queries';
import { finalizeIn } from './message-store';
import { exec, query } from './sql';

/** Messages per cancel transaction. */
const CANCEL_CHUNK = 1000;

const CANCELLED: Omit<Finalization, 'id'> = { status: 'rejected', errorCode: 'CANCELLED', detail: { reason: 'cancelled' } };

export interface BatchRecord extends NewBatch {
  readonly total: number;
  readonly created: number;
  readonly cancelledAt: Date | null;
  readonly createdAt: Date;
}

export interface BatchCounts {
  /** Messages per status. */
  readonly statuses: Record<string, number>;
  /** Rejected with errorCode CANCELLED. */
  readonly cancelled: number;
  /** Messages with a refund row. */
  readonly refunded: number;
  /** Minor units charged (positive). */
  readonly charged: number;
  /** Minor units refunded (positive). */
  readonly refundedAmount: number;
  /** Messages not in a final status. */
  readonly open: number;
}

/** Which batches a caller sees: fields present must match (empty: operators). */
export type BatchScope = MessageScope;

interface BatchRow {
  id: string;
  account_id: string;
  app_id: string;
  text: string | null;
  template_id: string | null;
  from_addr: string | null;
  priority: Priority;
  callback_url: string | null;
  validity_seconds: number;
  schedule_at: Date | null;
  total: number;
  created: number;
  cancelled_at: Date | null;
  created_at: Date;
}

function toBatch(r: BatchRow): BatchRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    appId: r.app_id,
    text: r.text,
    templateId: r.template_id,
    from: r.from_addr,
    priority: r.priority,
    callbackUrl: r.callback_url,
    validitySeconds: r.validity_seconds,
    scheduleAt: r.schedule_at,
    total: r.total,
    created: r.created,
    cancelledAt: r.cancelled_at,
    createdAt: r.created_at,
  };
}

export class PgBatchStore implements BatchExpansionStore {
  constructor(private readonly db: Db) {}

  async create(batch: NewBatch, recipients: readonly PlannedRecipient[], claim?: IdempotencyClaim): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      // The key first: when it is taken, nothing else is written.
      if (claim && (await storeClaims(trx, [claim])).length === 0) return false;
      await exec(
        trx,
        `INSERT INTO batches (id, account_id, app_id, text, template_id, from_addr, priority, callback_url, validity_seconds, schedule_at, total)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [batch.id, batch.accountId, batch.appId, batch.text, batch.templateId, batch.from, batch.priority, batch.callbackUrl,
          batch.validitySeconds, batch.scheduleAt?.toISOString() ?? null, recipients.length],
      );
      // A text batch stores its text once (on the batch); a template batch each recipient's rendering.
      const perRecipientText = batch.text === null;
      await exec(
        trx,
        `INSERT INTO batch_recipients (batch_id, seq, to_number, text, price, parts, encoding, message_id)
         SELECT ?, seq, to_number, text, price, parts, encoding, message_id
         FROM unnest(?::int[], ?::text[], ?::text[], ?::bigint[], ?::int[], ?::text[], ?::uuid[])
           AS t(seq, to_number, text, price, parts, encoding, message_id)`,
        [
          batch.id,
          recipients.map((r) => r.seq),
          recipients.map((r) => r.to),
          recipients.map((r) => (perRecipientText ? r.text : '')),
          recipients.map((r) => r.price),
          recipients.map((r) => r.parts),
          recipients.map((r) => r.encoding),
          recipients.map((r) => r.messageId),
        ],
      );
      return true;
    });
  }

  async abandon(batchId: string, claim?: IdempotencyClaim): Promise<void> {
    await exec(this.db, 'UPDATE batches SET cancelled_at = now() WHERE id = ? AND cancelled_at IS NULL', [batchId]);
    if (claim) await exec(this.db, 'DELETE FROM idempotency_keys WHERE app_id = ? AND key = ?', [claim.appId, claim.key]);
  }

  async acceptedMessages(batchId: string): Promise<Array<{ id: string; scheduleAt: Date | null }>> {
    const rows = await query<{ id: string; schedule_at: Date | null }>(
      this.db,
      `SELECT id, schedule_at FROM messages WHERE batch_id = ? AND status = 'accepted' ORDER BY id`,
      [batchId],
    );
    return rows.map((r) => ({ id: r.id, scheduleAt: r.schedule_at }));
  }

  async expandChunk(batchId: string, chunkSize: number): Promise<ExpandedChunk> {
    return this.db.transaction(async (trx) => {
      const [batch] = await query<BatchRow>(trx, 'SELECT * FROM batches WHERE id = ? FOR UPDATE', [batchId]);
      if (!batch) return { ids: [], fromSeq: 0, scheduleAt: null, done: true };
      if (batch.cancelled_at || batch.created >= batch.total) {
        await exec(trx, 'UPDATE batches SET expanded_at = coalesce(expanded_at, now()) WHERE id = ?', [batchId]);
        // The recipients served expansion only; the messages hold everything from here on.
        await exec(trx, 'DELETE FROM batch_recipients WHERE batch_id = ?', [batchId]);
        return { ids: [], fromSeq: batch.created, scheduleAt: batch.schedule_at, done: true };
      }
      // The messages exactly as a single HTTP submission makes them (channel http, registered
      // delivery, validity from the release time), priced when the batch was accepted.
      const rows = await query<{ id: string }>(
        trx,
        `WITH r AS (
           SELECT * FROM batch_recipients WHERE batch_id = ? AND seq >= ? AND seq < ? ORDER BY seq
         ), m AS (
           INSERT INTO messages (id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                                 status, priority, reference, callback_url, registered_delivery, valid_until, template_id,
                                 schedule_at, batch_id)
           SELECT r.message_id, b.account_id, b.app_id, 'http', r.to_number, b.from_addr, coalesce(b.text, r.text), r.encoding,
                  r.parts, r.price, 'accepted', b.priority, NULL, b.callback_url, true,
                  greatest(coalesce(b.schedule_at, now()), now()) + b.validity_seconds * interval '1 second',
                  b.template_id, b.schedule_at, b.id
           FROM r CROSS JOIN batches b WHERE b.id = ?
           ON CONFLICT (id) DO NOTHING
           RETURNING id, created_at
         ), ev AS (
           INSERT INTO message_events (message_id, status, at) SELECT id, 'accepted', created_at FROM m
         )
         SELECT id FROM m ORDER BY id`,
        [batchId, batch.created, batch.created + chunkSize, batchId],
      );
      const next = Math.min(batch.total, batch.created + chunkSize);
      await exec(
        trx,
        `UPDATE batches SET created = ?, expanded_at = CASE WHEN ? >= total THEN now() ELSE expanded_at END WHERE id = ?`,
        [next, next, batchId],
      );
      if (next >= batch.total) await exec(trx, 'DELETE FROM batch_recipients WHERE batch_id = ?', [batchId]);
      return { ids: rows.map((r) => r.id), fromSeq: batch.created, scheduleAt: batch.schedule_at, done: next >= batch.total };
    });
  }

  async get(scope: BatchScope, id: string): Promise<BatchRecord | undefined> {
    const { conditions, params } = scopeConditions(scope);
    const rows = await query<BatchRow>(this.db, `SELECT * FROM batches WHERE ${['id = ?', ...conditions].join(' AND ')}`, [id, ...params]);
    return rows[0] ? toBatch(rows[0]) : undefined;
  }

  /** Newest first, cursor = the last id of the previous page. */
  async list(scope: BatchScope, options: { cursor?: string; limit: number }): Promise<{ items: BatchRecord[]; nextCursor: string | null }> {
    const { conditions, params } = scopeConditions(scope);
    if (options.cursor) {
      conditions.push('id < ?::uuid');
      params.push(options.cursor);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = await query<BatchRow>(this.db, `SELECT * FROM batches ${where} ORDER BY id DESC LIMIT ?`, [...params, options.limit + 1]);
    const items = rows.slice(0, options.limit).map(toBatch);
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1]!.id : null };
  }

  /** Per-status counts of the batch's messages and the ledger's charges and refunds for them, in one statement. */
  async counts(batchId: string): Promise<BatchCounts> {
    const rows = await query<{ status: string | null; n: number; cancelled: number; charged: number; refunded_amount: number; refunded: number }>(
      this.db,
      `WITH s AS (
         SELECT status, count(*)::int AS n, count(*) FILTER (WHERE error_code = 'CANCELLED')::int AS cancelled
         FROM messages WHERE batch_id = ? GROUP BY status
       ), l AS (
         SELECT coalesce(sum(0 - amount) FILTER (WHERE kind = 'charge'), 0)::bigint AS charged,
                coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0)::bigint AS refunded_amount,
                count(*) FILTER (WHERE kind = 'refund')::int AS refunded
         FROM ledger WHERE message_id IN (SELECT id FROM messages WHERE batch_id = ?)
       )
       SELECT s.status, coalesce(s.n, 0) AS n, coalesce(s.cancelled, 0) AS cancelled, l.charged, l.refunded_amount, l.refunded
       FROM l LEFT JOIN s ON true`,
      [batchId, batchId],
    );
    const statuses: Record<string, number> = {};
    let cancelled = 0;
    let open = 0;
    for (const r of rows) {
      if (r.status === null) continue;
      statuses[r.status] = r.n;
      cancelled += r.cancelled;
      if (!['delivered', 'undelivered', 'expired', 'failed', 'rejected'].includes(r.status)) open += r.n;
    }
    const first = rows[0];
    return { statuses, cancelled, refunded: first?.refunded ?? 0, charged: first?.charged ?? 0, refundedAmount: first?.refunded_amount ?? 0, open };
  }

  /**
   * Marks the batch cancelled (expansion creates nothing more from then on),
   * then ends its messages that no carrier has and no live dispatch claim
   * holds. Answers what it finalized; undefined when there is no such batch
   * in the scope.
   */
  async cancelBatch(scope: BatchScope, batchId: string, claimLeaseMs: number): Promise<{ batch: BatchRecord; finalized: Finalized[] } | undefined> {
    const { conditions, params } = scopeConditions(scope);
    // Waits for a running expansion chunk (it holds the row) and then stops the next one.
    const marked = await query<BatchRow>(
      this.db,
      `UPDATE batches SET cancelled_at = coalesce(cancelled_at, now()) WHERE ${['id = ?', ...conditions].join(' AND ')} RETURNING *`,
      [batchId, ...params],
    );
    if (!marked[0]) return undefined;
    const finalized: Finalized[] = [];
    let idleRounds = 0;
    for (;;) {
      const chunk = await this.db.transaction(async (trx) => {
        const rows = await query<{ id: string }>(
          trx,
          `SELECT id FROM messages
           WHERE batch_id = ? AND status IN ('accepted', 'held', 'queued')
             AND (dispatch_job IS NULL OR dispatch_claimed_at < now() - ? * interval '1 millisecond')
           ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
          [batchId, claimLeaseMs, CANCEL_CHUNK],
        );
        return finalizeIn(trx, rows.map((r) => ({ id: r.id, ...CANCELLED })), REFUNDED_STATUSES);
      });
      finalized.push(...chunk);
      if (chunk.length > 0) {
        idleRounds = 0;
        continue;
      }
      // Rows another transaction holds (a review charging them) were skipped: look again shortly.
      const [left] = await query<{ n: number }>(
        this.db,
        `SELECT count(*)::int AS n FROM messages
         WHERE batch_id = ? AND status IN ('accepted', 'held', 'queued')
           AND (dispatch_job IS NULL OR dispatch_claimed_at < now() - ? * interval '1 millisecond')`,
        [batchId, claimLeaseMs],
      );
      if (!left || left.n === 0 || ++idleRounds > 20) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { batch: toBatch(marked[0]), finalized };
  }

  /**
   * Ends one message as rejected CANCELLED (refunded when charged). 'not-found' outside the
   * scope; 'conflict' when a carrier has it, a live dispatch claim holds it, or it is final.
   */
  async cancelMessage(
    scope: BatchScope,
    id: string,
    claimLeaseMs: number,
  ): Promise<{ outcome: 'cancelled'; finalized: Finalized } | { outcome: 'not-found' } | { outcome: 'conflict'; status: string }> {
    const { conditions, params } = scopeConditions(scope);
    return this.db.transaction(async (trx) => {
      const [row] = await query<{ id: string; status: string; live_claim: boolean }>(
        trx,
        `SELECT id, status, (dispatch_job IS NOT NULL AND dispatch_claimed_at >= now() - ? * interval '1 millisecond') AS live_claim
         FROM messages WHERE ${['id = ?', ...conditions].join(' AND ')} FOR UPDATE`,
        [claimLeaseMs, id, ...params],
      );
      if (!row) return { outcome: 'not-found' as const };
      const cancellable = row.status === 'accepted' || row.status === 'held' || (row.status === 'queued' && !row.live_claim);
      if (!cancellable) return { outcome: 'conflict' as const, status: row.status };
      const [finalized] = await finalizeIn(trx, [{ id, ...CANCELLED }], REFUNDED_STATUSES);
      if (!finalized) return { outcome: 'conflict' as const, status: row.status };
      return { outcome: 'cancelled' as const, finalized };
    });
  }

  /** Batches not fully expanded and not cancelled (queue-loss recovery re-enqueues their expansion). */
  async unexpanded(): Promise<string[]> {
    const rows = await query<{ id: string }>(this.db, 'SELECT id FROM batches WHERE expanded_at IS NULL AND cancelled_at IS NULL ORDER BY id');
    return rows.map((r) => r.id);
  }
}
