/**
 * One message's way to a carrier within one dispatch run: its route's
 * carriers in candidate order (ranks, weights, sticky, avoid: see
 * routing/candidates.ts), every part not yet with a carrier submitted, the
 * worst part outcome deciding the next step (carriers/error-class.ts):
 * done, try the next carrier now, wait, retry later, or fail.
 *
 * Parts of one message stay on one carrier: once a carrier holds a part,
 * the rest go only to it (handsets reassemble per originator, and a
 * carrier may rewrite the sender).
 */
import {
  classifySubmit,
  commandStatusCode,
  DISPATCH_STEP_SEVERITY,
  dispatchStepOf,
  type DispatchStep,
  type SubmitClass,
} from '../carriers/error-class';
import type { CarrierConcat, OutboundPart, SubmitOutcome } from '../carriers/types';
import { parseSender } from '../core/number';
import { segmentText } from '../core/text';
import { candidateOrder, type WeightedPicker } from '../routing/candidates';
import type { CarrierPort, RoutingView, SubmittedPart } from './ports';
import type { MessageRecord } from './types';

export type MessageOutcome =
  | { readonly kind: 'submitted'; readonly carrierId: string; readonly carrierMessageId: string }
  | { readonly kind: 'failed'; readonly errorCode: string; readonly detail: Record<string, unknown> }
  /** Something went out and failed (transient error, unknown outcome): counts as an attempt. */
  | { readonly kind: 'retry'; readonly reason: string; readonly carrierId: string }
  /** Nothing went out: no carrier could take it now. */
  | { readonly kind: 'wait'; readonly reason: string };

export interface SubmitContext {
  readonly carriers: CarrierPort;
  readonly routing: RoutingView;
  /** Carriers that failed this message last time: tried last. */
  readonly avoid: readonly string[];
  /** Load sharing within a rank (shared by the messages of a process). */
  readonly picker: WeightedPicker;
  readonly onSubmitResult?: (carrierId: string, result: SubmitClass) => void;
}

/**
 * The SMPP parts of a message for a carrier's concat mode; the UDH
 * reference comes from the id so a retry reuses it. Billing counted the
 * parts with an 8-bit reference: a udh16 carrier gets udh16 only when the
 * text cuts into the same number of parts (its 7-octet UDH leaves a septet
 * or unit less per part), else udh8, so a message always goes out as
 * exactly the parts it was billed for. SAR cuts like udh8.
 */
export function outboundParts(message: MessageRecord, concat: CarrierConcat = 'udh8'): OutboundPart[] {
  const reference = parseInt(message.id.slice(-4), 16);
  let segmented = segmentText(message.text, { reference, concat, encoding: message.encoding });
  if (concat === 'udh16' && segmented.parts.length !== message.parts) {
    segmented = segmentText(message.text, { reference, concat: 'udh8', encoding: message.encoding });
  }
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

function describe(outcome: SubmitOutcome | undefined): string {
  if (!outcome) return 'accepted';
  switch (outcome.kind) {
    case 'rejected':
      return commandStatusCode(outcome.commandStatus);
    case 'unavailable':
      return outcome.cause;
    default:
      return outcome.kind;
  }
}

/** Nothing was tried at the carrier for these (no bind of ours was asked): not a carrier submit in the metrics. */
const NOT_SUBMITTED = new Set(['breaker-open', 'paused', 'not-held']);

export async function submitMessage(
  message: MessageRecord,
  alreadySent: readonly SubmittedPart[],
  ctx: SubmitContext,
  newParts: SubmittedPart[],
): Promise<MessageOutcome> {
  const route = ctx.routing.table().resolve(message.to);
  // Accept only takes routed numbers, so no route here means this process's snapshot is older
  // than the one accept used, or the operator removed the route since: nothing was sent, so the
  // message waits (a fixed table picks it up; otherwise it expires at its validity, refunded).
  if (!route) return { kind: 'wait', reason: 'no route covers the number (yet)' };
  const sent = new Map(alreadySent.map((p) => [p.partIndex, p]));
  const candidates = candidateOrder(route, ctx.picker, {
    ...(alreadySent[0] ? { sticky: alreadySent[0].carrierId } : {}),
    avoid: ctx.avoid,
  });
  const tried: string[] = [];
  let total = message.parts;

  for (const carrierId of candidates) {
    const carrier = ctx.routing.carrier(carrierId);
    if (!carrier || !carrier.enabled) {
      tried.push(`${carrier?.name ?? carrierId}: disabled`);
      continue;
    }
    const parts = outboundParts(message, carrier.concat);
    total = parts.length;
    const pending = parts.map((part, index) => ({ part, index })).filter(({ index }) => !sent.has(index));
    if (pending.length === 0) break;
    const order = { accountId: message.accountId, priority: message.priority };
    const outcomes = await Promise.all(pending.map(({ part }) => ctx.carriers.submit(carrierId, part, order)));
    let step = 'done' as DispatchStep;
    let worst: SubmitOutcome | undefined;
    for (const [i, outcome] of outcomes.entries()) {
      if (!(outcome.kind === 'unavailable' && NOT_SUBMITTED.has(outcome.cause))) ctx.onSubmitResult?.(carrierId, classifySubmit(outcome));
      if (outcome.kind === 'accepted') {
        const part = { messageId: message.id, partIndex: pending[i]!.index, carrierId, carrierMessageId: outcome.carrierMessageId, cost: carrier.cost ?? 0 };
        sent.set(part.partIndex, part);
        newParts.push(part);
      }
      const s = dispatchStepOf(outcome);
      if (DISPATCH_STEP_SEVERITY[s] > DISPATCH_STEP_SEVERITY[step]) {
        step = s;
        worst = outcome;
      }
    }
    tried.push(`${carrier.name}: ${describe(worst)}`);
    if (step === 'fail' && worst?.kind === 'rejected') {
      return { kind: 'failed', errorCode: commandStatusCode(worst.commandStatus), detail: { carrier: carrier.name, tried } };
    }
    if (step === 'retry') return { kind: 'retry', reason: tried.join('; '), carrierId };
    if (step === 'wait' || (step === 'next' && sent.size > 0)) return { kind: 'wait', reason: tried.join('; ') };
    if (step === 'done') break;
  }

  if (sent.size >= total) {
    const first = sent.get(0)!;
    return { kind: 'submitted', carrierId: first.carrierId, carrierMessageId: first.carrierMessageId };
  }
  return { kind: 'wait', reason: tried.length === 0 ? 'no enabled carrier on the route' : tried.join('; ') };
}

