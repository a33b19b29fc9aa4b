/**
 * What the dispatcher must do with a carrier's answer. A typed table, so the
 * policy is data: permanent (fail and refund), transient (retry, maybe on
 * the next carrier), throttled (back off; not the message's fault), unknown
 * outcome (the carrier may have taken it: never resend blindly).
 */
import type { SubmitOutcome } from './types';

export type SubmitClass = 'accepted' | 'permanent' | 'transient' | 'throttled' | 'unknown' | 'unavailable';

/** command_status values that mean "try again later", by SMPP 3.4 name. */
const TRANSIENT_STATUSES: Readonly<Record<number, string>> = {
  0x08: 'ESME_RSYSERR',
  0x14: 'ESME_RMSGQFUL',
  0x64: 'ESME_RX_T_APPN',
  0x0d: 'ESME_RBINDFAIL',
  0x04: 'ESME_RINVBNDSTS',
};

const THROTTLED = 0x58;

export function classifySubmit(outcome: SubmitOutcome): SubmitClass {
  switch (outcome.kind) {
    case 'accepted':
      return 'accepted';
    case 'timeout':
      return 'unknown';
    case 'unavailable':
      return 'unavailable';
    case 'rejected':
      if (outcome.commandStatus === THROTTLED) return 'throttled';
      return outcome.commandStatus in TRANSIENT_STATUSES ? 'transient' : 'permanent';
  }
}

/** "0x0000000b" style, as error codes appear in events and callbacks. */
export function commandStatusCode(status: number): string {
  return `0x${status.toString(16).padStart(8, '0')}`;
}
