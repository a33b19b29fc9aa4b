/**
 * Per-account dispatch rate caps in the dispatch stage: before a batch goes
 * to carriers, each capped account's messages take permits from its bucket
 * (shared by every worker process; burst one second's worth). What the
 * bucket grants goes now; the rest is deferred: released and requeued in
 * chunks whose delays follow the bucket (a chunk runs about when its
 * permits are there), neither an attempt nor a wait. A chunk that finds
 * fewer permits than it has messages (other jobs of the account took them)
 * is deferred again.
 *
 * The cap counts messages, not parts. When the caps cannot be read (the
 * database or Redis away) the batch goes uncapped: a cap is a fairness
 * control, not worth stopping traffic for.
 */
import type { DispatchCaps } from './ports';
import type { MessageRecord } from './types';

/** One account's deferred messages leave in at most this many jobs (each at least a second's worth). */
const MAX_DEFERRED_JOBS = 10;

export interface Deferral {
  readonly messages: readonly MessageRecord[];
  /** About when the account's bucket has their permits, ms from now. */
  readonly delayMs: number;
}

export interface CapAdmission {
  /** What may go to carriers now, in the batch's order. */
  readonly admitted: readonly MessageRecord[];
  readonly deferred: readonly Deferral[];
}

export async function admitByAccountCaps(
  messages: readonly MessageRecord[],
  caps: DispatchCaps | undefined,
  onError: (error: unknown) => void = () => undefined,
): Promise<CapAdmission> {
  if (!caps || messages.length === 0) return { admitted: messages, deferred: [] };
  const byAccount = new Map<string, MessageRecord[]>();
  for (const m of messages) byAccount.set(m.accountId, [...(byAccount.get(m.accountId) ?? []), m]);
  const held = new Set<string>();
  const deferred: Deferral[] = [];
  await Promise.all(
    [...byAccount].map(async ([accountId, list]) => {
      let grant: { rate: number; granted: number; retryAfterMs: number } | undefined;
      try {
        const rate = await caps.capOf(accountId);
        if (rate !== null) grant = { rate, ...(await caps.take(accountId, rate, list.length)) };
      } catch (error) {
        onError(error);
      }
      if (!grant || grant.granted >= list.length) return;
      const rest = list.slice(Math.max(0, grant.granted));
      for (const m of rest) held.add(m.id);
      deferred.push(...deferralsOf(rest, grant.rate, grant.retryAfterMs));
    }),
  );
  return { admitted: held.size === 0 ? messages : messages.filter((m) => !held.has(m.id)), deferred };
}

/**
 * Chunks of at least a second's worth; the first runs when a bucketful (or
 * its own size) has refilled, chunk i when the chunks before it have had
 * their permits.
 */
function deferralsOf(rest: readonly MessageRecord[], ratePerSecond: number, retryAfterMs: number): Deferral[] {
  const size = Math.max(Math.ceil(ratePerSecond), Math.ceil(rest.length / MAX_DEFERRED_JOBS));
  const out: Deferral[] = [];
  for (let i = 0; i * size < rest.length; i++) {
    const chunk = rest.slice(i * size, (i + 1) * size);
    const permitsAhead = i === 0 ? Math.min(chunk.length, ratePerSecond) : i * size;
    out.push({ messages: chunk, delayMs: Math.max(retryAfterMs, Math.ceil((permitsAhead * 1000) / ratePerSecond)) });
  }
  return out;
}
