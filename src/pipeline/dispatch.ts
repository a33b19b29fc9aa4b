/**
 * The dispatch stage: a batch of charged messages goes to carriers. Per
 * message: the route's carriers in failover order; every part not yet with
 * a carrier is submitted; the carrier ids are stored (PostgreSQL and the hot
 * Redis map) before the message becomes `submitted`. A message that must be
 * retried leaves its batch as its own delayed job; a permanent carrier error
 * or exhausted attempts end it `failed` (refunded by finalize).
 */
import { classifySubmit, commandStatusCode, type SubmitClass } from '../carriers/error-class';
import type { OutboundPart } from '../carriers/types';
import { REFUNDED_STATUSES } from '../core/lifecycle';
import { parseSender } from '../core/number';
import { segmentText } from '../core/text';
import type { CarrierIdMap, CarrierPort, DispatchStore, FinalizeStore, RoutingView, StageQueues, SubmittedPart } from './ports';
import type { Finalization, Finalized, MessageRecord } from './types';

export const MAX_DISPATCH_ATTEMPTS = 3;

/** How long the hot Redis map keeps a carrier id; receipts later than this are matched in PostgreSQL. */
const CARRIER_ID_TTL_SECONDS = 7 * 86400;

export interface DispatchDeps {
  readonly store: DispatchStore & FinalizeStore;
  readonly queues: StageQueues;
  readonly carriers: CarrierPort;
  readonly routing: RoutingView;
  readonly idMap: CarrierIdMap;
  readonly now: () => Date;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly onSubmitResult?: (carrierId: string, result: SubmitClass) => void;
  /** A claim older than this may be taken over (the claiming worker died). */
  readonly claimLeaseMs?: number;
  readonly retryBaseDelayMs?: number;
}

type MessageOutcome =
  | { kind: 'submitted'; carrierId: string; carrierMessageId: string }
  | { kind: 'failed'; errorCode: string; detail: Record<string, unknown> }
  | { kind: 'retry'; reason: string };

export interface DispatchJob {
  readonly jobId: string;
  readonly ids: readonly string[];
  readonly attempt: number;
}

export async function dispatchBatch(job: DispatchJob, deps: DispatchDeps): Promise<void> {
  const claimed = await deps.store.claim(job.ids, job.jobId, deps.claimLeaseMs ?? 120_000);
  if (claimed.length === 0) return;
  const now = deps.now();
  const live: MessageRecord[] = [];
  const finals: Finalization[] = [];
  for (const message of claimed) {
    if (message.validUntil.getTime() <= now.getTime()) {
      finals.push({ id: message.id, status: 'expired', errorCode: 'VALIDITY_EXPIRED', detail: { reason: 'validity ended before submission' } });
    } else live.push(message);
  }

  const already = await deps.store.submittedParts(live.map((m) => m.id));
  const sentByMessage = new Map<string, SubmittedPart[]>();
  for (const part of already) sentByMessage.set(part.messageId, [...(sentByMessage.get(part.messageId) ?? []), part]);

  const newParts: SubmittedPart[] = [];
  const outcomes = await Promise.all(
    live.map((message) => submitMessage(message, sentByMessage.get(message.id) ?? [], deps, newParts)),
  );

  const submitted: Array<{ id: string; carrierId: string; carrierMessageId: string }> = [];
  const retries: MessageRecord[] = [];
  live.forEach((message, i) => {
    const outcome = outcomes[i]!;
    if (outcome.kind === 'submitted') submitted.push({ id: message.id, carrierId: outcome.carrierId, carrierMessageId: outcome.carrierMessageId });
    else if (outcome.kind === 'failed') finals.push({ id: message.id, status: 'failed', errorCode: outcome.errorCode, detail: outcome.detail });
    else if (job.attempt + 1 >= MAX_DISPATCH_ATTEMPTS) {
      finals.push({ id: message.id, status: 'failed', errorCode: 'ATTEMPTS_EXHAUSTED', detail: { reason: outcome.reason, attempts: job.attempt + 1 } });
    } else retries.push(message);
  });

  // PostgreSQL first: a receipt matched through Redis must find its part row.
  await deps.store.recordSubmission(newParts, submitted);
  if (newParts.length > 0) await deps.idMap.put(newParts, CARRIER_ID_TTL_SECONDS).catch(() => undefined); // PostgreSQL is the fallback

  if (finals.length > 0) {
    const finalized = await deps.store.finalize(finals, REFUNDED_STATUSES);
    await deps.onFinalized(finalized);
  }
  if (retries.length > 0) {
    await deps.store.release(retries.map((m) => m.id));
    const delayMs = (deps.retryBaseDelayMs ?? 1000) * 2 ** job.attempt;
    for (const message of retries) {
      await deps.queues.dispatch(`dispatch:${message.id}:retry${job.attempt + 1}`, [message.id], message.priority, {
        delayMs,
        attempt: job.attempt + 1,
      });
    }
  }
}

/** Builds the SMPP parts of a message; the UDH reference comes from the id so a retry reuses it. */
export function outboundParts(message: MessageRecord): OutboundPart[] {
  const reference = parseInt(message.id.slice(-4), 16);
  const segmented = segmentText(message.text, { reference, concat: 'udh8', encoding: message.encoding });
  const sender = message.from ? parseSender(message.from) : null;
  return segmented.parts.map((part) => ({
    sourceAddr: sender?.addr ?? '',
    sourceAddrTon: sender?.ton ?? 0,
    sourceAddrNpi: sender?.npi ?? 0,
    destinationAddr: message.to,
    dataCoding: segmented.dataCoding,
    esmClass: part.esmClass,
    shortMessage: part.shortMessage,
    registeredDelivery: 1,
    ...(part.sar ? { sar: part.sar } : {}),
  }));
}

async function submitMessage(
  message: MessageRecord,
  alreadySent: readonly SubmittedPart[],
  deps: DispatchDeps,
  newParts: SubmittedPart[],
): Promise<MessageOutcome> {
  const route = deps.routing.table().resolve(message.to);
  if (!route) return { kind: 'failed', errorCode: 'NO_ROUTE', detail: { reason: 'no route covers the number' } };
  const parts = outboundParts(message);
  const sent = new Map(alreadySent.map((p) => [p.partIndex, p]));
  const tried: Array<{ carrier: string; result: SubmitClass }> = [];

  for (const carrierId of route.carrierIds) {
    const carrier = deps.routing.carrier(carrierId);
    if (!carrier || !carrier.enabled) continue;
    const pending = parts.map((part, index) => ({ part, index })).filter(({ index }) => !sent.has(index));
    if (pending.length === 0) break;
    const results = await Promise.all(pending.map(({ part }) => deps.carriers.submit(carrierId, part)));
    let worst: SubmitClass = 'accepted';
    for (const [i, outcome] of results.entries()) {
      const result = classifySubmit(outcome);
      deps.onSubmitResult?.(carrierId, result);
      const index = pending[i]!.index;
      if (outcome.kind === 'accepted') {
        const part = { messageId: message.id, partIndex: index, carrierId, carrierMessageId: outcome.carrierMessageId };
        sent.set(index, part);
        newParts.push(part);
      } else if (outcome.kind === 'rejected' && result === 'permanent') {
        return { kind: 'failed', errorCode: commandStatusCode(outcome.commandStatus), detail: { carrier: carrier.name, part: index } };
      } else worst = result;
    }
    tried.push({ carrier: carrier.name, result: worst });
    // Only "nothing was sent" moves to the next carrier at once; an unknown outcome or throttle waits.
    if (worst !== 'unavailable') break;
  }

  if (sent.size === parts.length) {
    const first = sent.get(0)!;
    return { kind: 'submitted', carrierId: first.carrierId, carrierMessageId: first.carrierMessageId };
  }
  return { kind: 'retry', reason: tried.length === 0 ? 'no enabled carrier on the route' : JSON.stringify(tried) };
}
