/**
 * What the SMPP server needs from the rest of the gateway. gateway.ts
 * passes the implementations (db/ stores, the shared Acceptor, Redis);
 * nothing here imports them.
 */
import type { Finalized, MessageRecord, NewMessage } from '../../pipeline/types';
import type { RoutingTable } from '../../routing/routing-table';

/** What every part of a concatenated group shares, fixed by its first part. */
export interface ConcatSubmission {
  readonly accountId: string;
  readonly callbackUrl: string | null;
  readonly to: string;
  readonly from: string | null;
  readonly registeredDelivery: boolean;
  readonly validitySeconds: number | null;
  readonly priority: 'normal' | 'express';
  /** schedule_delivery_time of the first part, ISO 8601 (JSON-stored with the group); absent: now. */
  readonly scheduleAt?: string;
}

export interface ConcatPort {
  addPart(p: {
    appId: string;
    groupKey: string;
    total: number;
    seq: number;
    text: string;
    submission: ConcatSubmission;
    newMessageId: string;
    maxPendingGroups: number;
  }): Promise<{ kind: 'full' } | { kind: 'stored'; messageId: string; submission: ConcatSubmission; complete: readonly string[] | null }>;
  removePart(messageId: string, seq: number): Promise<void>;
  markJoined(messageId: string): Promise<void>;
  takeExpired(
    timeoutMs: number,
    limit: number,
  ): Promise<Array<{ appId: string; messageId: string; submission: ConcatSubmission; createdAt: Date; texts: readonly string[] }>>;
  insertRejected(messages: readonly NewMessage[], reason: string): Promise<Finalized[]>;
}

export type ChangeResult<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'too-late'; readonly status: string }
  | { readonly kind: 'price-changed'; readonly charged: number; readonly price: number };

export interface MessageOpsPort {
  find(appId: string, id: string): Promise<(MessageRecord & { updatedAt: Date }) | undefined>;
  cancel(appId: string, id: string, errorCode: string): Promise<ChangeResult<Finalized>>;
  replace(
    appId: string,
    id: string,
    compute: (current: MessageRecord) => {
      text: string;
      encoding: 'gsm7' | 'ucs2';
      parts: number;
      price: number;
      validUntil: Date;
      registeredDelivery: boolean;
    },
  ): Promise<ChangeResult<MessageRecord>>;
}

export interface AcceptPort {
  /** Resolves once durable; rejects with GatewayError INSUFFICIENT_BALANCE / QUEUE_UNAVAILABLE. */
  accept(messages: readonly NewMessage[]): Promise<void>;
}

export interface ThrottlePort {
  take(appId: string, ratePerSecond: number, count: number): { allowed: boolean; retryAfterSeconds: number };
}

export interface RoutingPort {
  table(): RoutingTable;
}
