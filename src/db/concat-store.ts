/**
 * Durable reassembly of concatenated SMPP submissions (migration 002). A
 * part is stored before its submit_sm_resp; the group's message id is
 * handed out with the first part. Every method is one statement or one
 * transaction, safe to race from several edge processes.
 */
import type { Finalized, MessageRecord, NewMessage } from '../pipeline/types';
import type { Db } from './knex';
import { messageColumns, toMessageRecord, type MessageRow } from './message-rows';
import { exec, query } from './sql';
import type { ConcatSubmission } from '../smpp/server/ports';

export type { ConcatSubmission };


export interface PartInput {
  readonly appId: string;
  readonly groupKey: string;
  readonly total: number;
  readonly seq: number;
  readonly text: string;
  readonly submission: ConcatSubmission;
  /** Used when this part opens the group. */
  readonly newMessageId: string;
  /** Refuse to open a group when the app already has this many in reassembly. */
  readonly maxPendingGroups: number;
}

export type PartResult =
  | { readonly kind: 'full' }
  | {
      readonly kind: 'stored';
      readonly messageId: string;
      readonly submission: ConcatSubmission;
      /** Every part's text in order, once all `total` parts are stored. */
      readonly complete: readonly string[] | null;
    };

export interface AbandonedGroup {
  readonly appId: string;
  readonly messageId: string;
  readonly submission: ConcatSubmission;
  readonly createdAt: Date;
  /** The parts that did arrive, in order. */
  readonly texts: readonly string[];
}

interface GroupRow {
  message_id: string;
  submission: ConcatSubmission;
}

export class ConcatStore {
  constructor(private readonly db: Db) {}

  async addPart(p: PartInput): Promise<PartResult> {
    return this.db.transaction(async (trx) => {
      const find = () =>
        query<GroupRow>(trx, `SELECT message_id, submission FROM smpp_concat_groups WHERE app_id = ? AND group_key = ? AND state = 'pending' FOR UPDATE`, [
          p.appId,
          p.groupKey,
        ]);
      let group = (await find())[0];
      if (!group) {
        const [{ n }] = await query<{ n: number }>(trx, `SELECT count(*)::int AS n FROM smpp_concat_groups WHERE app_id = ? AND state = 'pending'`, [p.appId]) as [{ n: number }];
        if (n >= p.maxPendingGroups) return { kind: 'full' } as const;
        await exec(
          trx,
          `INSERT INTO smpp_concat_groups (app_id, group_key, message_id, total, submission) VALUES (?, ?, ?, ?, ?::jsonb)
           ON CONFLICT (app_id, group_key) WHERE state = 'pending' DO NOTHING`,
          [p.appId, p.groupKey, p.newMessageId, p.total, JSON.stringify(p.submission)],
        );
        group = (await find())[0];
        if (!group) throw new Error('concat group vanished while being opened');
      }
      await exec(trx, `INSERT INTO smpp_concat_parts (message_id, seq, text) VALUES (?, ?, ?) ON CONFLICT (message_id, seq) DO NOTHING`, [
        group.message_id,
        p.seq,
        p.text,
      ]);
      const parts = await query<{ text: string }>(trx, 'SELECT text FROM smpp_concat_parts WHERE message_id = ? ORDER BY seq', [group.message_id]);
      return {
        kind: 'stored',
        messageId: group.message_id,
        submission: group.submission,
        complete: parts.length === p.total ? parts.map((r) => r.text) : null,
      } as const;
    });
  }

  /** Forgets a part whose submit_sm_resp was an error (it was never acknowledged). */
  async removePart(messageId: string, seq: number): Promise<void> {
    await exec(this.db, `DELETE FROM smpp_concat_parts WHERE message_id = ? AND seq = ?`, [messageId, seq]);
  }

  /** The group became an accepted message: its parts are no longer needed. */
  async markJoined(messageId: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await exec(trx, `UPDATE smpp_concat_groups SET state = 'joined' WHERE message_id = ?`, [messageId]);
      await exec(trx, `DELETE FROM smpp_concat_parts WHERE message_id = ?`, [messageId]);
    });
  }

  /**
   * Takes groups pending for longer than `timeoutMs` (at most `limit`).
   * A group whose message already exists (a crash between accept and
   * markJoined) is marked joined and not returned.
   */
  async takeExpired(timeoutMs: number, limit: number): Promise<AbandonedGroup[]> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ app_id: string; message_id: string; submission: ConcatSubmission; created_at: Date; joined: boolean }>(
        trx,
        `UPDATE smpp_concat_groups g
         SET state = CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE m.id = g.message_id) THEN 'joined' ELSE 'abandoned' END
         WHERE (g.app_id, g.group_key, g.message_id) IN (
           SELECT app_id, group_key, message_id FROM smpp_concat_groups
           WHERE state = 'pending' AND created_at < now() - ? * interval '1 millisecond'
           ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED)
         RETURNING g.app_id, g.message_id, g.submission, g.created_at, g.state = 'joined' AS joined`,
        [timeoutMs, limit],
      );
      const abandoned = rows.filter((r) => !r.joined);
      const ids = abandoned.map((r) => r.message_id);
      const parts = ids.length
        ? await query<{ message_id: string; text: string }>(trx, 'SELECT message_id, text FROM smpp_concat_parts WHERE message_id = ANY(?::uuid[]) ORDER BY message_id, seq', [ids])
        : [];
      await exec(trx, 'DELETE FROM smpp_concat_parts WHERE message_id = ANY(?::uuid[])', [rows.map((r) => r.message_id)]);
      return abandoned.map((r) => ({
        appId: r.app_id,
        messageId: r.message_id,
        submission: r.submission,
        createdAt: r.created_at,
        texts: parts.filter((p) => p.message_id === r.message_id).map((p) => p.text),
      }));
    });
  }

  /**
   * Stores messages directly as `rejected` (never charged), with their
   * accepted and rejected events, so every id a client was given has a
   * message and a receipt. Returns what was finalized (already-present ids
   * are skipped).
   */
  async insertRejected(messages: readonly NewMessage[], reason: string): Promise<Finalized[]> {
    if (messages.length === 0) return [];
    return this.db.transaction(async (trx) => {
      const rows = await query<MessageRow>(
        trx,
        `INSERT INTO messages (id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                               status, priority, reference, callback_url, registered_delivery, valid_until, template_id, error_code)
         SELECT id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                'rejected', priority, reference, callback_url, rd, valid_until, template_id, ?
         FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                     ?::int[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::timestamptz[], ?::uuid[],
                     ?::timestamptz[], ?::uuid[])
           AS t(id, account_id, app_id, channel, to_number, from_addr, text, encoding, parts, price,
                priority, reference, callback_url, rd, valid_until, template_id, schedule_at, batch_id)
         ON CONFLICT (id) DO NOTHING
         RETURNING *`,
        [reason, ...messageColumns(messages)],
      );
      if (rows.length > 0) {
        await exec(
          trx,
          `INSERT INTO message_events (message_id, status, at, detail)
           SELECT id, s, created_at, d FROM unnest(?::uuid[], ?::timestamptz[]) AS t(id, created_at),
             (VALUES ('accepted', '{}'::jsonb), ('rejected', ?::jsonb)) AS e(s, d)
           ON CONFLICT (message_id, status) DO NOTHING`,
          [rows.map((r) => r.id), rows.map((r) => r.created_at), JSON.stringify({ reason })],
        );
      }
      const at = new Date();
      return rows.map((row) => {
        const message: MessageRecord = toMessageRecord(row);
        return { message, status: 'rejected' as const, errorCode: reason, refunded: 0, at };
      });
    });
  }
}
