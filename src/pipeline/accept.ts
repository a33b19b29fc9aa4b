/**
 * The accept stage, shared by the HTTP API and the SMPP server: gathers
 * submissions into micro-batches, refuses those the balance (plus credit
 * limit) cannot cover and those over their app's monthly quota, stores the
 * rest in one multi-row insert and enqueues one review job per batch. A
 * submission is acknowledged only after its batch is durable (committed in
 * PostgreSQL and its job in Redis). A submission with an idempotency key
 * stores the key in the batch's transaction; when the key is taken (a
 * concurrent or earlier duplicate) it creates nothing and says so.
 */
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../core/errors';
import { secondsUntilNextMonth, type QuotaRequest } from '../billing/monthly-quota';
import type { IdempotencyClaim, IdempotentInsert, QuotaPort, QuotaReservationRef } from './accept-limits';
import { MicroBatcher } from './micro-batcher';
import type { AcceptStore, StageQueues } from './ports';
import type { NewMessage } from './types';

export interface AcceptDeps {
  readonly store: AcceptStore;
  readonly queues: StageQueues;
  readonly maxBatchItems: number;
  readonly maxBatchWaitMs: number;
  readonly onAccepted?: (messages: readonly NewMessage[]) => void;
  /** Per-app monthly quotas (absent: none are enforced). */
  readonly quota?: QuotaPort;
  /** Needed for acceptIdempotent(). */
  readonly idempotency?: IdempotentInsert;
  readonly now?: () => Date;
}

type Outcome = { ok: true } | { ok: false; error: GatewayError } | { ok: false; duplicate: true };

interface Submission {
  readonly messages: readonly NewMessage[];
  readonly claim?: IdempotencyClaim;
}

export class Acceptor {
  private readonly batcher: MicroBatcher<Submission, Outcome>;

  constructor(private readonly deps: AcceptDeps) {
    this.batcher = new MicroBatcher({
      maxItems: deps.maxBatchItems,
      maxWaitMs: deps.maxBatchWaitMs,
      flush: (submissions) => this.flush(submissions),
    });
  }

  /**
   * Resolves once the messages are durable; rejects with INSUFFICIENT_BALANCE
   * when the account cannot pay for the whole submission, or
   * QUEUE_UNAVAILABLE when PostgreSQL or Redis failed (nothing was accepted).
   */
  async accept(messages: readonly NewMessage[]): Promise<void> {
    await this.submit({ messages });
  }

  /**
   * accept() with an idempotency key: 'duplicate' when the key was already
   * stored (by an earlier or a concurrent submission; nothing was created,
   * and the stored response is durable by now).
   */
  async acceptIdempotent(messages: readonly NewMessage[], claim: IdempotencyClaim): Promise<'accepted' | 'duplicate'> {
    if (!this.deps.idempotency) throw new Error('Acceptor: acceptIdempotent needs deps.idempotency');
    return this.submit({ messages, claim });
  }

  private async submit(submission: Submission): Promise<'accepted' | 'duplicate'> {
    let outcome: Outcome;
    try {
      outcome = await this.batcher.add(submission);
    } catch (error) {
      throw new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: errorMessage(error) });
    }
    if (outcome.ok) return 'accepted';
    if ('duplicate' in outcome) return 'duplicate';
    throw outcome.error;
  }

  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async flush(submissions: readonly Submission[]): Promise<Outcome[]> {
    const accountIds = [...new Set(submissions.flatMap((s) => s.messages.map((m) => m.accountId)))];
    // The store answers what each account may spend (balance + credit limit; gateway.ts serves it from a cache).
    const available = await this.deps.store.balances(accountIds);
    const outcomes: Outcome[] = [];
    const passed: number[] = [];
    for (const [i, submission] of submissions.entries()) {
      const accountId = submission.messages[0]?.accountId ?? '';
      const total = submission.messages.reduce((sum, m) => sum + m.price, 0);
      const balance = available.get(accountId) ?? 0;
      if (total > balance) {
        outcomes.push({
          ok: false,
          error: new GatewayError('INSUFFICIENT_BALANCE', undefined, { required: total, balance }),
        });
        continue;
      }
      // Later submissions of the same batch see what earlier ones will cost.
      available.set(accountId, balance - total);
      passed.push(i);
      outcomes.push({ ok: true });
    }
    // A second submission of a key within the batch waits for the first one's result: a duplicate.
    const claimed = new Set<string>();
    const unique = passed.filter((i) => {
      const claim = submissions[i]!.claim;
      if (!claim) return true;
      const id = `${claim.appId}\n${claim.key}`;
      if (claimed.has(id)) {
        outcomes[i] = { ok: false, duplicate: true };
        return false;
      }
      claimed.add(id);
      return true;
    });
    const { kept, reservations } = await this.reserveQuota(submissions, unique, outcomes);
    if (kept.length === 0) return outcomes;

    let stored: NewMessage[];
    let storedClaims: IdempotencyClaim[];
    try {
      ({ stored, storedClaims } = await this.store(submissions, kept, outcomes, reservations));
    } catch (error) {
      await this.deps.quota?.release([...reservations.values()]).catch(() => undefined);
      throw error;
    }
    if (stored.length === 0) return outcomes;
    const ids = stored.map((m) => m.id);
    try {
      await this.enqueueReviews(stored);
    } catch (error) {
      // Not acknowledged, so not kept: the rows end failed (never charged), their keys are
      // forgotten and their quota given back, and the client is told to retry.
      await this.deps.store.abandonAccepted(ids, 'queue unavailable').catch(() => undefined);
      await this.deps.idempotency?.forget(storedClaims).catch(() => undefined);
      await this.deps.quota?.release([...reservations.values()]).catch(() => undefined);
      throw error;
    }
    this.deps.onAccepted?.(stored);
    return outcomes;
  }

  /**
   * One review job for the batch's immediate messages (as before scheduling existed), and one per
   * scheduled time, delayed until it: review+charge run at the release (docs/campaigns.md).
   * Express when any message of the job is express.
   */
  private async enqueueReviews(stored: readonly NewMessage[]): Promise<void> {
    const nowMs = (this.deps.now?.() ?? new Date()).getTime();
    const jobBase = `review:${randomUUID()}`;
    const groups = new Map<number, NewMessage[]>();
    for (const m of stored) {
      const at = m.scheduleAt && m.scheduleAt.getTime() > nowMs ? m.scheduleAt.getTime() : 0;
      groups.set(at, [...(groups.get(at) ?? []), m]);
    }
    for (const [at, group] of groups) {
      const priority = group.some((m) => m.priority === 'express') ? 'express' : 'normal';
      const ids = group.map((m) => m.id);
      if (at === 0 && priority === 'express') await this.deps.queues.review(jobBase, ids, { priority });
      else if (at === 0) await this.deps.queues.review(jobBase, ids);
      else await this.deps.queues.review(`${jobBase}:${at}`, ids, { priority, delayMs: at - nowMs });
    }
  }

  /** Reserves the monthly quota of the submissions at `indexes` (one round trip); refused ones get QUOTA_EXCEEDED. */
  private async reserveQuota(
    submissions: readonly Submission[],
    indexes: readonly number[],
    outcomes: Outcome[],
  ): Promise<{ kept: number[]; reservations: Map<number, QuotaReservationRef> }> {
    const reservations = new Map<number, QuotaReservationRef>();
    if (!this.deps.quota || indexes.length === 0) return { kept: [...indexes], reservations };
    const appIds = [...new Set(indexes.map((i) => submissions[i]!.messages[0]?.appId ?? ''))];
    const limits = await this.deps.quota.quotas(appIds);
    const limited: Array<{ index: number; request: QuotaRequest }> = [];
    for (const i of indexes) {
      const messages = submissions[i]!.messages;
      const appId = messages[0]?.appId ?? '';
      const limit = limits.get(appId);
      if (limit !== null && limit !== undefined) limited.push({ index: i, request: { appId, limit, count: messages.length } });
    }
    if (limited.length === 0) return { kept: [...indexes], reservations };
    const now = this.deps.now?.() ?? new Date();
    const verdict = await this.deps.quota.reserve(
      limited.map((l) => l.request),
      now,
    );
    const refused = new Set<number>();
    let r = 0;
    limited.forEach((l, j) => {
      if (verdict.allowed[j]) {
        reservations.set(l.index, verdict.reservations[r++]!);
        return;
      }
      refused.add(l.index);
      outcomes[l.index] = {
        ok: false,
        error: new GatewayError(
          'QUOTA_EXCEEDED',
          `over the app's monthly quota of ${l.request.limit} messages`,
          { limit: l.request.limit, requested: l.request.count },
          secondsUntilNextMonth(now),
        ),
      };
    });
    return { kept: indexes.filter((i) => !refused.has(i)), reservations };
  }

  /** One insert (one transaction with the idempotency keys when the batch has any); returns what was stored. */
  private async store(
    submissions: readonly Submission[],
    indexes: readonly number[],
    outcomes: Outcome[],
    reservations: Map<number, QuotaReservationRef>,
  ): Promise<{ stored: NewMessage[]; storedClaims: IdempotencyClaim[] }> {
    const groups = indexes.map((i) => submissions[i]!);
    if (!this.deps.idempotency || !groups.some((g) => g.claim)) {
      const stored = groups.flatMap((g) => g.messages);
      await this.deps.store.insertAccepted(stored);
      return { stored, storedClaims: [] };
    }
    const verdicts = await this.deps.idempotency.insertWithKeys(groups);
    const stored: NewMessage[] = [];
    const storedClaims: IdempotencyClaim[] = [];
    const unused: QuotaReservationRef[] = [];
    indexes.forEach((i, j) => {
      const group = groups[j]!;
      if (verdicts[j]) {
        stored.push(...group.messages);
        if (group.claim) storedClaims.push(group.claim);
        return;
      }
      outcomes[i] = { ok: false, duplicate: true };
      const reservation = reservations.get(i);
      if (reservation) {
        unused.push(reservation);
        reservations.delete(i);
      }
    });
    await this.deps.quota?.release(unused).catch(() => undefined);
    return { stored, storedClaims };
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
