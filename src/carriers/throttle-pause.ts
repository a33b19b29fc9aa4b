/**
 * A carrier's throttle pause (DESIGN.md: "a throttle answer (0x58) pauses
 * that carrier's whole dispatch briefly, never just one message").
 *
 *   open --0x58--> paused(pauseMs) --pause over, next submit--> probing
 *   probing --probe answered--> open            (pause length resets)
 *   probing --probe throttled--> paused(2 x pauseMs, at most maxPauseMs)
 *   probing --probe unanswered--> paused(pauseMs)
 *
 * While paused every submit is refused at once (nothing is sent; the
 * dispatcher fails over or waits); once the pause is over exactly one
 * submit goes out as the probe, so a throttling carrier sees one submit per
 * pause rather than a burst. Answers to submits that were already in flight
 * when the pause began are ignored. Pure: the caller passes the clock.
 */

export interface ThrottlePauseOptions {
  /** First pause after a throttle answer, ms (default 200). */
  readonly initialPauseMs?: number;
  /** Longest pause when probes keep being throttled, ms (default 5_000). */
  readonly maxPauseMs?: number;
}

export type PauseState =
  | { readonly kind: 'open' }
  | { readonly kind: 'paused'; readonly untilMs: number; readonly pauseMs: number }
  | { readonly kind: 'probing'; readonly pauseMs: number };

/** 'go': send; 'probe': send, as the one probe after a pause; 'paused': do not send. */
export type Admission = 'go' | 'probe' | 'paused';

/** What the carrier made of an admitted submit. */
export type PauseAnswer = 'throttled' | 'answered' | 'no-answer';

export class ThrottlePause {
  private stateValue: PauseState = { kind: 'open' };
  private readonly initialPauseMs: number;
  private readonly maxPauseMs: number;

  constructor(options: ThrottlePauseOptions = {}) {
    this.initialPauseMs = options.initialPauseMs ?? 200;
    this.maxPauseMs = Math.max(this.initialPauseMs, options.maxPauseMs ?? 5_000);
  }

  get state(): PauseState {
    return this.stateValue;
  }

  /** Ms until a submit may go out again (0 when not paused). */
  remainingMs(nowMs: number): number {
    return this.stateValue.kind === 'paused' ? Math.max(0, this.stateValue.untilMs - nowMs) : 0;
  }

  admit(nowMs: number): Admission {
    const s = this.stateValue;
    if (s.kind === 'open') return 'go';
    if (s.kind === 'probing' || nowMs < s.untilMs) return 'paused';
    this.stateValue = { kind: 'probing', pauseMs: s.pauseMs };
    return 'probe';
  }

  /**
   * Records the carrier's answer to a submit admitted as `admitted`.
   * Returns true when this answer starts a throttle episode (a new pause,
   * or a probe throttled again): the breaker counts those, not every 0x58.
   */
  record(admitted: Exclude<Admission, 'paused'>, answer: PauseAnswer, nowMs: number): boolean {
    const s = this.stateValue;
    if (answer === 'throttled' && s.kind === 'open') return this.pause(this.initialPauseMs, nowMs);
    // Other answers matter only from the probe; the rest answer submits sent before the pause began.
    if (admitted !== 'probe' || s.kind !== 'probing') return false;
    if (answer === 'throttled') return this.pause(Math.min(this.maxPauseMs, s.pauseMs * 2), nowMs);
    if (answer === 'answered') this.stateValue = { kind: 'open' };
    else this.pause(s.pauseMs, nowMs);
    return false;
  }

  private pause(pauseMs: number, nowMs: number): true {
    this.stateValue = { kind: 'paused', untilMs: nowMs + pauseMs, pauseMs };
    return true;
  }
}
