/**
 * What the dispatcher and the circuit breaker must do with a carrier's
 * answer. Typed tables, so the policy is data:
 * - class: permanent (fail and refund), transient (retry later, maybe on the
 *   next carrier; counts as an attempt), throttled (pause the carrier; not
 *   the message's fault), unknown (the carrier may have taken it: never
 *   resend blindly), unavailable (nothing was sent);
 * - fault: 'carrier' answers are health signals for the carrier's breaker;
 *   'message' answers (a bad number) are the customer's and never trip it.
 * A command_status missing from the table is permanent and the message's
 * fault: the carrier answered, so it is alive, and we do not know that a
 * retry could help.
 */
import type { SubmitOutcome, UnavailableCause } from './types';

export type SubmitClass = 'accepted' | 'permanent' | 'transient' | 'throttled' | 'unknown' | 'unavailable';

type Fault = 'carrier' | 'message';

interface StatusPolicy {
  readonly name: string;
  readonly class: 'permanent' | 'transient' | 'throttled';
  readonly fault: Fault;
}

/** SMPP 3.4 command_status values (§5.1.3) and what they mean for a submit_sm. */
export const COMMAND_STATUS_POLICY: Readonly<Record<number, StatusPolicy>> = {
  0x58: { name: 'ESME_RTHROTTLED', class: 'throttled', fault: 'carrier' },
  0x14: { name: 'ESME_RMSGQFUL', class: 'transient', fault: 'carrier' },
  0x08: { name: 'ESME_RSYSERR', class: 'transient', fault: 'carrier' },
  0x64: { name: 'ESME_RX_T_APPN', class: 'transient', fault: 'carrier' },
  0x0d: { name: 'ESME_RBINDFAIL', class: 'transient', fault: 'carrier' },
  0x04: { name: 'ESME_RINVBNDSTS', class: 'transient', fault: 'carrier' },
  0x0b: { name: 'ESME_RINVDSTADR', class: 'permanent', fault: 'message' },
  0x0a: { name: 'ESME_RINVSRCADR', class: 'permanent', fault: 'message' },
  0x01: { name: 'ESME_RINVMSGLEN', class: 'permanent', fault: 'message' },
  0x45: { name: 'ESME_RSUBMITFAIL', class: 'permanent', fault: 'message' },
  0x48: { name: 'ESME_RINVSRCTON', class: 'permanent', fault: 'message' },
  0x49: { name: 'ESME_RINVSRCNPI', class: 'permanent', fault: 'message' },
  0x50: { name: 'ESME_RINVDSTTON', class: 'permanent', fault: 'message' },
  0x51: { name: 'ESME_RINVDSTNPI', class: 'permanent', fault: 'message' },
  0x61: { name: 'ESME_RINVSCHED', class: 'permanent', fault: 'message' },
  0x62: { name: 'ESME_RINVEXPIRY', class: 'permanent', fault: 'message' },
};

const UNLISTED: StatusPolicy = { name: 'unlisted', class: 'permanent', fault: 'message' };

export function statusPolicy(commandStatus: number): StatusPolicy {
  return COMMAND_STATUS_POLICY[commandStatus] ?? UNLISTED;
}

/**
 * Nothing was sent; does it say the carrier is unhealthy (breaker), and
 * should the message try the next carrier at once ('next') or stay with
 * this one and wait ('wait')? Capacity back-pressure (our TPS cap, windows
 * full for windowWaitMs) keeps the failover order: a busy primary delays
 * its messages rather than spill them to a backup that may cost more. A
 * carrier that stops answering is caught by its response timeouts
 * (unknown outcomes, carrier faults), not by its full windows.
 */
export const UNAVAILABLE_POLICY: Readonly<Record<UnavailableCause, { readonly fault: Fault | 'none'; readonly then: 'next' | 'wait' }>> = {
  'unknown-carrier': { fault: 'none', then: 'next' },
  disabled: { fault: 'none', then: 'next' },
  'not-bound': { fault: 'carrier', then: 'next' },
  // Healthy, bound by another workers process: the message waits and comes back (maybe to that one).
  'not-held': { fault: 'none', then: 'wait' },
  'window-full': { fault: 'none', then: 'wait' },
  'over-tps': { fault: 'none', then: 'wait' },
  'breaker-open': { fault: 'none', then: 'next' },
  paused: { fault: 'none', then: 'next' },
};

export function classifySubmit(outcome: SubmitOutcome): SubmitClass {
  switch (outcome.kind) {
    case 'accepted':
      return 'accepted';
    case 'timeout':
      return 'unknown';
    case 'unavailable':
      return 'unavailable';
    case 'rejected':
      return statusPolicy(outcome.commandStatus).class;
  }
}

/**
 * What the dispatcher does next with a message after this outcome of one
 * of its parts (the worst part decides, in DISPATCH_STEP_SEVERITY order):
 * - done: the part is with the carrier;
 * - fail: end the message failed (refunded);
 * - retry: something went out and failed: retry later, counting an attempt;
 * - wait: nothing went out and the message stays with this carrier: retry
 *   later without counting an attempt;
 * - next: nothing went out: try the next carrier of the route now.
 */
export type DispatchStep = 'done' | 'next' | 'wait' | 'retry' | 'fail';

export const DISPATCH_STEP_SEVERITY: Readonly<Record<DispatchStep, number>> = { done: 0, next: 1, wait: 2, retry: 3, fail: 4 };

export function dispatchStepOf(outcome: SubmitOutcome): DispatchStep {
  switch (outcome.kind) {
    case 'accepted':
      return 'done';
    case 'timeout':
      return 'retry';
    case 'unavailable':
      return UNAVAILABLE_POLICY[outcome.cause].then;
    case 'rejected': {
      const policy = statusPolicy(outcome.commandStatus);
      return policy.class === 'permanent' ? 'fail' : policy.class === 'throttled' ? 'next' : 'retry';
    }
  }
}

/** Whether an outcome is a failure of the carrier (its breaker counts it). Throttles are decided by the pause gate. */
export function isCarrierFault(outcome: SubmitOutcome): boolean {
  switch (outcome.kind) {
    case 'accepted':
      return false;
    case 'timeout':
      return true;
    case 'unavailable':
      return UNAVAILABLE_POLICY[outcome.cause].fault === 'carrier';
    case 'rejected':
      return statusPolicy(outcome.commandStatus).fault === 'carrier';
  }
}

/** "0x0000000b" style, as error codes appear in events and callbacks. */
export function commandStatusCode(status: number): string {
  return `0x${status.toString(16).padStart(8, '0')}`;
}
