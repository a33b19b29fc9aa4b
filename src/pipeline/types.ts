/** Plain domain records the pipeline stages pass around (camelCase, no I/O). */
import type { FinalStatus, MessageStatus } from '../core/lifecycle';

export type Channel = 'http' | 'smpp';
export type Priority = 'normal' | 'express';
export type TextEncoding = 'gsm7' | 'ucs2';

export interface App {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly throughputPerSecond: number;
  readonly callbackUrl: string | null;
  readonly moUrl: string | null;
  /** Allowed sender ids; empty = any. */
  readonly senders: readonly string[];
  /** Messages per calendar month (UTC); null or absent = no quota (accept reads it from a cache, not from here). */
  readonly monthlyQuota?: number | null;
}

/** A message as accepted, before it is stored. */
export interface NewMessage {
  readonly id: string;
  readonly accountId: string;
  readonly appId: string;
  readonly channel: Channel;
  readonly to: string;
  readonly from: string | null;
  readonly text: string;
  readonly encoding: TextEncoding;
  readonly parts: number;
  /** Total for all parts, minor units. */
  readonly price: number;
  readonly priority: Priority;
  readonly reference: string | null;
  readonly callbackUrl: string | null;
  readonly registeredDelivery: boolean;
  readonly validUntil: Date;
  /** The approved template the text was rendered from (its review skips hold rules); absent or null otherwise. */
  readonly templateId?: string | null;
  /** Held (accepted, uncharged) until this time; review+charge run then (docs/campaigns.md). Absent or null: now. */
  readonly scheduleAt?: Date | null;
  /** The batch (campaign) the message belongs to; absent or null for single submissions. */
  readonly batchId?: string | null;
}

export interface MessageRecord extends NewMessage {
  readonly status: MessageStatus;
  readonly carrierId: string | null;
  readonly carrierMessageId: string | null;
  readonly errorCode: string | null;
  readonly createdAt: Date;
  /** Set by the dispatch claim: its batch was cancelled, so dispatch ends it rejected CANCELLED instead of sending. */
  readonly cancelled?: boolean;
}

/** A move to a final status, with what the event row records. */
export interface Finalization {
  readonly id: string;
  readonly status: FinalStatus;
  readonly errorCode: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** What a finalization changed, for callbacks and metrics. */
export interface Finalized {
  readonly message: MessageRecord;
  readonly status: FinalStatus;
  readonly errorCode: string | null;
  /** Minor units refunded by this finalization (0 when none). */
  readonly refunded: number;
  readonly at: Date;
}

/** A delivery receipt as the carrier side hands it to the dlr stage. */
export interface ReceiptRecord {
  readonly carrierId: string;
  /** The carrier's id for the part, as found in the TLV or the text. */
  readonly carrierMessageId: string;
  /** The id in the receipt text when it differs from carrierMessageId (the TLV's); tried when that one matches nothing. */
  readonly textMessageId?: string;
  /** Receipt stat word (DELIVRD, UNDELIV, ...), upper case. */
  readonly stat: string;
  readonly err: string | null;
  readonly receivedAt: string;
  /** How many times matching was tried already (receipts may beat their submit_sm_resp). */
  readonly attempts: number;
}

export interface CallbackRecord {
  readonly appId: string;
  readonly url: string;
  /** The exact JSON body; signed as sent. */
  readonly body: string;
  /** A status callback (default) or an MO webhook; dead letters keep it. */
  readonly kind?: 'status' | 'mo';
}
