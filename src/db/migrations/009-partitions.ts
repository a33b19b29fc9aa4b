/**
 * Messages partitioned by month (issue 8, retention).
 *
 * messages is range-partitioned on its id: ids are UUIDv7, whose leading 48
 * bits are the creation time in milliseconds, so a month of ids is one uuid
 * range (src/retention/months.ts). Partitioning on the id rather than on
 * created_at keeps the primary key, every ON CONFLICT (id) and every
 * foreign key to messages(id) as they were (a partitioned table's unique
 * keys must contain the partition key). message_events and message_parts
 * are partitioned on message_id with the same bounds, so a month's events
 * and parts go with its messages. Each table also gets a DEFAULT partition
 * for ids that are not UUIDv7 (retention deletes those by created_at).
 *
 * The conversion is generic: the columns, CHECKs, defaults, indexes and
 * foreign keys (in and out) of each table as they are now, whatever earlier
 * migrations added, are carried over; the rows are copied. Changes:
 * - message_events' primary key becomes (message_id, id) (plus an index on
 *   id alone, which the report rollup scans by);
 * - ledger loses its foreign key to messages: ledger rows are never deleted,
 *   and a charge must outlive its message when retention drops it.
 *
 * Partitions exist from the month of the oldest message to three months
 * ahead; the retention job (src/retention) keeps creating the coming ones.
 */
import type { Knex } from 'knex';
import { createMonthPartitions } from '../partition-store';
import { addMonths, monthOf, monthsBetween } from '../../retention/months';

export const name = '009-partitions';

interface TableSpec {
  readonly table: string;
  readonly key: string;
  readonly primaryKey: readonly string[];
  /** Extra indexes after the conversion. */
  readonly extraIndexes?: readonly string[];
}

const TABLES: readonly TableSpec[] = [
  { table: 'messages', key: 'id', primaryKey: ['id'] },
  {
    table: 'message_events',
    key: 'message_id',
    primaryKey: ['message_id', 'id'],
    extraIndexes: ['CREATE INDEX message_events_id_idx ON message_events (id)'],
  },
  { table: 'message_parts', key: 'message_id', primaryKey: ['message_id', 'part_index'] },
];

/** Foreign keys not re-created: the ledger keeps its rows when messages go. */
const DROPPED_FOREIGN_KEYS = new Set(['ledger']);

/** How far back partitions are made for existing data; older rows go to the default partition. */
const MAX_MONTHS_BACK = 120;

async function rows<T>(knex: Knex, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> {
  return ((await knex.raw(sql, bindings as Knex.RawBinding[])) as { rows: T[] }).rows;
}

async function partitionTable(knex: Knex, spec: TableSpec, months: Parameters<typeof createMonthPartitions>[1][]): Promise<void> {
  const t = spec.table;
  const old = `${t}_unpartitioned`;
  const fksIn = await rows<{ conname: string; tbl: string; def: string }>(
    knex,
    `SELECT conname, conrelid::regclass::text AS tbl, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE contype = 'f' AND confrelid = ?::regclass AND conrelid <> confrelid AND conparentid = 0`,
    [t],
  );
  const fksOut = await rows<{ conname: string; def: string }>(
    knex,
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f' AND conrelid = ?::regclass AND conparentid = 0`,
    [t],
  );
  const keyConstraints = await rows<{ conname: string }>(knex, `SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x') AND conrelid = ?::regclass`, [t]);
  const indexes = await rows<{ name: string; def: string; primary: boolean }>(
    knex,
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisprimary AS primary
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ?::regclass`,
    [t],
  );
  const sequences = await rows<{ col: string; seq: string }>(
    knex,
    `SELECT a.attname AS col, pg_get_serial_sequence(?, a.attname) AS seq
       FROM pg_attribute a WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND pg_get_serial_sequence(?, a.attname) IS NOT NULL`,
    [t, t, t],
  );

  for (const fk of fksIn) await knex.raw(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT "${fk.conname}"`);
  await knex.raw(`ALTER TABLE "${t}" RENAME TO "${old}"`);
  for (const c of keyConstraints) await knex.raw(`ALTER TABLE "${old}" DROP CONSTRAINT "${c.conname}"`);
  const constraintIndexes = new Set(keyConstraints.map((c) => c.conname));
  for (const index of indexes) if (!constraintIndexes.has(index.name)) await knex.raw(`DROP INDEX "${index.name}"`);
  for (const s of sequences) await knex.raw(`ALTER SEQUENCE ${s.seq} OWNED BY NONE`);

  await knex.raw(
    `CREATE TABLE "${t}" (LIKE "${old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("${spec.key}")`,
  );
  await knex.raw(`ALTER TABLE "${t}" ADD CONSTRAINT "${t}_pkey" PRIMARY KEY (${spec.primaryKey.map((c) => `"${c}"`).join(', ')})`);
  for (const month of months) await createMonthPartitions(knex, month, [t]);
  await knex.raw(`CREATE TABLE "${t}_default" PARTITION OF "${t}" DEFAULT`);
  await knex.raw(`INSERT INTO "${t}" SELECT * FROM "${old}"`);
  await knex.raw(`DROP TABLE "${old}"`);
  for (const s of sequences) await knex.raw(`ALTER SEQUENCE ${s.seq} OWNED BY "${t}"."${s.col}"`);

  // Indexes as they were (the definitions name the table, which has its old name again).
  for (const index of indexes) if (!index.primary) await knex.raw(index.def);
  for (const sql of spec.extraIndexes ?? []) await knex.raw(sql);
  for (const fk of fksOut) await knex.raw(`ALTER TABLE "${t}" ADD CONSTRAINT "${fk.conname}" ${fk.def}`);
  for (const fk of fksIn) {
    if (DROPPED_FOREIGN_KEYS.has(fk.tbl)) continue;
    await knex.raw(`ALTER TABLE ${fk.tbl} ADD CONSTRAINT "${fk.conname}" ${fk.def}`);
  }
}

export async function up(knex: Knex): Promise<void> {
  const oldest = await rows<{ at: Date | null }>(knex, 'SELECT min(created_at) AS at FROM messages');
  const now = new Date();
  const first = oldest[0]?.at && oldest[0].at < now ? monthOf(oldest[0].at) : monthOf(now);
  const from = first.year * 12 + first.month < monthOf(now).year * 12 + monthOf(now).month - MAX_MONTHS_BACK ? addMonths(monthOf(now), -MAX_MONTHS_BACK) : first;
  const months = monthsBetween(from, addMonths(monthOf(now), 3));
  for (const spec of TABLES) await partitionTable(knex, spec, months);
}

export async function down(): Promise<void> {
  throw new Error('009-partitions cannot be rolled back automatically: restore from a backup taken before it');
}
