/**
 * The accept stage, shared by the HTTP API and the SMPP server: gathers
 * submissions into micro-batches, refuses those the balance cannot cover,
 * stores the rest in one multi-row insert and enqueues one review job per
 * batch. A submission is acknowledged only after its batch is durable
 * (committed in PostgreSQL and its job in Redis).
 */
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../core/errors';
import { MicroBatcher } from './micro-batcher';
import type { AcceptStore, StageQueues } from './ports';
import type { NewMessage } from './types';

export interface AcceptDeps {
  readonly store: AcceptStore;
  readonly queues: StageQueues;
  readonly maxBatchItems: number;
  readonly maxBatchWaitMs: number;
  readonly onAccepted?: (messages: readonly NewMessage[]) => void;
}

type Outcome = { ok: true } | { ok: false; error: GatewayError };

export class Acceptor {
  private readonly batcher: MicroBatcher<readonly NewMessage[], Outcome>;

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
    let outcome: Outcome;
    try {
      outcome = await this.batcher.add(messages);
    } catch (error) {
      throw new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: errorMessage(error) });
    }
    if (!outcome.ok) throw outcome.error;
  }

  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async flush(submissions: ReadonlyArray<readonly NewMessage[]>): Promise<Outcome[]> {
    const accountIds = [...new Set(submissions.flatMap((s) => s.map((m) => m.accountId)))];
    const available = await this.deps.store.balances(accountIds);
    const outcomes: Outcome[] = [];
    const accepted: NewMessage[] = [];
    for (const submission of submissions) {
      const accountId = submission[0]?.accountId ?? '';
      const total = submission.reduce((sum, m) => sum + m.price, 0);
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
      accepted.push(...submission);
      outcomes.push({ ok: true });
    }
    if (accepted.length === 0) return outcomes;

    await this.deps.store.insertAccepted(accepted);
    const ids = accepted.map((m) => m.id);
    try {
      await this.deps.queues.review(`review:${randomUUID()}`, ids);
    } catch (error) {
      // Not acknowledged, so not kept: the rows end failed (never charged), and the client is told to retry.
      await this.deps.store.abandonAccepted(ids, 'queue unavailable').catch(() => undefined);
      throw error;
    }
    this.deps.onAccepted?.(accepted);
    return outcomes;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
