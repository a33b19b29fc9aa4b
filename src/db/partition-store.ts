/**
 * Monthly partitions of messages, message_events and message_parts (see
 * migration 009 and src/retention/months.ts): creating the coming months'
 * partitions and dropping expired ones with everything that refers to them.
 *
 * Dropping a month: rows of non-partitioned tables that reference its
 * messages (dead_letters, ...) are deleted, the events' and parts' partitions
 * of the month are dropped, then the messages partition is detached and
 * dropped. Ledger rows are never deleted: the ledger has no foreign key to
 * messages (migration 009 removed it), so charges and refunds keep their
 * message_id and amounts and still sum to the balance.
 *
 * Rows outside every month partition (ids that are not UUIDv7) sit in the
 * *_default partitions and are deleted by created_at, in batches.
 */
import { monthStartId, addMonths, parsePartitionSuffix, partitionSuffix, type Month } from '../retention/months';
import type { Db } from './knex';
import { exec, query, type Executor } from './sql';

/** The partitioned tables, parents first, with their partition key. */
export const PARTITIONED_TABLES = [
  { table: 'messages', key: 'id' },
  { table: 'message_events', key: 'message_id' },
  { table: 'message_parts', key: 'message_id' },
] as const;

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Longest wait for the locks that creating or dropping a partition takes, milliseconds. */
const DDL_LOCK_TIMEOUT_MS = 2_000;

/** Creates the month's partition of every partitioned table, or of `tables` (no-op where it exists). */
export async function createMonthPartitions(db: Executor, month: Month, tables: readonly string[] = PARTITIONED_TABLES.map((t) => t.table)): Promise<void> {
  const from = monthStartId(month);
  const to = monthStartId(addMonths(month, 1));
  for (const table of tables) {
    await exec(db, `CREATE TABLE IF NOT EXISTS ${ident(`${table}_${partitionSuffix(month)}`)} PARTITION OF ${ident(table)} FOR VALUES FROM ('${from}') TO ('${to}')`);
  }
}

/** The month's partitions in their own transaction, waiting at most DDL_LOCK_TIMEOUT_MS for locks (the retention job). */
export async function createMonth(db: Db, month: Month): Promise<void> {
  await db.transaction(async (trx) => {
    await exec(trx, `SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT_MS}ms'`);
    await createMonthPartitions(trx, month);
  });
}

/** The months that have a messages partition, oldest first. */
export async function monthPartitions(db: Executor): Promise<Month[]> {
  const rows = await query<{ name: string }>(
    db,
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'messages'::regclass`,
  );
  return rows
    .map((r) => parsePartitionSuffix(r.name))
    .filter((m): m is Month => m !== undefined)
    .sort((a, b) => a.year * 12 + a.month - (b.year * 12 + b.month));
}

/** Whether messages is partitioned (migration 009 ran). */
export async function messagesPartitioned(db: Executor): Promise<boolean> {
  const rows = await query<{ partitioned: boolean }>(db, `SELECT relkind = 'p' AS partitioned FROM pg_class WHERE oid = 'messages'::regclass`);
  return rows[0]?.partitioned ?? false;
}

export interface DroppedMonth {
  readonly month: Month;
  readonly messages: number;
}

/** Drops one month of messages with its events, parts and referring rows, in one transaction. */
export async function dropMonth(db: Db, month: Month): Promise<DroppedMonth> {
  const suffix = partitionSuffix(month);
  const from = monthStartId(month);
  const to = monthStartId(addMonths(month, 1));
  return db.transaction(async (trx) => {
    // Detaching locks messages exclusively; a lock request that waits blocks every query queued
    // behind it, so give up quickly (the next run tries again) rather than stall ingress.
    await exec(trx, `SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT_MS}ms'`);
    const counted = await query<{ n: number }>(trx, `SELECT count(*)::bigint AS n FROM ${ident(`messages_${suffix}`)}`);
    // Non-partitioned tables with a foreign key to messages (dead_letters, and any added later).
    const referring = await query<{ tbl: string; col: string }>(
      trx,
      `SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         JOIN pg_class r ON r.oid = c.conrelid
        WHERE c.contype = 'f' AND c.confrelid = 'messages'::regclass AND c.conparentid = 0 AND r.relkind = 'r' AND cardinality(c.conkey) = 1`,
    );
    for (const { tbl, col } of referring) {
      await exec(trx, `DELETE FROM ${tbl} WHERE ${ident(col)} >= ? AND ${ident(col)} < ?`, [from, to]);
    }
    for (const { table } of PARTITIONED_TABLES.slice(1)) await exec(trx, `DROP TABLE IF EXISTS ${ident(`${table}_${suffix}`)}`);
    await exec(trx, `ALTER TABLE messages DETACH PARTITION ${ident(`messages_${suffix}`)}`);
    await exec(trx, `DROP TABLE ${ident(`messages_${suffix}`)}`);
    return { month, messages: counted[0]?.n ?? 0 };
  });
}

/** Deletes up to `limit` messages older than `before` from the default partition (events and parts cascade). */
export async function deleteOldDefaultRows(db: Db, before: Date, limit: number): Promise<number> {
  return db.transaction(async (trx) => {
    const ids = await query<{ id: string }>(trx, 'SELECT id FROM messages_default WHERE created_at < ? ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED', [before, limit]);
    if (ids.length === 0) return 0;
    const list = ids.map((r) => r.id);
    const referring = await query<{ tbl: string; col: string }>(
      trx,
      `SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = 'messages'::regclass AND c.conparentid = 0 AND cardinality(c.conkey) = 1`,
    );
    for (const { tbl, col } of referring) await exec(trx, `DELETE FROM ${tbl} WHERE ${ident(col)} = ANY(?::uuid[])`, [list]);
    await exec(trx, 'DELETE FROM messages_default WHERE id = ANY(?::uuid[])', [list]);
    return ids.length;
  });
}

/**
 * Report rollup rows (hour and day) older than `before`, and the per-message rollup
 * bookkeeping of messages accepted before it (db/rollup-store.ts; those messages are gone).
 */
export async function deleteOldRollups(db: Db, before: Date): Promise<number> {
  const rows = await query<{ n: number }>(
    db,
    `WITH d AS (DELETE FROM report_rollup WHERE at < ? RETURNING 1),
          m AS (DELETE FROM report_rollup_message WHERE at < ? RETURNING 1)
     SELECT (SELECT count(*) FROM d)::bigint AS n`,
    [before, before],
  );
  return rows[0]?.n ?? 0;
}
