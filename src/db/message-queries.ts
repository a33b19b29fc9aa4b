/**
 * The read side of messages for the API: one message with its events and
 * parts, and cursor-paginated lists.
 *
 * Every read is confined by a `MessageScope` (an app, an account, an app of
 * an account, or nothing for operators). Lists are newest first by id; the
 * cursor is the id of the last item of the previous page, so pages stay
 * stable whatever the filters.
 *
 * Time filters (`since`, `until`) are exact on created_at, and are also
 * turned into id bounds: ids are UUIDv7 whose leading 48 bits are the
 * creation time in ms (src/core/id.ts), so `id >= floor(since - slack)` and
 * `id < floor(until + slack)` let PostgreSQL prune monthly partitions and
 * walk the existing (app_id, id) / (account_id, id) / primary key indexes
 * over just that range — no new index on the messages hot path. The slack
 * (ID_CLOCK_SLACK_MS) covers the gap between the id's clock (the accepting
 * process) and created_at (the database's now() at insert). Ids that are not
 * UUIDv7 (the default partition's legacy rows) are not found by a time
 * search; every message this gateway makes has one.
 */
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

/** One part handed to a carrier (message_parts). */
export interface MessagePart {
  readonly index: number;
  readonly carrierId: string;
  readonly carrierMessageId: string;
  /** 'submitted' until the part's receipt: delivered, undelivered, expired... */
  readonly status: string;
  readonly submittedAt: Date;
  readonly doneAt: Date | null;
  readonly errorCode: string | null;
  /** The carrier's cost of the part (minor units); null when unknown. Operators only. */
  readonly cost: number | null;
}

/** Whose messages: fields present are all required to match; empty = every account (operators). */
export interface MessageScope {
  readonly accountId?: string;
  readonly appId?: string;
}

export interface MessageFilter {
  readonly status?: MessageStatus;
  readonly to?: string;
  /** created_at >= since. */
  readonly since?: Date;
  /** created_at < until. */
  readonly until?: Date;
  /** The id of the last item of the previous page. */
  readonly cursor?: string;
  /** Only the messages of this batch (campaign). */
  readonly batchId?: string;
  readonly limit: number;
}

export interface MessageDetail {
  readonly message: MessageRecord;
  readonly events: MessageEvent[];
  readonly parts: MessagePart[];
}

/** How far a message's id time may be from its created_at (clock skew, accept batching). */
export const ID_CLOCK_SLACK_MS = 3_600_000;

/** The smallest UUIDv7 of a millisecond (0 below the epoch). */
export function idFloor(ms: number): string {
  const hex = Math.max(0, Math.min(ms, 0xffffffffffff)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** SQL conditions (account_id, app_id) confining a read to a scope; batch-store.ts uses them too. */
export function scopeConditions(scope: MessageScope): { conditions: string[]; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (scope.accountId) {
    conditions.push('account_id = ?');
    params.push(scope.accountId);
  }
  if (scope.appId) {
    conditions.push('app_id = ?');
    params.push(scope.appId);
  }
  return { conditions, params };
}

export class MessageQueries {
  constructor(private readonly db: Db) {}

  /** A message in the scope with its events and parts; undefined when it is not there (or not the caller's). */
  async get(scope: MessageScope, id: string): Promise<MessageDetail | undefined> {
    const { conditions, params } = scopeConditions(scope);
    const rows = await query<MessageRow>(this.db, `SELECT * FROM messages WHERE ${['id = ?', ...conditions].join(' AND ')}`, [id, ...params]);
    if (!rows[0]) return undefined;
    const [events, parts] = await Promise.all([
      query<{ status: MessageStatus; at: Date; detail: Record<string, unknown> }>(this.db, 'SELECT status, at, detail FROM message_events WHERE message_id = ? ORDER BY at, id', [id]),
      query<{ part_index: number; carrier_id: string; carrier_message_id: string; status: string; submitted_at: Date; done_at: Date | null; error_code: string | null; cost: string | number | null }>(
        this.db,
        'SELECT part_index, carrier_id, carrier_message_id, status, submitted_at, done_at, error_code, cost FROM message_parts WHERE message_id = ? ORDER BY part_index',
        [id],
      ),
    ]);
    return {
      message: toMessageRecord(rows[0]),
      events,
      parts: parts.map((p) => ({
        index: p.part_index,
        carrierId: p.carrier_id,
        carrierMessageId: p.carrier_message_id,
        status: p.status,
        submittedAt: p.submitted_at,
        doneAt: p.done_at,
        errorCode: p.error_code,
        cost: p.cost === null ? null : Number(p.cost),
      })),
    };
  }

  /** Newest first; returns one page and the cursor of the next (null at the end). */
  async list(scope: MessageScope, filter: MessageFilter): Promise<{ items: MessageRecord[]; nextCursor: string | null }> {
    const { conditions, params } = scopeConditions(scope);
    const add = (condition: string, value: unknown) => {
      conditions.push(condition);
      params.push(value);
    };
    if (filter.status) add('status = ?', filter.status);
    if (filter.to) add('to_number = ?', filter.to);
    if (filter.batchId) add('batch_id = ?', filter.batchId);
    if (filter.since) {
      add('created_at >= ?', filter.since);
      add('id >= ?::uuid', idFloor(filter.since.getTime() - ID_CLOCK_SLACK_MS));
    }
    if (filter.until) {
      add('created_at < ?', filter.until);
      add('id < ?::uuid', idFloor(filter.until.getTime() + ID_CLOCK_SLACK_MS));
    }
    if (filter.cursor) add('id < ?::uuid', filter.cursor);
    params.push(filter.limit + 1);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = await query<MessageRow>(this.db, `SELECT * FROM messages ${where} ORDER BY id DESC LIMIT ?`, params);
    const items = rows.slice(0, filter.limit).map(toMessageRecord);
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1]!.id : null };
  }
}
