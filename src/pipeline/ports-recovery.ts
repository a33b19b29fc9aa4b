/**
 * What the lost-jobs recovery needs from the system of record (see
 * pipeline/queue-recovery.ts). Kept beside ports.ts, in its own file.
 */
import type { Priority } from './types';

/** A message that PostgreSQL says is waiting for a stage whose job may be gone. */
export interface WaitingMessage {
  readonly id: string;
  /** `accepted` waits for review+charge; `queued` (not dead-lettered) for dispatch. */
  readonly status: 'accepted' | 'queued';
  readonly priority: Priority;
  /** An accepted message's release time (scheduled sending); null or absent: now. */
  readonly scheduleAt?: Date | null;
}

export interface RecoveryStore {
  /** Every accepted message, and every queued one that is not in the dead-letter queue. */
  waitingMessages(): Promise<WaitingMessage[]>;
}
