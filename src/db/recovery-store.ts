/**
 * The lost-jobs recovery's SQL: the messages that wait for a queue stage.
 * Scans the partial index of waiting messages (messages_waiting_valid_idx),
 * so its cost is the backlog, not the table.
 */
import type { RecoveryStore, WaitingMessage } from '../pipeline/ports-recovery';
import type { Db } from './knex';
import { query } from './sql';

export class PgRecoveryStore implements RecoveryStore {
  constructor(private readonly db: Db) {}

  async waitingMessages(): Promise<WaitingMessage[]> {
    return query<WaitingMessage>(
      this.db,
      `SELECT m.id, m.status, m.priority, m.schedule_at AS "scheduleAt" FROM messages m
       WHERE m.status IN ('accepted', 'queued')
         AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.message_id = m.id AND d.requeued_at IS NULL)
       ORDER BY m.valid_until`,
    );
  }
}
