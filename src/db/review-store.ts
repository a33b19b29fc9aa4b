/**
 * The manual review queue's SQL. Approvals charge through MessageStore's
 * chargeAccepted (from `held`), nested in this store's transaction so the
 * charge, the status move and the audit row commit together; rejections and
 * timeouts go through finalizeIn (guarded moves, events; nothing was charged
 * so nothing is refunded). Each decision locks its message first, so two
 * reviewers (or a reviewer and the timeout sweep) never both decide it.
 */
import { REFUNDED_STATUSES } from '../core/lifecycle';
import { REVIEW_REJECTED, REVIEW_TIMEOUT, type HeldMessage, type HeldReviewStore } from '../pipeline/held-review';
import type { ChargeDecision } from '../pipeline/ports';
import type { Finalized, MessageRecord } from '../pipeline/types';
import { recordAudit, recordAudits } from './audit-store';
import type { Db } from './knex';
import { finalizeIn, MessageStore } from './message-store';
import { toMessageRecord, type MessageRow } from './message-rows';
import { exec, query } from './sql';

export class PgHeldReviewStore implements HeldReviewStore {
  constructor(private readonly db: Db) {}

  async list(options: { cursor?: string; accountId?: string; limit: number }): Promise<{ items: HeldMessage[]; nextCursor: string | null }> {
    const rows = await query<MessageRow & { held_at: Date; held_detail: Record<string, unknown> }>(
      this.db,
      `SELECT m.*, e.at AS held_at, e.detail AS held_detail
       FROM messages m JOIN message_events e ON e.message_id = m.id AND e.status = 'held'
       WHERE m.status = 'held' AND (?::uuid IS NULL OR m.id > ?::uuid) AND (?::uuid IS NULL OR m.account_id = ?::uuid)
       ORDER BY m.id LIMIT ?`,
      [options.cursor ?? null, options.cursor ?? null, options.accountId ?? null, options.accountId ?? null, options.limit + 1],
    );
    const items = rows.slice(0, options.limit).map((r) => ({ message: toMessageRecord(r), heldAt: r.held_at, detail: r.held_detail }));
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1]!.message.id : null };
  }

  async approve(
    id: string,
    actor: string,
    decide: (messages: readonly MessageRecord[], balances: ReadonlyMap<string, number>) => ChargeDecision,
  ): Promise<{ queued: MessageRecord[]; rejected: Finalized[]; charged: number } | undefined> {
    return this.db.transaction(async (trx) => {
      const held = await query<{ id: string }>(trx, `SELECT id FROM messages WHERE id = ? AND status = 'held' FOR UPDATE`, [id]);
      if (!held[0]) return undefined;
      const result = await new MessageStore(trx).chargeAccepted([id], decide, { from: 'held' });
      const queued = result.queued.some((m) => m.id === id);
      // The reviewer goes into the event the approval made (queued, or rejected when the balance fell short).
      await exec(trx, `UPDATE message_events SET detail = detail || ?::jsonb WHERE message_id = ? AND status = ?`, [
        JSON.stringify({ reviewer: actor, decision: 'approve' }),
        id,
        queued ? 'queued' : 'rejected',
      ]);
      const rejected = result.rejected.find((f) => f.message.id === id);
      await recordAudit(trx, {
        actor,
        action: 'approve',
        entity: 'message',
        entityId: id,
        before: { status: 'held' },
        after: queued ? { status: 'queued', charged: result.charged } : { status: 'rejected', errorCode: rejected?.errorCode ?? null },
      });
      return result;
    });
  }

  async reject(id: string, actor: string, reason: string | null): Promise<Finalized | undefined> {
    return this.db.transaction(async (trx) => {
      const held = await query<{ id: string; detail: Record<string, unknown> | null }>(
        trx,
        `SELECT m.id, e.detail FROM messages m LEFT JOIN message_events e ON e.message_id = m.id AND e.status = 'held'
         WHERE m.id = ? AND m.status = 'held' FOR UPDATE OF m`,
        [id],
      );
      if (!held[0]) return undefined;
      const rule = held[0].detail?.rule;
      const [finalized] = await finalizeIn(
        trx,
        [{ id, status: 'rejected', errorCode: REVIEW_REJECTED, detail: { reason: reason ?? 'rejected by a reviewer', reviewer: actor, ...(rule ? { rule } : {}) } }],
        REFUNDED_STATUSES,
      );
      await recordAudit(trx, {
        actor,
        action: 'reject',
        entity: 'message',
        entityId: id,
        before: { status: 'held' },
        after: { status: 'rejected', errorCode: REVIEW_REJECTED },
        detail: { reason, ...(rule ? { rule } : {}) },
      });
      return finalized;
    });
  }

  async rejectOverdue(timeoutSeconds: number, limit: number): Promise<Finalized[]> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ id: string; detail: Record<string, unknown> }>(
        trx,
        `SELECT m.id, e.detail FROM messages m JOIN message_events e ON e.message_id = m.id AND e.status = 'held'
         WHERE m.status = 'held' AND e.at <= now() - ? * interval '1 second'
         ORDER BY m.id LIMIT ? FOR UPDATE OF m SKIP LOCKED`,
        [timeoutSeconds, limit],
      );
      if (rows.length === 0) return [];
      const reason = `not reviewed within ${timeoutSeconds} s`;
      const finalized = await finalizeIn(
        trx,
        rows.map((r) => ({
          id: r.id,
          status: 'rejected' as const,
          errorCode: REVIEW_TIMEOUT,
          detail: { reason, source: 'sweeper', ...(r.detail.rule ? { rule: r.detail.rule } : {}) },
        })),
        REFUNDED_STATUSES,
      );
      await recordAudits(
        trx,
        finalized.map((f) => ({
          actor: 'system',
          action: 'timeout',
          entity: 'message',
          entityId: f.message.id,
          before: { status: 'held' },
          after: { status: 'rejected', errorCode: REVIEW_TIMEOUT },
          detail: { reason, timeoutSeconds },
        })),
      );
      return finalized;
    });
  }
}
