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
  ChargeOptions,
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

/**
 * Guarded final transitions, their events and at-most-once refunds, inside
 * the caller's transaction (MessageStore.finalize, and the validity sweeper,
 * which locks its rows first).
 */
export async function finalizeIn(trx: Executor, items: readonly Finalization[], refundable: readonly FinalStatus[]): Promise<Finalized[]> {
  if (items.length === 0) return [];
  // One statement (one round trip): the guarded moves, their events, the refunds (ledger rows,
  // at most once by the unique (message_id, kind)) and one balance update per account.
  const rows = await query<MessageRow & { refunded: number | null }>(
    trx,
    // Every lookup goes by the id arrays (= ANY / unnest in FROM), so the planner keeps to the
    // primary key and the ledger's (message_id, kind) index, whatever it guesses for the CTEs.
    `WITH f AS (
       UPDATE messages m SET status = t.status, error_code = t.code, dispatch_job = NULL, updated_at = now()
       FROM unnest(?::uuid[], ?::text[], ?::text[]) AS t(id, status, code)
       WHERE m.id = t.id
         AND (t.status, m.status) IN (SELECT * FROM unnest(?::text[], ?::text[]))
       RETURNING m.*
     ), ev AS (
       INSERT INTO message_events (message_id, status, detail)
       SELECT f.id, f.status,
              d.detail || CASE WHEN f.error_code IS NULL OR f.error_code = '' THEN '{}'::jsonb
                               ELSE jsonb_build_object('errorCode', f.error_code) END
       FROM unnest(?::uuid[], ?::text[], ?::jsonb[]) AS d(id, status, detail)
       JOIN f ON f.id = d.id AND f.status = d.status
       ON CONFLICT (message_id, status) DO NOTHING
     ), refunded AS (
       INSERT INTO ledger (account_id, message_id, kind, amount)
       SELECT l.account_id, l.message_id, 'refund', 0 - l.amount
       FROM ledger l JOIN f ON f.id = l.message_id
       WHERE l.kind = 'charge' AND l.message_id = ANY(?::uuid[]) AND f.status = ANY(?::text[])
       ON CONFLICT (message_id, kind) WHERE message_id IS NOT NULL DO NOTHING
       RETURNING account_id, message_id, amount
     ), balances AS (
       UPDATE accounts a SET balance = a.balance + d.delta
       FROM (SELECT account_id, sum(amount) AS delta FROM refunded GROUP BY account_id) AS d
       WHERE a.id = d.account_id
     )
     SELECT f.*, r.amount AS refunded FROM f LEFT JOIN refunded r ON r.message_id = f.id`,
    [
      items.map((i) => i.id),
      items.map((i) => i.status),
      items.map((i) => i.errorCode),
      FINAL_MOVES.map((p) => p[0]),
      FINAL_MOVES.map((p) => p[1]),
      items.map((i) => i.id),
      items.map((i) => i.status),
      items.map((i) => JSON.stringify(i.detail)),
      items.map((i) => i.id),
      [...refundable],
    ],
  );
  const at = new Date();
  return rows.map((row) => ({
    message: toMessageRecord(row),
    status: row.status as FinalStatus,
    errorCode: row.error_code,
    refunded: row.refunded ?? 0,
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

  /** `db`: a transaction to join (the idempotency keys of the batch are stored in the same one). */
  async insertAccepted(messages: readonly NewMessage[], db: Executor = this.db): Promise<void> {
    await exec(db, 
      `WITH m AS (
         INSERT INTO messages (id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                               status, priority, reference, callback_url, registered_delivery, valid_until, template_id,
                               schedule_at, batch_id)
         SELECT id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                'accepted', priority, reference, callback_url, rd, valid_until, template_id, schedule_at, batch_id
         FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                     ?::int[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::timestamptz[], ?::uuid[],
                     ?::timestamptz[], ?::uuid[])
           AS t(id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                priority, reference, callback_url, rd, valid_until, template_id, schedule_at, batch_id)
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
    options: ChargeOptions = {},
  ): Promise<{ queued: MessageRecord[]; rejected: Finalized[]; charged: number; deferred: Array<{ id: string; scheduleAt: Date }> }> {
    // 'held' when a reviewer approves held messages (src/db/review-store.ts); holds only come from 'accepted'.
    const from = options.from ?? 'accepted';
    return this.db.transaction(async (trx) => {
      // Locks the batch's accepted messages (id order), then their accounts (id order: no
      // deadlocks), in one statement; the balances come back on the message rows. FOR NO KEY
      // UPDATE serialises balance changes like FOR UPDATE but lets accept's inserts (whose
      // foreign key takes FOR KEY SHARE on the account) go on while a batch is charged.
      const rows = await query<MessageRow & { account_balance: number }>(
        trx,
        `WITH m AS MATERIALIZED (
           SELECT * FROM messages WHERE id = ANY(?::uuid[]) AND status = ? ORDER BY id FOR UPDATE
         ), a AS MATERIALIZED (
           -- What the account may spend: its balance plus its credit limit (postpaid; 0 = prepaid).
           SELECT id, balance + credit_limit AS balance FROM accounts WHERE id IN (SELECT account_id FROM m) ORDER BY id FOR NO KEY UPDATE
         )
         SELECT m.*, a.balance AS account_balance FROM m JOIN a ON a.id = m.account_id ORDER BY m.id`,
        [ids, from],
      );
      // A scheduled message whose time has not come (a job that ran early: queue-loss recovery, a
      // duplicate) stays accepted and uncharged; the caller enqueues it again for its time.
      const nowMs = Date.now();
      const deferred = rows.filter((r) => r.schedule_at && r.schedule_at.getTime() > nowMs).map((r) => ({ id: r.id, scheduleAt: r.schedule_at! }));
      const notDue = new Set(deferred.map((d) => d.id));
      const messages = rows.filter((r) => !notDue.has(r.id)).map(toMessageRecord);
      const balances = new Map(rows.map((r) => [r.account_id, r.account_balance]));
      const decision = decide(messages, balances);
      const byId = new Map(messages.map((m) => [m.id, m]));
      const toCharge = decision.queue.map((id) => byId.get(id)).filter((m): m is MessageRecord => m !== undefined);
      const toReject = decision.reject.filter((r) => byId.has(r.id));
      const toHold = from === 'accepted' ? (decision.hold ?? []).filter((h) => byId.has(h.id)) : [];
      // One statement for the decision (one round trip): charge ledger rows (at most once by the
      // unique (message_id, kind)), one balance update per account, the status moves and their
      // events; it answers with every message of the batch now queued, including ones a previous
      // run of this job queued (the snapshot), so a re-run hands them to dispatch again.
      const queued = await query<MessageRow & { charged_total: number | null }>(
        trx,
        `WITH charged AS (
           INSERT INTO ledger (account_id, message_id, kind, amount)
           SELECT a, m, 'charge', 0 - p FROM unnest(?::uuid[], ?::uuid[], ?::bigint[]) AS t(a, m, p)
           ON CONFLICT (message_id, kind) WHERE message_id IS NOT NULL DO NOTHING
           RETURNING account_id, amount
         ), balances AS (
           UPDATE accounts a SET balance = a.balance + d.delta
           FROM (SELECT account_id, sum(amount) AS delta FROM charged GROUP BY account_id) AS d
           WHERE a.id = d.account_id
         ), q AS (
           UPDATE messages SET status = 'queued', updated_at = now()
           WHERE id = ANY(?::uuid[]) AND status = ?
           RETURNING *
         ), q_events AS (
           INSERT INTO message_events (message_id, status, detail)
           SELECT id, 'queued', jsonb_build_object('charged', price) FROM q
           ON CONFLICT (message_id, status) DO NOTHING
         ), r AS (
           UPDATE messages m SET status = 'rejected', error_code = r.reason, updated_at = now()
           FROM unnest(?::uuid[], ?::text[], ?::jsonb[]) AS r(id, reason, detail)
           WHERE m.id = r.id AND m.status = ?
           RETURNING m.id, r.reason, r.detail
         ), r_events AS (
           INSERT INTO message_events (message_id, status, detail)
           SELECT id, 'rejected', jsonb_build_object('reason', reason) || detail FROM r
           ON CONFLICT (message_id, status) DO NOTHING
         ), h AS (
           UPDATE messages m SET status = 'held', updated_at = now()
           FROM unnest(?::uuid[], ?::jsonb[]) AS h(id, detail)
           WHERE m.id = h.id AND m.status = 'accepted'
           RETURNING m.id, h.detail
         ), h_events AS (
           INSERT INTO message_events (message_id, status, detail)
           SELECT id, 'held', detail FROM h
           ON CONFLICT (message_id, status) DO NOTHING
         ), total AS (
           SELECT (0 - sum(amount))::bigint AS charged_total FROM charged
         )
         SELECT q.*, total.charged_total FROM q, total
         UNION ALL
         SELECT m.*, NULL::bigint FROM messages m WHERE m.id = ANY(?::uuid[]) AND m.status = 'queued'`,
        [
          toCharge.map((m) => m.accountId),
          toCharge.map((m) => m.id),
          toCharge.map((m) => m.price),
          toCharge.map((m) => m.id),
          from,
          toReject.map((r) => r.id),
          toReject.map((r) => r.reason),
          toReject.map((r) => JSON.stringify(r.detail ?? {})),
          from,
          toHold.map((h) => h.id),
          toHold.map((h) => JSON.stringify({ reason: h.reason, ...h.detail })),
          ids,
        ],
      );
      const at = new Date();
      const rejected: Finalized[] = toReject.map((r) => ({ message: byId.get(r.id)!, status: 'rejected', errorCode: r.reason, refunded: 0, at }));
      const chargedTotal = queued.find((row) => row.charged_total !== null)?.charged_total ?? 0;
      return { queued: queued.map(toMessageRecord), rejected, charged: chargedTotal, deferred };
    });
  }

  async claim(ids: readonly string[], jobId: string, leaseMs: number): Promise<MessageRecord[]> {
    const rows = await query<MessageRow>(this.db, 
      `UPDATE messages SET dispatch_job = ?, dispatch_claimed_at = now()
       WHERE id = ANY(?::uuid[]) AND status = 'queued'
         AND (dispatch_job IS NULL OR dispatch_job = ? OR dispatch_claimed_at < now() - ? * interval '1 millisecond')
         AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.message_id = messages.id AND d.requeued_at IS NULL)
       RETURNING *, (batch_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM batches b WHERE b.id = messages.batch_id AND b.cancelled_at IS NOT NULL)) AS cancelled`,
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
    // One statement, atomic on its own (one round trip): the part rows, the guarded move to
    // submitted and its events.
    await exec(
      this.db,
      `WITH p AS (
         INSERT INTO message_parts (message_id, part_index, carrier_id, carrier_message_id, cost)
         SELECT * FROM unnest(?::uuid[], ?::int[], ?::uuid[], ?::text[], ?::bigint[])
         ON CONFLICT (message_id, part_index) DO NOTHING
       ), s AS (
         UPDATE messages m SET status = 'submitted', carrier_id = s.carrier_id, carrier_message_id = s.cmid,
                               dispatch_job = NULL, updated_at = now()
         FROM unnest(?::uuid[], ?::uuid[], ?::text[]) AS s(id, carrier_id, cmid)
         WHERE m.id = s.id AND m.status = 'queued'
         RETURNING m.id, m.carrier_id, m.carrier_message_id
       )
       INSERT INTO message_events (message_id, status, detail)
       SELECT id, 'submitted', jsonb_build_object('carrierId', carrier_id, 'carrierMessageId', carrier_message_id) FROM s
       ON CONFLICT (message_id, status) DO NOTHING`,
      [
        parts.map((p) => p.messageId),
        parts.map((p) => p.partIndex),
        parts.map((p) => p.carrierId),
        parts.map((p) => p.carrierMessageId),
        parts.map((p) => p.cost ?? null),
        submitted.map((s) => s.id),
        submitted.map((s) => s.carrierId),
        submitted.map((s) => s.carrierMessageId),
      ],
    );
  }

  async finalize(items: readonly Finalization[], refundable: readonly FinalStatus[]): Promise<Finalized[]> {
    if (items.length === 0) return [];
    return finalizeIn(this.db, items, refundable);
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
      // After the lock (a fresh snapshot), one statement applies the receipts and reads every part
      // of the batch's messages as they now stand (this statement's updates folded in by hand: a
      // statement does not see its own CTE's writes).
      const rows = await query<{ id: string; status: string; parts: number; indexes: number[]; statuses: string[]; codes: Array<string | null> }>(
        trx,
        `WITH u AS (
           UPDATE message_parts p SET status = t.status, error_code = t.code, done_at = now()
           FROM unnest(?::uuid[], ?::int[], ?::text[], ?::text[]) AS t(message_id, part_index, status, code)
           WHERE p.message_id = t.message_id AND p.part_index = t.part_index AND p.status = 'submitted'
           RETURNING p.message_id, p.part_index, p.status, p.error_code
         ), cur AS (
           SELECT p.message_id, p.part_index,
                  CASE WHEN u.message_id IS NULL THEN p.status ELSE u.status END AS status,
                  CASE WHEN u.message_id IS NULL THEN p.error_code ELSE u.error_code END AS error_code
           FROM message_parts p LEFT JOIN u ON u.message_id = p.message_id AND u.part_index = p.part_index
           WHERE p.message_id = ANY(?::uuid[])
         )
         SELECT m.id, m.status, m.parts,
                array_agg(c.part_index ORDER BY c.part_index) AS indexes,
                array_agg(c.status ORDER BY c.part_index) AS statuses,
                array_agg(c.error_code ORDER BY c.part_index) AS codes
         FROM messages m JOIN cur c ON c.message_id = m.id
         WHERE m.id = ANY(?::uuid[])
         GROUP BY m.id, m.status, m.parts`,
        [
          receipts.map((r) => r.messageId),
          receipts.map((r) => r.partIndex),
          receipts.map((r) => r.status),
          receipts.map((r) => r.errorCode),
          messageIds,
          messageIds,
        ],
      );
      // A part row that does not exist yet: the receipt came before the submission was recorded.
      const known = new Set(rows.flatMap((r) => r.indexes.map((index) => `${r.id}/${index}`)));
      const missing = receipts.filter((r) => !known.has(`${r.messageId}/${r.partIndex}`));
      const completeRows = rows.filter(
        (r) => r.status === 'submitted' && r.statuses.filter((status) => status !== 'submitted').length === r.parts,
      );
      const complete = new Map(completeRows.map((r) => [r.id, r.statuses.map((status, i) => ({ status, errorCode: r.codes[i] ?? null }))]));
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
