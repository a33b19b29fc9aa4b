/**
 * Per-carrier protection in front of the carrier pool: an opossum circuit
 * breaker and the throttle pause (throttle-pause.ts). It is a CarrierPort
 * itself, so the dispatcher sees one contract: a guarded carrier that
 * should not be tried answers `unavailable` at once (cause breaker-open or
 * paused; nothing was sent) and the dispatcher fails over.
 *
 * Breaker policy (STYLE.md "opossum"):
 * - it opens after `consecutiveFailures` carrier faults in a row (timeouts,
 *   transient errors, no bound session, full windows, and each throttle
 *   episode, i.e. a new pause or a throttled probe; not every 0x58 of a
 *   burst). opossum's own percentage rule is off: stale failures in its
 *   rolling window would re-open a breaker that just closed;
 * - the message's own errors (a bad number, any permanent status) go
 *   through errorFilter and never trip it;
 * - after resetTimeoutMs it is half-open: opossum lets exactly one call
 *   through as the probe; its success closes the breaker, its failure
 *   re-opens it;
 * - opossum's timeout is off: it would not cancel the submit, and a
 *   submit_sm whose response is late has an unknown outcome. The session's
 *   responseTimeoutMs bounds every submit instead.
 * Each breaker gets its own options object (opossum mutates it).
 */
import CircuitBreaker from 'opossum';
import { isCarrierFault, statusPolicy } from './error-class';
import { ThrottlePause, type Admission, type ThrottlePauseOptions } from './throttle-pause';
import type { SendGate } from './carrier-pool';
import type { BreakerState, CarrierLiveState, CarrierPort, OutboundPart, SubmitOrder, SubmitOutcome } from './types';

/** What the guard wraps: the carrier pool, whose submit asks a gate right before sending. */
export interface GatedCarrierPort {
  submit(carrierId: string, part: OutboundPart, order?: SubmitOrder, gate?: SendGate): Promise<SubmitOutcome>;
  liveState(carrierId: string): CarrierLiveState | undefined;
}

export interface BreakerOptions {
  /** Carrier faults in a row that open the breaker (default 5). */
  readonly consecutiveFailures?: number;
  /** How long an open breaker waits before its half-open probe, ms (default 5_000). */
  readonly resetTimeoutMs?: number;
}

export interface CarrierGuardOptions {
  readonly breaker?: BreakerOptions;
  readonly pause?: ThrottlePauseOptions;
  /** Epoch ms (default Date.now). */
  readonly now?: () => number;
  readonly onBreakerState?: (carrierId: string, state: BreakerState) => void;
}

/** A submit the breaker saw fail; `counts` = a carrier fault (errorFilter lets the others through). */
class GuardedFailure extends Error {
  override readonly name = 'GuardedFailure';
  constructor(
    readonly outcome: SubmitOutcome,
    readonly counts: boolean,
  ) {
    super(`carrier submit ${outcome.kind}`);
  }

  /** The carrier answered, and not with a throttle: it is alive. */
  get carrierAnswered(): boolean {
    return this.outcome.kind === 'rejected' && statusPolicy(this.outcome.commandStatus).class !== 'throttled';
  }
}

interface Guarded {
  readonly breaker: CircuitBreaker<[OutboundPart, Exclude<Admission, 'paused'>, SubmitOrder | undefined], SubmitOutcome>;
  readonly pause: ThrottlePause;
  consecutive: number;
}

export class CarrierGuard implements CarrierPort {
  private readonly guards = new Map<string, Guarded>();
  private readonly now: () => number;

  constructor(
    private readonly inner: GatedCarrierPort,
    private readonly options: CarrierGuardOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async submit(carrierId: string, part: OutboundPart, order?: SubmitOrder): Promise<SubmitOutcome> {
    const guard = this.guardOf(carrierId);
    const admission = guard.pause.admit(this.now());
    if (admission === 'paused') {
      return { kind: 'unavailable', cause: 'paused', reason: `throttled: paused for ${guard.pause.remainingMs(this.now())} ms` };
    }
    try {
      return await guard.breaker.fire(part, admission, order);
    } catch (error) {
      if (error instanceof GuardedFailure) return error.outcome;
      if ((error as { code?: string }).code === 'EOPENBREAKER' || (error as { code?: string }).code === 'ESHUTDOWN') {
        if (admission === 'probe') guard.pause.record('probe', 'no-answer', this.now());
        return { kind: 'unavailable', cause: 'breaker-open', reason: 'circuit breaker open' };
      }
      throw error;
    }
  }

  liveState(carrierId: string): CarrierLiveState | undefined {
    return this.inner.liveState(carrierId);
  }

  breakerState(carrierId: string): BreakerState {
    const breaker = this.guards.get(carrierId)?.breaker;
    if (!breaker) return 'closed';
    return breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** Drops a carrier's breaker and pause (the carrier was removed or disabled). */
  forget(carrierId: string): void {
    this.guards.get(carrierId)?.breaker.shutdown();
    this.guards.delete(carrierId);
  }

  close(): void {
    for (const id of [...this.guards.keys()]) this.forget(id);
  }

  private guardOf(carrierId: string): Guarded {
    const existing = this.guards.get(carrierId);
    if (existing) return existing;
    const pause = new ThrottlePause(this.options.pause);
    const threshold = this.options.breaker?.consecutiveFailures ?? 5;
    const breaker = new CircuitBreaker(
      async (part: OutboundPart, admission: Exclude<Admission, 'paused'>, order: SubmitOrder | undefined) => {
        // Submits still waiting for a permit or a window slot when a throttle pause begins are not sent.
        const outcome = await this.inner.submit(carrierId, part, order, () => admission === 'probe' || pause.state.kind === 'open');
        const counts = this.recordPause(pause, admission, outcome);
        if (outcome.kind === 'accepted') return outcome;
        throw new GuardedFailure(outcome, counts);
      },
      {
        timeout: false,
        resetTimeout: this.options.breaker?.resetTimeoutMs ?? 5_000,
        errorThresholdPercentage: 100, // never exceeded: we open on consecutive faults (see the module comment)
        errorFilter: (error: unknown) => error instanceof GuardedFailure && !error.counts,
        enableSnapshots: false,
      },
    );
    const guard: Guarded = { breaker, pause, consecutive: 0 };
    breaker.on('failure', () => {
      if (++guard.consecutive >= threshold) breaker.open();
    });
    // Only an answer from the carrier breaks a run of faults; a throttle straggler or our own cap does not.
    breaker.on('success', (result: unknown) => {
      if (!(result instanceof GuardedFailure) || result.carrierAnswered) guard.consecutive = 0;
    });
    const report = (state: BreakerState) => () => {
      guard.consecutive = 0;
      this.options.onBreakerState?.(carrierId, state);
    };
    breaker.on('open', report('open'));
    breaker.on('halfOpen', report('half-open'));
    breaker.on('close', report('closed'));
    this.guards.set(carrierId, guard);
    return guard;
  }

  /** Feeds the pause gate; returns whether the outcome is a carrier fault for the breaker. */
  private recordPause(pause: ThrottlePause, admission: Exclude<Admission, 'paused'>, outcome: SubmitOutcome): boolean {
    const now = this.now();
    if (outcome.kind === 'rejected' && statusPolicy(outcome.commandStatus).class === 'throttled') {
      return pause.record(admission, 'throttled', now);
    }
    pause.record(admission, outcome.kind === 'accepted' || outcome.kind === 'rejected' ? 'answered' : 'no-answer', now);
    return isCarrierFault(outcome);
  }
}
