/**
 * The dlr stage: receipts from carriers are matched to message parts (hot
 * Redis map first, PostgreSQL behind it), part outcomes recorded, and a
 * message whose every part is final gets one final status:
 *   delivered only when every part is delivered; otherwise the outcome of the
 *   first part that is not (undelivered, expired or rejected), refunded in full.
 * Matching takes the id as written (receipted_message_id, else the text's),
 * then, for ids that match nothing, the text's id and the hex <-> decimal
 * forms of both (carriers answer submit_sm_resp in one and write receipts
 * in the other). A receipt may beat its submit_sm_resp into our store, so an
 * unmatched one is retried a few times with backoff before it is stored as
 * unmatched (and counted).
 */
import { REFUNDED_STATUSES, type FinalStatus } from '../core/lifecycle';
import { receiptIdCandidates } from '../core/receipt';
import type { CarrierIdMap, FinalizeStore, PartReceipt, ReceiptStore, StageQueues } from './ports';
import type { Finalization, Finalized, ReceiptRecord } from './types';

/** Receipt stat words -> part status; intermediate words (ENROUTE, ACCEPTD) map to null. */
const STAT_TO_STATUS: Readonly<Record<string, FinalStatus | null>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'undelivered',
  EXPIRED: 'expired',
  REJECTD: 'rejected',
  DELETED: 'undelivered',
  UNKNOWN: 'undelivered',
  ENROUTE: null,
  ACCEPTD: null,
};

export function statusOfStat(stat: string): FinalStatus | null {
  const key = stat.trim().toUpperCase();
  return key in STAT_TO_STATUS ? STAT_TO_STATUS[key]! : 'undelivered';
}

/** The one rule for a multipart message's outcome (see the module comment). */
export function messageOutcome(parts: ReadonlyArray<{ status: string; errorCode: string | null }>): {
  status: FinalStatus;
  errorCode: string | null;
} {
  const failed = parts.find((p) => p.status !== 'delivered');
  if (!failed) return { status: 'delivered', errorCode: null };
  return { status: failed.status as FinalStatus, errorCode: failed.errorCode };
}

export const MAX_MATCH_ATTEMPTS = 5;

export interface ReconcileDeps {
  readonly store: ReceiptStore & FinalizeStore;
  readonly idMap: CarrierIdMap;
  readonly queues: StageQueues;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly onUnmatched?: (count: number) => void;
  readonly retryBaseDelayMs?: number;
}

type PartRef = { messageId: string; partIndex: number };

/** carrier id -> part, from the hot Redis map first, then PostgreSQL for the ids Redis lacks. */
async function lookupParts(carrierId: string, ids: readonly string[], deps: ReconcileDeps): Promise<Map<string, PartRef>> {
  const found = await deps.idMap.get(carrierId, ids).catch(() => new Map<string, PartRef>());
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    for (const part of await deps.store.findParts(carrierId, missing)) {
      found.set(part.carrierMessageId, { messageId: part.messageId, partIndex: part.partIndex });
    }
  }
  return found;
}

export async function reconcileReceipts(jobId: string, receipts: readonly ReceiptRecord[], deps: ReconcileDeps): Promise<void> {
  const partReceipts: PartReceipt[] = [];
  /** The receipt behind each entry of partReceipts, same index. */
  const matchedReceipts: ReceiptRecord[] = [];
  const unmatched: ReceiptRecord[] = [];

  const byCarrier = new Map<string, ReceiptRecord[]>();
  for (const r of receipts) byCarrier.set(r.carrierId, [...(byCarrier.get(r.carrierId) ?? []), r]);
  for (const [carrierId, list] of byCarrier) {
    const hot = await lookupParts(carrierId, list.map((r) => r.carrierMessageId), deps);
    // Not found as written: try the text's id and the hex <-> decimal forms of both (receiptIdCandidates).
    const alternatives = new Map<string, string>();
    for (const r of list.filter((r) => !hot.has(r.carrierMessageId))) {
      const forms = [...receiptIdCandidates(r.carrierMessageId), ...(r.textMessageId ? receiptIdCandidates(r.textMessageId) : [])];
      for (const form of forms) if (form !== r.carrierMessageId && !alternatives.has(form)) alternatives.set(form, r.carrierMessageId);
    }
    if (alternatives.size > 0) {
      for (const [form, part] of await lookupParts(carrierId, [...alternatives.keys()], deps)) {
        const original = alternatives.get(form)!;
        if (!hot.has(original)) hot.set(original, part);
      }
    }
    for (const receipt of list) {
      const status = statusOfStat(receipt.stat);
      if (status === null) continue; // intermediate receipt: nothing final to record
      const part = hot.get(receipt.carrierMessageId);
      if (!part) unmatched.push(receipt);
      else {
        partReceipts.push({ ...part, status, errorCode: receipt.err && receipt.err !== '000' ? receipt.err : null });
        matchedReceipts.push(receipt);
      }
    }
  }

  if (partReceipts.length > 0) {
    const { complete, missing } = await deps.store.applyPartReceipts(partReceipts);
    const missingKeys = new Set(missing.map((m) => `${m.messageId}/${m.partIndex}`));
    for (const [i, receipt] of matchedReceipts.entries()) {
      const part = partReceipts[i]!;
      if (missingKeys.has(`${part.messageId}/${part.partIndex}`)) unmatched.push(receipt);
    }
    const finals: Finalization[] = [...complete].map(([id, parts]) => {
      const outcome = messageOutcome(parts);
      return { id, status: outcome.status, errorCode: outcome.errorCode, detail: { source: 'receipt', parts: parts.length } };
    });
    if (finals.length > 0) {
      const finalized = await deps.store.finalize(finals, REFUNDED_STATUSES);
      await deps.onFinalized(finalized);
    }
  }

  if (unmatched.length > 0) {
    const retry = unmatched.filter((r) => r.attempts + 1 < MAX_MATCH_ATTEMPTS).map((r) => ({ ...r, attempts: r.attempts + 1 }));
    const giveUp = unmatched.filter((r) => r.attempts + 1 >= MAX_MATCH_ATTEMPTS);
    if (retry.length > 0) {
      const attempt = retry[0]!.attempts;
      await deps.queues.receipts(`${jobId}:unmatched${attempt}`, retry, (deps.retryBaseDelayMs ?? 500) * 2 ** (attempt - 1));
    }
    if (giveUp.length > 0) {
      await deps.store.storeUnmatched(giveUp);
      deps.onUnmatched?.(giveUp.length);
    }
  }
}
