/**
 * What an SMPP bind may do to a message it submitted: query_sm reads it;
 * cancel_sm and replace_sm change it only while no carrier can have it
 * (status accepted/held/queued, no dispatch claim, no part handed to a
 * carrier). The row lock taken here and dispatch's claim UPDATE serialise,
 * so a message is either cancelled or claimed, never both.
 */
import type { MessageStatus } from '../core/lifecycle';
import type { Finalized, MessageRecord } from '../pipeline/types';
import type { Db } from './knex';
import { toMessageRecord, type MessageRow } from './message-rows';
import { exec, query, type Executor } from './sql';

const CHANGEABLE: readonly MessageStatus[] = ['accepted', 'held', 'queued'];

export interface StoredMessage extends MessageRecord {
  readonly updatedAt: Date;
}

export interface Replacement {
  readonly text: string;
  readonly encoding: 'gsm7' | 'ucs2';
  readonly parts: number;
  readonly price: number;
  readonly validUntil: Date;
  readonly registeredDelivery: boolean;
}

export type ChangeResult<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'too-late'; readonly status: MessageStatus }
  | { readonly kind: 'price-changed'; readonly charged: number; readonly price: number };

type Row = MessageRow & { updated_at: Date; dispatch_job: string | null };

export class EsmeMessageStore {
  constructor(private readonly db: Db) {}

  async find(appId: string, id: string): Promise<StoredMessage | undefined> {
    const rows = await query<Row>(this.db, 'SELECT * FROM messages WHERE id = ? AND app_id = ?', [id, appId]);
    return rows[0] ? { ...toMessageRecord(rows[0]), updatedAt: rows[0].updated_at } : undefined;
  }

  /** Ends the message `rejected` with errorCode, refunding its charge if it had one. */
  async cancel(appId: string, id: string, errorCode: string): Promise<ChangeResult<Finalized>> {
    return this.db.transaction(async (trx) => {
      const locked = await this.lockChangeable(trx, appId, id);
      if (locked.kind !== 'done') return locked;
      const rows = await query<Row>(trx, `UPDATE messages SET status = 'rejected', error_code = ?, updated_at = now() WHERE id = ? RETURNING *`, [errorCode, id]);
      await exec(trx, `INSERT INTO message_events (message_id, status, detail) VALUES (?, 'rejected', ?::jsonb) ON CONFLICT (message_id, status) DO NOTHING`, [
        id,
        JSON.stringify({ reason: 'cancelled', errorCode }),
      ]);
      const refunds = await query<{ account_id: string; amount: number }>(
        trx,
        `INSERT INTO ledger (account_id, message_id, kind, amount)
         SELECT account_id, message_id, 'refund', 0 - amount FROM ledger WHERE kind = 'charge' AND message_id = ?
         ON CONFLICT (message_id, kind) WHERE message_id IS NOT NULL DO NOTHING
         RETURNING account_id, amount`,
        [id],
      );
      const refunded = refunds.reduce((sum, r) => sum + r.amount, 0);
      for (const r of refunds) await exec(trx, 'UPDATE accounts SET balance = balance + ? WHERE id = ?', [r.amount, r.account_id]);
      const message = toMessageRecord(rows[0]!);
      return { kind: 'done', value: { message, status: 'rejected', errorCode, refunded, at: new Date() } };
    });
  }

  /**
   * Replaces text (and what follows from it) while the message is
   * changeable. `compute` sees the current message and returns the new
   * values (it may throw to refuse). A charged (queued) message keeps its
   * charge, so a replacement that changes the price is refused.
   */
  async replace(appId: string, id: string, compute: (current: MessageRecord) => Replacement): Promise<ChangeResult<MessageRecord>> {
    return this.db.transaction(async (trx) => {
      const locked = await this.lockChangeable(trx, appId, id);
      if (locked.kind !== 'done') return locked;
      const current = locked.value;
      const next = compute(current);
      if (current.status === 'queued' && next.price !== current.price) {
        return { kind: 'price-changed', charged: current.price, price: next.price };
      }
      const rows = await query<Row>(
        trx,
        `UPDATE messages SET text = ?, encoding = ?, parts = ?, price = ?, valid_until = ?, registered_delivery = ?, updated_at = now()
         WHERE id = ? RETURNING *`,
        [next.text, next.encoding, next.parts, next.price, next.validUntil, next.registeredDelivery, id],
      );
      return { kind: 'done', value: toMessageRecord(rows[0]!) };
    });
  }

  private async lockChangeable(trx: Executor, appId: string, id: string): Promise<ChangeResult<MessageRecord>> {
    const rows = await query<Row & { has_parts: boolean }>(
      trx,
      `SELECT m.*, EXISTS (SELECT 1 FROM message_parts p WHERE p.message_id = m.id) AS has_parts
       FROM messages m WHERE m.id = ? AND m.app_id = ? FOR UPDATE`,
      [id, appId],
    );
    const row = rows[0];
    if (!row) return { kind: 'not-found' };
    if (!CHANGEABLE.includes(row.status) || row.dispatch_job !== null || row.has_parts) return { kind: 'too-late', status: row.status };
    return { kind: 'done', value: toMessageRecord(row) };
  }
}
