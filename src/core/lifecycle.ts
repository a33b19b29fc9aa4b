/**
 * The message lifecycle: one transition table. An illegal move throws.
 * accepted -> held (manual review) -> queued (reviewed and charged) ->
 * submitted (carrier returned its id) -> delivered | undelivered | expired | failed | rejected.
 */
export const MESSAGE_STATUSES = [
  'accepted',
  'held',
  'queued',
  'submitted',
  'delivered',
  'undelivered',
  'expired',
  'failed',
  'rejected',
] as const;

export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const FINAL_STATUSES = ['delivered', 'undelivered', 'expired', 'failed', 'rejected'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

const TRANSITIONS: Readonly<Record<MessageStatus, readonly MessageStatus[]>> = {
  accepted: ['held', 'queued', 'rejected', 'failed', 'expired'],
  held: ['queued', 'rejected', 'expired'],
  queued: ['submitted', 'failed', 'expired', 'rejected'],
  // A receipt can report any final word; a carrier may also time out into failed.
  submitted: ['delivered', 'undelivered', 'expired', 'failed', 'rejected'],
  delivered: [],
  undelivered: [],
  expired: [],
  failed: [],
  rejected: [],
};

export function isFinal(status: MessageStatus): status is FinalStatus {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(readonly from: MessageStatus, readonly to: MessageStatus) {
    super(`illegal message transition ${from} -> ${to}`);
  }
}

export function assertTransition(from: MessageStatus, to: MessageStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** The statuses from which a move to `to` is legal (used in guarded UPDATEs). */
export function sourcesOf(to: MessageStatus): MessageStatus[] {
  return MESSAGE_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}

/** Final states that give the customer their money back when they follow a charge. */
export const REFUNDED_STATUSES: readonly FinalStatus[] = ['undelivered', 'expired', 'failed', 'rejected'];
