/**
 * What comes back from carriers: deliver_sm with esm_class 0x04 (or 0x08)
 * is a receipt, anything else an MO message. Receipts are gathered into
 * micro-batches and made durable as one dlr job; the carrier gets its
 * deliver_sm_resp only after that (the pool waits on the returned promise).
 */
import { randomUUID } from 'node:crypto';
import type { DeliverHandler, InboundDeliver } from '../carriers/types';
import { newMessageId } from '../core/id';
import { parseReceiptText } from '../core/receipt';
import { decodeShortMessage } from '../core/text';
import { MicroBatcher } from './micro-batcher';
import type { StageQueues } from './ports';
import type { ReceiptRecord } from './types';

/** SMPP message_state values -> receipt stat words, for receipts that carry only the TLV. */
const STATE_TO_STAT: Readonly<Record<number, string>> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

export function isReceipt(esmClass: number): boolean {
  const type = esmClass & 0x3c;
  return type === 0x04 || type === 0x08;
}

/** Reads a receipt from TLVs first, then from its text. Undefined when it carries no id. */
export function receiptOf(deliver: InboundDeliver, now: Date): ReceiptRecord | undefined {
  const text = decodeShortMessage(deliver.shortMessage, deliver.dataCoding).text;
  const parsed = parseReceiptText(text);
  const carrierMessageId = deliver.receiptedMessageId || parsed?.id;
  const stat = (deliver.messageState !== undefined ? STATE_TO_STAT[deliver.messageState] : undefined) ?? parsed?.stat;
  if (!carrierMessageId || !stat) return undefined;
  const textMessageId = parsed?.id && parsed.id !== carrierMessageId ? parsed.id : undefined;
  return {
    carrierId: deliver.carrierId,
    carrierMessageId,
    ...(textMessageId ? { textMessageId } : {}),
    stat: stat.toUpperCase(),
    err: parsed?.err ?? null,
    receivedAt: now.toISOString(),
    attempts: 0,
  };
}

export interface InboundMo {
  readonly id: string;
  readonly carrierId: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly receivedAt: Date;
}

export interface InboundDeps {
  readonly queues: StageQueues;
  /** Stores an MO message durably (routing to the owning app comes with the policy issue). */
  readonly storeMo: (mo: InboundMo) => Promise<void>;
  readonly now: () => Date;
  readonly onUnreadableReceipt?: () => void;
  /** Receipts per dlr job, at most (default 500). */
  readonly maxBatchItems?: number;
  /**
   * Longest wait to fill a receipt batch (default 20 ms). Receipts are not
   * latency-critical, and a fuller batch is fewer jobs and transactions; the
   * carrier's deliver_sm_resp waits this long at most.
   */
  readonly maxBatchWaitMs?: number;
}

export function createDeliverHandler(deps: InboundDeps): { handle: DeliverHandler; drain: () => Promise<void> } {
  const receipts = new MicroBatcher<ReceiptRecord, true>({
    maxItems: deps.maxBatchItems ?? 500,
    maxWaitMs: deps.maxBatchWaitMs ?? 20,
    flush: async (batch) => {
      await deps.queues.receipts(`dlr:${randomUUID()}`, batch);
      return batch.map(() => true as const);
    },
  });

  const handle: DeliverHandler = async (deliver) => {
    const now = deps.now();
    if (isReceipt(deliver.esmClass)) {
      const receipt = receiptOf(deliver, now);
      if (!receipt) {
        deps.onUnreadableReceipt?.();
        return; // acknowledged: a carrier retrying an unreadable receipt forever helps nobody
      }
      await receipts.add(receipt);
      return;
    }
    const decoded = decodeShortMessage(deliver.shortMessage, deliver.dataCoding, { udhi: (deliver.esmClass & 0x40) !== 0 });
    await deps.storeMo({
      id: newMessageId(now.getTime()),
      carrierId: deliver.carrierId,
      from: deliver.sourceAddr,
      to: deliver.destinationAddr,
      text: decoded.text,
      receivedAt: now,
    });
  };

  return { handle, drain: () => receipts.drain() };
}
