/**
 * The dispatch stage: a batch of charged messages goes to carriers
 * (dispatch-message.ts decides per message). The carrier ids are stored
 * (PostgreSQL, then the hot Redis map) as the carriers hand them out, in
 * group commits, and a message becomes `submitted` with its last part. Messages that cannot finish now leave the batch together,
 * as one job per kind:
 * - retry (something went out and failed, or its outcome is unknown): after
 *   retryBaseDelayMs x 2^attempt, preferring the other carriers; the
 *   MAX_DISPATCH_ATTEMPTS-th such failure moves the message to the
 *   dead-letter queue instead (it stays queued and charged);
 * - wait (nothing went out: carriers down, breakers open, paused, over
 *   their TPS): after waitBaseDelayMs x 2^waits (at most waitMaxDelayMs,
 *   with jitter), without counting an attempt.
 * - deferred (its account's dispatch cap has no permit for it now; see
 *   dispatch-caps.ts): released before anything is sent, and requeued for
 *   when the cap has room, neither an attempt nor a wait.
 * All delays stop at the message's validity, where dispatch (or the
 * validity sweeper, whichever comes first) ends it expired and refunded.
 * A permanent carrier error ends the message failed (refunded by finalize).
 *
 * Job ids are derived from (first message, generation, attempt, waits, deferrals), so
 * re-running a batch after a crash enqueues nothing twice.
 */
import type { SubmitClass } from '../carriers/error-class';
import { REFUNDED_STATUSES } from '../core/lifecycle';
import { admitByAccountCaps } from './dispatch-caps';
import { submitMessage, type MessageOutcome } from './dispatch-message';
import { MicroBatcher } from './micro-batcher';
import { WeightedPicker } from '../routing/candidates';
import type {
  CarrierIdMap,
  CarrierPort,
  DeadLetterEntry,
  DeadLetterWriter,
  DispatchCaps,
  DispatchStore,
  FinalizeStore,
  RoutingView,
  StageQueues,
  SubmittedPart,
} from './ports';
import type { Finalization, Finalized, MessageRecord, Priority } from './types';

export { outboundParts } from './dispatch-message';

/** Submits of one message that went out and failed before it is dead-lettered. */
export const MAX_DISPATCH_ATTEMPTS = 3;

/** The weighted round robin's credits, per routing snapshot, for every dispatch run of this process. */
const PROCESS_PICKER = new WeightedPicker();

/** Longest wait before what carriers took is recorded, ms. */
const RECORD_WAIT_MS = 10;

/**
 * How long the hot Redis map keeps a carrier id; receipts later than this are matched in
 * PostgreSQL (indexed). Most receipts come within minutes; a longer TTL only makes Redis grow
 * (about 560 bytes per message: a week at 300 msgs/s would be about 100 GB, six hours about 4 GB).
 */
const CARRIER_ID_TTL_SECONDS = 6 * 3600;

export interface DispatchDeps {
  readonly store: DispatchStore & FinalizeStore;
  readonly deadLetters: DeadLetterWriter;
  readonly queues: StageQueues;
  readonly carriers: CarrierPort;
  readonly routing: RoutingView;
  readonly idMap: CarrierIdMap;
  readonly now: () => Date;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly onSubmitResult?: (carrierId: string, result: SubmitClass) => void;
  readonly onDeadLettered?: (count: number) => void;
  /** Messages sent back to the queue for later, by why (smsgw_dispatch_requeued_total). */
  readonly onRequeued?: (reason: 'wait' | 'retry' | 'deferred', count: number) => void;
  /** A claim older than this may be taken over (the claiming worker died); default 120_000. */
  readonly claimLeaseMs?: number;
  /** First retry delay after a failed submit, ms (default 1_000); doubles per attempt. */
  readonly retryBaseDelayMs?: number;
  /** First delay when no carrier could take a message, ms (default 250); doubles per wait. */
  readonly waitBaseDelayMs?: number;
  /** Longest such delay, ms (default 15_000). */
  readonly waitMaxDelayMs?: number;
  /** Load sharing within a route's rank (default: one per process). */
  readonly picker?: WeightedPicker;
  /** [0, 1) source for the wait jitter (default Math.random). */
  readonly random?: () => number;
  /** Per-account dispatch rate caps (none without it). */
  readonly caps?: DispatchCaps;
  /** The caps could not be read; the batch went uncapped. */
  readonly onCapsError?: (error: unknown) => void;
}

export interface DispatchJob {
  readonly jobId: string;
  readonly ids: readonly string[];
  /** Failed submits so far (every message of the job has the same count). */
  readonly attempt: number;
  readonly waits?: number;
  readonly generation?: number;
  readonly avoidCarrierIds?: readonly string[];
  /** Times an account cap sent these messages back (see dispatch-caps.ts). */
  readonly deferrals?: number;
  /** Batch (campaign) traffic; requeued jobs stay bulk. */
  readonly bulk?: boolean;
}

export async function dispatchBatch(job: DispatchJob, deps: DispatchDeps): Promise<void> {
  const claimed = await deps.store.claim(job.ids, job.jobId, deps.claimLeaseMs ?? 120_000);
  if (claimed.length === 0) return;
  const now = deps.now();
  const live: MessageRecord[] = [];
  const finals: Finalization[] = [];
  for (const message of claimed) {
    if (message.validUntil.getTime() <= now.getTime()) {
      finals.push({ id: message.id, status: 'expired', errorCode: 'VALIDITY_EXPIRED', detail: { reason: 'validity ended before a carrier took it' } });
    } else live.push(message);
  }
  // Its batch was cancelled while this message was in flight (claimed) and it came back (a wait or
  // retry requeue): it ends rejected CANCELLED and refunded instead of going out (docs/campaigns.md).
  for (let i = live.length - 1; i >= 0; i--) {
    if (!live[i]!.cancelled) continue;
    finals.push({ id: live[i]!.id, status: 'rejected', errorCode: 'CANCELLED', detail: { reason: 'cancelled' } });
    live.splice(i, 1);
  }

  // Account dispatch caps: what their buckets cannot take now leaves the batch before anything is sent.
  const { admitted: sending, deferred } = await admitByAccountCaps(live, deps.caps, deps.onCapsError);
  for (const d of deferred) {
    await deps.store.release(d.messages.map((m) => m.id));
    await requeue(deps, d.messages, now, d.delayMs, { ...requeueState(job), deferrals: (job.deferrals ?? 0) + 1 });
    deps.onRequeued?.('deferred', d.messages.length);
  }

  const already = await deps.store.submittedParts(sending.map((m) => m.id));
  const sentByMessage = new Map<string, SubmittedPart[]>();
  for (const part of already) sentByMessage.set(part.messageId, [...(sentByMessage.get(part.messageId) ?? []), part]);

  const recorder = submissionRecorder(deps);
  const ctx = {
    carriers: deps.carriers,
    routing: deps.routing,
    avoid: job.avoidCarrierIds ?? [],
    picker: deps.picker ?? PROCESS_PICKER,
    ...(deps.onSubmitResult ? { onSubmitResult: deps.onSubmitResult } : {}),
  };
  const outcomes = await Promise.all(
    sending.map(async (message) => {
      const newParts: SubmittedPart[] = [];
      const outcome = await submitMessage(message, sentByMessage.get(message.id) ?? [], ctx, newParts);
      const submitted = outcome.kind === 'submitted' ? { id: message.id, carrierId: outcome.carrierId, carrierMessageId: outcome.carrierMessageId } : undefined;
      if (newParts.length > 0 || submitted) await recorder.add({ parts: newParts, submitted });
      return outcome;
    }),
  );

  const retries: Array<{ message: MessageRecord; outcome: Extract<MessageOutcome, { kind: 'retry' }> }> = [];
  const waits: MessageRecord[] = [];
  const dead: DeadLetterEntry[] = [];
  sending.forEach((message, i) => {
    const outcome = outcomes[i]!;
    if (outcome.kind === 'submitted') return;
    if (outcome.kind === 'failed') finals.push({ id: message.id, status: 'failed', errorCode: outcome.errorCode, detail: outcome.detail });
    else if (outcome.kind === 'wait') waits.push(message);
    else if (job.attempt + 1 >= MAX_DISPATCH_ATTEMPTS) {
      dead.push({ id: message.id, reason: outcome.reason, attempts: job.attempt + 1, detail: { lastCarrierId: outcome.carrierId } });
    } else retries.push({ message, outcome });
  });

  if (finals.length > 0) {
    const finalized = await deps.store.finalize(finals, REFUNDED_STATUSES);
    await deps.onFinalized(finalized);
  }
  if (dead.length > 0) {
    await deps.deadLetters.deadLetter(dead);
    deps.onDeadLettered?.(dead.length);
  }
  const waitCount = job.waits ?? 0;
  const random = deps.random ?? Math.random;
  if (retries.length > 0) {
    const messages = retries.map((r) => r.message);
    await deps.store.release(messages.map((m) => m.id));
    const avoid = [...new Set(retries.map((r) => r.outcome.carrierId))];
    const delayMs = (deps.retryBaseDelayMs ?? 1_000) * 2 ** job.attempt;
    await requeue(deps, messages, now, delayMs, { ...requeueState(job), attempt: job.attempt + 1, avoidCarrierIds: avoid });
    deps.onRequeued?.('retry', messages.length);
  }
  if (waits.length > 0) {
    await deps.store.release(waits.map((m) => m.id));
    const ceilingMs = Math.min(deps.waitMaxDelayMs ?? 15_000, (deps.waitBaseDelayMs ?? 250) * 2 ** Math.min(waitCount, 20));
    const delayMs = Math.round(ceilingMs * (0.8 + 0.4 * random()));
    await requeue(deps, waits, now, delayMs, { ...requeueState(job), waits: waitCount + 1 });
    deps.onRequeued?.('wait', waits.length);
  }
}

interface Recorded {
  readonly parts: readonly SubmittedPart[];
  readonly submitted: { readonly id: string; readonly carrierId: string; readonly carrierMessageId: string } | undefined;
}

/**
 * Records what carriers took while the batch is still running (group
 * commit of about RECORD_WAIT_MS), not once at its end: a batch may take
 * seconds (a TPS cap, a failover), and a receipt that comes before its part
 * is recorded only waits a few retries. PostgreSQL first: a receipt matched
 * through Redis must find its part row.
 */
function submissionRecorder(deps: DispatchDeps): MicroBatcher<Recorded, true> {
  return new MicroBatcher<Recorded, true>({
    maxItems: 500,
    maxWaitMs: RECORD_WAIT_MS,
    flush: async (items) => {
      const parts = items.flatMap((i) => i.parts);
      await deps.store.recordSubmission(parts, items.flatMap((i) => (i.submitted ? [i.submitted] : [])));
      if (parts.length > 0) await deps.idMap.put(parts, CARRIER_ID_TTL_SECONDS).catch(() => undefined); // PostgreSQL is the fallback
      return items.map(() => true as const);
    },
  });
}

interface RequeueState {
  readonly attempt: number;
  readonly waits: number;
  readonly generation: number;
  readonly avoidCarrierIds: readonly string[];
  readonly deferrals: number;
  readonly bulk: boolean;
}

/** The job's own state, carried into the jobs it requeues (each caller changes its counter). */
function requeueState(job: DispatchJob): RequeueState {
  return {
    attempt: job.attempt,
    waits: job.waits ?? 0,
    generation: job.generation ?? 0,
    avoidCarrierIds: job.avoidCarrierIds ?? [],
    deferrals: job.deferrals ?? 0,
    bulk: job.bulk ?? false,
  };
}

/** One delayed job per priority; the delay never runs past the earliest validity among them. */
async function requeue(deps: DispatchDeps, messages: readonly MessageRecord[], now: Date, delayMs: number, state: RequeueState): Promise<void> {
  const byPriority = new Map<Priority, MessageRecord[]>();
  for (const m of messages) byPriority.set(m.priority, [...(byPriority.get(m.priority) ?? []), m]);
  for (const [priority, list] of byPriority) {
    const firstValidUntil = Math.min(...list.map((m) => m.validUntil.getTime()));
    const delay = Math.max(0, Math.min(delayMs, firstValidUntil - now.getTime()));
    const deferred = state.deferrals > 0 ? `.d${state.deferrals}` : '';
    const jobId = `dispatch:${list[0]!.id}:g${state.generation}.a${state.attempt}.w${state.waits}${deferred}`;
    await deps.queues.dispatch(jobId, list.map((m) => m.id), priority, {
      delayMs: delay,
      attempt: state.attempt,
      waits: state.waits,
      generation: state.generation,
      avoidCarrierIds: state.avoidCarrierIds,
      ...(state.deferrals > 0 ? { deferrals: state.deferrals } : {}),
      ...(state.bulk ? { bulk: true } : {}),
    });
  }
}
