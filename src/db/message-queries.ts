/** The read side of messages for the API: one message with its events, and cursor-paginated lists. */
import type { MessageStatus } from '../core/lifecycle';
import type { MessageRecord } from '../pipeline/types';
import type { Db } from './knex';
import { query } from './sql';
import { toMessageRecord, type MessageRow } from './message-rows';

export interface MessageEvent {
  readonly status: MessageStatus;
  readonly at: Date;
  readonly detail: Record<string, unknown>;
}

export interface MessageFilter {
  readonly status?: MessageStatus;
  readonly to?: string;
  /** The id of the last item of the previous page. */
  readonly cursor?: string;
  readonly limit: number;
}

export class MessageQueries {
  constructor(private readonly db: Db) {}

  async get(appId: string, id: string): Promise<{ message: MessageRecord; events: MessageEvent[] } | undefined> {
    return this.getOwned('app_id', appId, id);
  }

  /** A message of any app of the account (a customer user's view). */
  async getForAccount(accountId: string, id: string): Promise<{ message: MessageRecord; events: MessageEvent[] } | undefined> {
    return this.getOwned('account_id', accountId, id);
  }

  async listForAccount(accountId: string, filter: MessageFilter): Promise<{ items: MessageRecord[]; nextCursor: string | null }> {
    return this.listOwned('account_id', accountId, filter);
  }

  private async getOwned(owner: 'app_id' | 'account_id', ownerId: string, id: string): Promise<{ message: MessageRecord; events: MessageEvent[] } | undefined> {
    const rows = await query<MessageRow>(this.db, `SELECT * FROM messages WHERE id = ? AND ${owner} = ?`, [id, ownerId]);
    if (!rows[0]) return undefined;
    const events = await query<{ status: MessageStatus; at: Date; detail: Record<string, unknown> }>(this.db, 
      'SELECT status, at, detail FROM message_events WHERE message_id = ? ORDER BY at, id',
      [id],
    );
    return { message: toMessageRecord(rows[0]), events };
  }

  /** Newest first; returns one page and the cursor of the next (null at the end). */
  async list(appId: string, filter: MessageFilter): Promise<{ items: MessageRecord[]; nextCursor: string | null }> {
    return this.listOwned('app_id', appId, filter);
  }

  private async listOwned(owner: 'app_id' | 'account_id', ownerId: string, filter: MessageFilter): Promise<{ items: MessageRecord[]; nextCursor: string | null }> {
    const conditions = [`${owner} = ?`];
    const params: unknown[] = [ownerId];
    if (filter.status) {
      conditions.push('status = ?');
      params.push(filter.status);
    }
    if (filter.to) {
      conditions.push('to_number = ?');
      params.push(filter.to);
    }
    if (filter.cursor) {
      conditions.push('id < ?');
      params.push(filter.cursor);
    }
    params.push(filter.limit + 1);
    const rows = await query<MessageRow>(this.db, 
      `SELECT * FROM messages WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT ?`,
      params,
    );
    const items = rows.slice(0, filter.limit).map(toMessageRecord);
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1]!.id : null };
  }
}
