/**
 * What goes back to a customer's SMPP binds: delivery receipts of messages
 * they submitted over SMPP with registered_delivery, and (later issue) MO
 * messages routed to their app. Pure: produces records for the ESME outbox
 * (a durable per-app queue read by whichever edge process holds a bind of
 * the app); never talks to a socket.
 */
import type { FinalStatus } from '../core/lifecycle';
import type { Finalized } from './types';

/** Final status -> receipt stat word (DESIGN.md: DELIVRD UNDELIV EXPIRED REJECTD). */
export const RECEIPT_STAT: Readonly<Record<FinalStatus, 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | 'REJECTD'>> = {
  delivered: 'DELIVRD',
  undelivered: 'UNDELIV',
  expired: 'EXPIRED',
  failed: 'UNDELIV',
  rejected: 'REJECTD',
};

/** The error code a cancelled message ends `rejected` with; its receipt says DELETED. */
export const CANCELLED = 'CANCELLED';

export interface EsmeReceiptNotice {
  readonly kind: 'receipt';
  readonly appId: string;
  /** The id the client was given in submit_sm_resp / submit_multi_resp. */
  readonly receiptId: string;
  readonly messageId: string;
  /** Original destination: the receipt comes from it. */
  readonly from: string;
  /** Original source address ('' when none was given). */
  readonly to: string;
  readonly stat: 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | 'REJECTD' | 'DELETED';
  /** 3 characters, '000' when none. */
  readonly err: string;
  readonly submitDate: string;
  readonly doneDate: string;
  /** The receipt's text: field, at most 20 characters of the message. */
  readonly textStart: string;
  /** ISO time after which an undelivered notice is dropped. */
  readonly validUntil: string;
}

export interface EsmeMoNotice {
  readonly kind: 'mo';
  readonly appId: string;
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly receivedAt: string;
  readonly validUntil: string;
}

export type EsmeNotice = EsmeReceiptNotice | EsmeMoNotice;

/** The durable per-app queue of notices (Redis Streams in production). */
export interface EsmeOutbox {
  publish(notices: readonly EsmeNotice[]): Promise<void>;
}

/**
 * A receipt waits for a bind until the message's validity ends, and at
 * least this long after the final status (an `expired` receipt is made when
 * the validity has already ended), ms.
 */
export const RECEIPT_MIN_WAIT_MS = 3600_000;

/** Receipt notices for messages that came over SMPP and asked for one. */
export function esmeReceipts(finalized: readonly Finalized[]): EsmeReceiptNotice[] {
  const out: EsmeReceiptNotice[] = [];
  for (const f of finalized) {
    const m = f.message;
    if (m.channel !== 'smpp' || !m.registeredDelivery) continue;
    const stat = f.status === 'rejected' && f.errorCode === CANCELLED ? 'DELETED' : RECEIPT_STAT[f.status];
    const validUntil = Math.max(m.validUntil.getTime(), f.at.getTime() + RECEIPT_MIN_WAIT_MS);
    out.push({
      kind: 'receipt',
      appId: m.appId,
      // submit_multi hands out one id for all its messages and keeps it as their reference.
      receiptId: m.reference ?? m.id,
      messageId: m.id,
      from: m.to,
      to: m.from ?? '',
      stat,
      err: networkError(f.errorCode),
      submitDate: m.createdAt.toISOString(),
      doneDate: f.at.toISOString(),
      textStart: Array.from(m.text).slice(0, 20).join(''),
      validUntil: new Date(validUntil).toISOString(),
    });
  }
  return out;
}

/** A carrier's numeric err (e.g. '001') passes through; anything else reads '000'. */
function networkError(code: string | null): string {
  return code && /^\d{1,3}$/.test(code) ? code.padStart(3, '0') : '000';
}
