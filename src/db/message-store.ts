/**
 * Every write of the message pipeline: batch-shaped (unnest arrays, one
 * statement per concern), guarded by status so re-running a batch changes
 * nothing twice, and money moved only through ledger rows whose unique
 * (message_id, kind) makes charge and refund at-most-once.
 */
import type { Knex } from 'knex';
import { sourcesOf, type FinalStatus, MESSAGE_STATUSES } from '../core/lifecycle';
import type {
  AcceptStore,
  ChargeDecision,
  ChargeStore,
  DispatchStore,
  FinalizeStore,
  PartReceipt,
  ReceiptStore,
  SubmittedPart,
} from '../pipeline/ports';
import type { Finalization, Finalized, MessageRecord, NewMessage, ReceiptRecord } from '../pipeline/types';
import type { Db } from './knex';
import { exec, query } from './sql';
import { messageColumns, toMessageRecord, type MessageRow } from './message-rows';

type Executor = Db | Knex.Transaction;

/** (target, source) pairs of every legal move into a final status, for guarded UPDATEs. */
const FINAL_MOVES: ReadonlyArray<readonly [string, string]> = MESSAGE_STATUSES.flatMap((to) =>
  sourcesOf(to).map((from) => [to, from] as const),
);

async function insertEvents(
  db: Executor,
  events: ReadonlyArray<{ id: string; status: string; detail: Readonly<Record<string, unknown>> }>,
): Promise<void> {
  if (events.length === 0) return;
  await exec(db, 
    `INSERT INTO message_events (message_id, status, detail)
     SELECT * FROM unnest(?::uuid[], ?::text[], ?::jsonb[])
     ON CONFLICT (message_id, status) DO NOTHING`,
    [events.map((e) => e.id), events.map((e) => e.status), events.map((e) => JSON.stringify(e.detail))],
  );
}

/** Moves ledger amounts into balances: one UPDATE for every account touched. */
async function applyToBalances(db: Executor, rows: ReadonlyArray<{ account_id: string; amount: number }>): Promise<void> {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.account_id, (totals.get(row.account_id) ?? 0) + row.amount);
  if (totals.size === 0) return;
  await exec(db, 
    `UPDATE accounts a SET balance = a.balance + d.delta
     FROM unnest(?::uuid[], ?::bigint[]) AS d(id, delta) WHERE a.id = d.id`,
    [[...totals.keys()], [...totals.values()]],
  );
}

/**
 * Guarded final transitions, their events and at-most-once refunds, inside
 * the caller's transaction (MessageStore.finalize, and the validity sweeper,
 * which locks its rows first).
 */
export async function finalizeIn(trx: Executor, items: readonly Finalization[], refundable: readonly FinalStatus[]): Promise<Finalized[]> {
  if (items.length === 0) return [];
  const rows = await query<MessageRow>(trx, 
    `UPDATE messages m SET status = t.status, error_code = t.code, dispatch_job = NULL, updated_at = now()
     FROM unnest(?::uuid[], ?::text[], ?::text[]) AS t(id, status, code)
     WHERE m.id = t.id
       AND (t.status, m.status) IN (SELECT * FROM unnest(?::text[], ?::text[]))
     RETURNING m.*`,
    [items.map((i) => i.id), items.map((i) => i.status), items.map((i) => i.errorCode), FINAL_MOVES.map((p) => p[0]), FINAL_MOVES.map((p) => p[1])],
  );
  const byId = new Map(items.map((i) => [i.id, i]));
  await insertEvents(trx, rows.map((r) => ({ id: r.id, status: r.status, detail: { ...byId.get(r.id)!.detail, ...(r.error_code ? { errorCode: r.error_code } : {}) } })));

  const refundIds = rows.filter((r) => (refundable as readonly string[]).includes(r.status)).map((r) => r.id);
  const refunds = new Map<string, number>();
  if (refundIds.length > 0) {
    const refunded = await query<{ account_id: string; message_id: string; amount: number }>(trx, 
      `INSERT INTO ledger (account_id, message_id, kind, amount)
       SELECT account_id, message_id, 'refund', 0 - amount FROM ledger
       WHERE kind = 'charge' AND message_id = ANY(?::uuid[])
       ON CONFLICT (message_id, kind) WHERE message_id IS NOT NULL DO NOTHING
       RETURNING account_id, message_id, amount`,
      [refundIds],
    );
    await applyToBalances(trx, refunded);
    for (const r of refunded) refunds.set(r.message_id, r.amount);
  }
  const at = new Date();
  return rows.map((row) => ({
    message: toMessageRecord(row),
    status: row.status as FinalStatus,
    errorCode: row.error_code,
    refunded: refunds.get(row.id) ?? 0,
    at,
  }));
}

export class MessageStore implements AcceptStore, ChargeStore, DispatchStore, FinalizeStore, ReceiptStore {
  constructor(private readonly db: Db) {}

  async balances(accountIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await query<{ id: string; balance: number }>(this.db, 
      'SELECT id, balance FROM accounts WHERE id = ANY(?::uuid[])',
      [accountIds],
    );
    return new Map(rows.map((r) => [r.id, r.balance]));
  }

  async insertAccepted(messages: readonly NewMessage[]): Promise<void> {
    await exec(this.db, 
      `WITH m AS (
         INSERT INTO messages (id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                               status, priority, reference, callback_url, registered_delivery, valid_until)
         SELECT id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                'accepted', priority, reference, callback_url, rd, valid_until
         FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                     ?::int[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::timestamptz[])
           AS t(id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                priority, reference, callback_url, rd, valid_until)
         ON CONFLICT (id) DO NOTHING
         RETURNING id, created_at)
       INSERT INTO message_events (message_id, status, at) SELECT id, 'accepted', created_at FROM m`,
      messageColumns(messages),
    );
  }

  async abandonAccepted(ids: readonly string[], reason: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      const rows = await query<{ id: string }>(trx, 
        `UPDATE messages SET status = 'failed', error_code = 'QUEUE_UNAVAILABLE', updated_at = now()
         WHERE id = ANY(?::uuid[]) AND status = 'accepted' RETURNING id`,
        [ids],
      );
      await insertEvents(trx, rows.map((r) => ({ id: r.id, status: 'failed', detail: { reason } })));
    });
  }

  async chargeAccepted(
    ids: readonly string[],
    decide: (messages: readonly MessageRecord[], balances: ReadonlyMap<string, number>) => ChargeDecision,
  ): Promise<{ queued: MessageRecord[]; rejected: Finalized[]; charged: number }> {
    return this.db.transaction(async (trx) => {
      const rows = await query<MessageRow>(trx, 
        `SELECT * FROM messages WHERE id = ANY(?::uuid[]) AND status = 'accepted' ORDER BY id FOR UPDATE`,
        [ids],
      );
      const messages = rows.map(toMessageRecord);
      const accountIds = [...new Set(messages.map((m) => m.accountId))].sort();
      const accounts = await query<{ id: string; balance: number }>(trx, 
        'SELECT id, balance FROM accounts WHERE id = ANY(?::uuid[]) ORDER BY id FOR UPDATE',
        [accountIds],
      );
      const decision = decide(messages, new Map(accounts.map((a) => [a.id, a.balance])));
      const byId = new Map(messages.map((m) => [m.id, m]));
      const toCharge = decision.queue.map((id) => byId.get(id)!).filter(Boolean);
      let chargedTotal = 0;

      if (toCharge.length > 0) {
        const charged = await query<{ account_id: string; amount: number }>(trx, 
          `INSERT INTO ledger (account_id, message_id, kind, amount)
           SELECT a, m, 'charge', 0 - p FROM unnest(?::uuid[], ?::uuid[], ?::bigint[]) AS t(a, m, p)
           ON CONFLICT (message_id, kind) WHERE message_id IS NOT NULL DO NOTHING
           RETURNING account_id, amount`,
          [toCharge.map((m) => m.accountId), toCharge.map((m) => m.id), toCharge.map((m) => m.price)],
        );
        await applyToBalances(trx, charged);
        chargedTotal = -charged.reduce((sum, row) => sum + row.amount, 0);
        await exec(trx, `UPDATE messages SET status = 'queued', updated_at = now() WHERE id = ANY(?::uuid[])`, [
          toCharge.map((m) => m.id),
        ]);
        await insertEvents(trx, toCharge.map((m) => ({ id: m.id, status: 'queued', detail: { charged: m.price } })));
      }

      const rejected: Finalized[] = [];
      if (decision.reject.length > 0) {
        await exec(trx, 
          `UPDATE messages m SET status = 'rejected', error_code = r.reason, updated_at = now()
           FROM unnest(?::uuid[], ?::text[]) AS r(id, reason) WHERE m.id = r.id`,
          [decision.reject.map((r) => r.id), decision.reject.map((r) => r.reason)],
        );
        await insertEvents(trx, decision.reject.map((r) => ({ id: r.id, status: 'rejected', detail: { reason: r.reason } })));
        const at = new Date();
        for (const r of decision.reject) {
          const message = byId.get(r.id);
          if (message) rejected.push({ message, status: 'rejected', errorCode: r.reason, refunded: 0, at });
        }
      }

      const queued = await query<MessageRow>(trx, 
        `SELECT * FROM messages WHERE id = ANY(?::uuid[]) AND status = 'queued'`,
        [ids],
      );
      return { queued: queued.map(toMessageRecord), rejected, charged: chargedTotal };
    });
  }

  async claim(ids: readonly string[], jobId: string, leaseMs: number): Promise<MessageRecord[]> {
    const rows = await query<MessageRow>(this.db, 
      `UPDATE messages SET dispatch_job = ?, dispatch_claimed_at = now()
       WHERE id = ANY(?::uuid[]) AND status = 'queued'
         AND (dispatch_job IS NULL OR dispatch_job = ? OR dispatch_claimed_at < now() - ? * interval '1 millisecond')
         AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.message_id = messages.id AND d.requeued_at IS NULL)
       RETURNING *`,
      [jobId, ids, jobId, leaseMs],
    );
    return rows.map(toMessageRecord);
  }

  async release(ids: readonly string[]): Promise<void> {
    await exec(this.db, `UPDATE messages SET dispatch_job = NULL, dispatch_claimed_at = NULL WHERE id = ANY(?::uuid[])`, [ids]);
  }

  async submittedParts(ids: readonly string[]): Promise<SubmittedPart[]> {
    if (ids.length === 0) return [];
    const rows = await query<{ message_id: string; part_index: number; carrier_id: string; carrier_message_id: string }>(this.db, 
      'SELECT message_id, part_index, carrier_id, carrier_message_id FROM message_parts WHERE message_id = ANY(?::uuid[])',
      [ids],
    );
    return rows.map((r) => ({ messageId: r.message_id, partIndex: r.part_index, carrierId: r.carrier_id, carrierMessageId: r.carrier_message_id }));
  }

  async recordSubmission(
    parts: readonly SubmittedPart[],
    submitted: ReadonlyArray<{ id: string; carrierId: string; carrierMessageId: string }>,
  ): Promise<void> {
    if (parts.length === 0 && submitted.length === 0) return;
    await this.db.transaction(async (trx) => {
      if (parts.length > 0) {
        await exec(trx, 
          `INSERT INTO message_parts (message_id, part_index, carrier_id, carrier_message_id, cost)
           SELECT * FROM unnest(?::uuid[], ?::int[], ?::uuid[], ?::text[], ?::bigint[])
           ON CONFLICT (message_id, part_index) DO NOTHING`,
          [
            parts.map((p) => p.messageId),
            parts.map((p) => p.partIndex),
            parts.map((p) => p.carrierId),
            parts.map((p) => p.carrierMessageId),
            parts.map((p) => p.cost ?? null),
          ],
        );
      }
      if (submitted.length > 0) {
        const rows = await query<{ id: string; carrier_id: string; carrier_message_id: string }>(trx, 
          `UPDATE messages m SET status = 'submitted', carrier_id = s.carrier_id, carrier_message_id = s.cmid,
                                 dispatch_job = NULL, updated_at = now()
           FROM unnest(?::uuid[], ?::uuid[], ?::text[]) AS s(id, carrier_id, cmid)
           WHERE m.id = s.id AND m.status = 'queued'
           RETURNING m.id, m.carrier_id, m.carrier_message_id`,
          [submitted.map((s) => s.id), submitted.map((s) => s.carrierId), submitted.map((s) => s.carrierMessageId)],
        );
        await insertEvents(trx, rows.map((r) => ({ id: r.id, status: 'submitted', detail: { carrierId: r.carrier_id, carrierMessageId: r.carrier_message_id } })));
      }
    });
  }

  async finalize(items: readonly Finalization[], refundable: readonly FinalStatus[]): Promise<Finalized[]> {
    if (items.length === 0) return [];
    return this.db.transaction((trx) => finalizeIn(trx, items, refundable));
  }

  async findParts(carrierId: string, carrierMessageIds: readonly string[]): Promise<SubmittedPart[]> {
    const rows = await query<{ message_id: string; part_index: number; carrier_message_id: string }>(this.db, 
      `SELECT message_id, part_index, carrier_message_id FROM message_parts
       WHERE carrier_id = ? AND carrier_message_id = ANY(?::text[])`,
      [carrierId, carrierMessageIds],
    );
    return rows.map((r) => ({ messageId: r.message_id, partIndex: r.part_index, carrierId, carrierMessageId: r.carrier_message_id }));
  }

  async applyPartReceipts(receipts: readonly PartReceipt[]): Promise<{
    complete: Map<string, Array<{ status: string; errorCode: string | null }>>;
    missing: PartReceipt[];
  }> {
    const messageIds = [...new Set(receipts.map((r) => r.messageId))];
    return this.db.transaction(async (trx) => {
      // Receipts of one message's parts may be reconciled by concurrent jobs: serialise them per
      // message, so the last one to commit sees every part final (in id order: no deadlocks).
      await exec(trx, 'SELECT id FROM messages WHERE id = ANY(?::uuid[]) ORDER BY id FOR UPDATE', [messageIds]);
      await exec(
        trx,
        `UPDATE message_parts p SET status = t.status, error_code = t.code, done_at = now()
         FROM unnest(?::uuid[], ?::int[], ?::text[], ?::text[]) AS t(message_id, part_index, status, code)
         WHERE p.message_id = t.message_id AND p.part_index = t.part_index AND p.status = 'submitted'`,
        [receipts.map((r) => r.messageId), receipts.map((r) => r.partIndex), receipts.map((r) => r.status), receipts.map((r) => r.errorCode)],
      );
      // A part row that does not exist yet: the receipt came before the submission was recorded.
      const existing = await query<{ message_id: string; part_index: number }>(
        trx,
        'SELECT message_id, part_index FROM message_parts WHERE message_id = ANY(?::uuid[])',
        [messageIds],
      );
      const known = new Set(existing.map((r) => `${r.message_id}/${r.part_index}`));
      const missing = receipts.filter((r) => !known.has(`${r.messageId}/${r.partIndex}`));
      const rows = await query<{ id: string; statuses: string[]; codes: Array<string | null> }>(
        trx,
        `SELECT m.id, array_agg(p.status ORDER BY p.part_index) AS statuses, array_agg(p.error_code ORDER BY p.part_index) AS codes
         FROM messages m JOIN message_parts p ON p.message_id = m.id
         WHERE m.id = ANY(?::uuid[]) AND m.status = 'submitted'
         GROUP BY m.id, m.parts
         HAVING count(*) FILTER (WHERE p.status <> 'submitted') = m.parts`,
        [messageIds],
      );
      const complete = new Map(rows.map((r) => [r.id, r.statuses.map((status, i) => ({ status, errorCode: r.codes[i] ?? null }))]));
      return { complete, missing };
    });
  }

  async storeUnmatched(receipts: readonly ReceiptRecord[]): Promise<void> {
    await exec(this.db, 
      `INSERT INTO unmatched_receipts (carrier_id, carrier_message_id, stat, received_at)
       SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::timestamptz[])`,
      [receipts.map((r) => r.carrierId), receipts.map((r) => r.carrierMessageId), receipts.map((r) => r.stat), receipts.map((r) => r.receivedAt)],
    );
  }
}
