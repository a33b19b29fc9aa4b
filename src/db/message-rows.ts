/** Row <-> record mapping for messages (snake_case stays in db/). */
import type { MessageStatus } from '../core/lifecycle';
import type { MessageRecord, NewMessage } from '../pipeline/types';

export interface MessageRow {
  id: string;
  account_id: string;
  app_id: string;
  channel: 'http' | 'smpp';
  to_number: string;
  from_addr: string | null;
  text: string;
  encoding: 'gsm7' | 'ucs2';
  parts: number;
  price: number;
  status: MessageStatus;
  priority: 'normal' | 'express';
  reference: string | null;
  callback_url: string | null;
  registered_delivery: boolean;
  valid_until: Date;
  carrier_id: string | null;
  carrier_message_id: string | null;
  error_code: string | null;
  created_at: Date;
  template_id?: string | null;
  schedule_at?: Date | null;
  batch_id?: string | null;
  /** Only from the dispatch claim (its batch was cancelled). */
  cancelled?: boolean;
}

export function toMessageRecord(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    appId: row.app_id,
    channel: row.channel,
    to: row.to_number,
    from: row.from_addr,
    text: row.text,
    encoding: row.encoding,
    parts: row.parts,
    price: row.price,
    priority: row.priority,
    reference: row.reference,
    callbackUrl: row.callback_url,
    registeredDelivery: row.registered_delivery,
    validUntil: row.valid_until,
    status: row.status,
    carrierId: row.carrier_id,
    carrierMessageId: row.carrier_message_id,
    errorCode: row.error_code,
    createdAt: row.created_at,
    templateId: row.template_id ?? null,
    scheduleAt: row.schedule_at ?? null,
    batchId: row.batch_id ?? null,
    ...(row.cancelled ? { cancelled: true } : {}),
  };
}

/** Column arrays for an unnest() multi-row insert: one bound parameter per column. */
export function messageColumns(messages: readonly NewMessage[]): unknown[] {
  return [
    messages.map((m) => m.id),
    messages.map((m) => m.accountId),
    messages.map((m) => m.appId),
    messages.map((m) => m.channel),
    messages.map((m) => m.to),
    messages.map((m) => m.from),
    messages.map((m) => m.text),
    messages.map((m) => m.encoding),
    messages.map((m) => m.parts),
    messages.map((m) => m.price),
    messages.map((m) => m.priority),
    messages.map((m) => m.reference),
    messages.map((m) => m.callbackUrl),
    messages.map((m) => m.registeredDelivery),
    messages.map((m) => m.validUntil.toISOString()),
    messages.map((m) => m.templateId ?? null),
    messages.map((m) => m.scheduleAt?.toISOString() ?? null),
    messages.map((m) => m.batchId ?? null),
  ];
}
