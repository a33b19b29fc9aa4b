/**
 * The report rollup (table report_rollup, migration 007), kept up to date
 * incrementally, in O(new work) per run, without touching the message hot
 * paths.
 *
 * Every change a report can see (acceptance, charge, carrier hand-over with
 * its cost, final status with its refund) writes a message_events row in
 * the same transaction. A message's "contribution" is what it adds to the
 * rollup as it stands: its acceptance hour, account, app, carrier, prefix
 * and status, its parts, charge, refund, carrier cost and (delivered) its
 * latency bucket. report_rollup_message stores the contribution last added
 * for every message that can still change. A run takes the events added
 * since the watermark, recomputes the contributions of the messages they
 * touch (one index lookup each into messages, ledger and message_parts),
 * and upserts (new - stored) into the hour and day rows; rows that drop to
 * zero messages are deleted, so reports list exactly the groups that have
 * messages, as a whole recompute would.
 *
 * Why per-message deltas rather than counting a message once at its final
 * status plus a live query of the in-flight ones: reports stay reads of
 * the rollup only, whatever the backlog (messages whose receipt never comes
 * stay `submitted` for good, so the in-flight set only grows), and they
 * keep showing in-flight statuses, from one snapshot with `rolledUpAt`.
 * A message is folded in by each run that sees new events of it: usually
 * once or twice (hand-over and final status often fall in different runs).
 * report_rollup_message holds the in-flight messages plus about three runs
 * of final ones.
 *
 * Exactly once, under re-runs and rescans: the rollup always equals the sum
 * of the stored contributions (plus those of final messages already let go,
 * below), because each run changes both in one transaction. Recomputing a
 * message whose state did not change adds zero. A message's events commit
 * one after another (each transition is guarded by the status the previous
 * one committed), so when a contribution is computed, every event of that
 * message up to its largest visible id (stored as event_id) is reflected;
 * a rescanned event at or below event_id is skipped. A final message never
 * changes again: its stored row is dropped once a run's scan floor has
 * passed its event_id (floors only rise, so no later run, nor a re-run of
 * the run before, can scan its events again).
 *
 * Event ids come from a sequence, so an event may commit after a run saw a
 * larger id. A run therefore scans from the watermark of the run before the
 * last one: an event is missed only if its transaction stays open across two
 * runs (runs are a minute apart; pipeline transactions take milliseconds).
 * Changes that write no event (a part recorded after its message already
 * ended, which dispatch does not do; a text replacement of a waiting
 * message) are picked up with the message's next event.
 *
 * Runs never overlap: each is one REPEATABLE READ transaction that first
 * takes a self-exclusive lock on report_rollup_state (LOCK TABLE takes no
 * snapshot, so the run's snapshot starts after the previous run committed);
 * a run that finds it taken does nothing. Only transaction-scoped settings
 * (SET LOCAL jit), so PgBouncer in transaction mode is fine.
 */
import { FINAL_STATUSES } from '../core/lifecycle';
import { LATENCY_BOUNDS_S, LATENCY_BUCKET_COUNT } from '../reports/latency-histogram';
import type { Db } from './knex';
import { exec, query, type Executor } from './sql';

/** Digits of the destination kept as the report's prefix. */
export const REPORT_PREFIX_DIGITS = 4;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const LATENCY_COLUMNS = Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => `lat_${i}`);

const FINAL_LIST = FINAL_STATUSES.map((s) => `'${s}'`).join(', ');

/** The bucket index (reports/latency-histogram.ts bucketOf: bounds inclusive) of a latency in seconds. */
function latencyBucketSql(seconds: string): string {
  const whens = LATENCY_BOUNDS_S.map((bound, i) => `WHEN ${seconds} <= ${bound} THEN ${i}`).join(' ');
  return `CASE ${whens} ELSE ${LATENCY_BOUNDS_S.length} END`;
}

const CONTRIBUTION_COLUMNS = 'at, account_id, app_id, carrier_key, prefix, status, parts, charged, refunded, cost, lat_bucket';

/**
 * The contribution of each message `m` of the FROM clause that follows: its hour (UTC), keys and
 * figures. Money from the ledger (a charge row is negative), one index lookup per message for both
 * its rows; cost from the parts the carriers took; latency from acceptance (created_at) to the
 * final update (updated_at) of a delivered message.
 */
const CONTRIBUTION = `
  m.id AS message_id, date_trunc('hour', m.created_at, 'UTC') AS at, m.account_id, m.app_id,
  coalesce(m.carrier_id::text, '') AS carrier_key, left(m.to_number, ${REPORT_PREFIX_DIGITS}) AS prefix,
  m.status, m.parts, coalesce(l.charged, 0)::bigint AS charged, coalesce(l.refunded, 0)::bigint AS refunded,
  coalesce(p.cost, 0)::bigint AS cost,
  (CASE WHEN m.status = 'delivered' THEN ${latencyBucketSql('extract(epoch FROM m.updated_at - m.created_at)')} END)::smallint AS lat_bucket`;

const CONTRIBUTION_JOINS = `
  LEFT JOIN LATERAL (
    SELECT sum(-amount) FILTER (WHERE kind = 'charge') AS charged, sum(amount) FILTER (WHERE kind = 'refund') AS refunded
    FROM ledger WHERE message_id = m.id AND kind IN ('charge', 'refund')) l ON true
  LEFT JOIN LATERAL (SELECT sum(mp.cost) AS cost FROM message_parts mp WHERE mp.message_id = m.id) p ON true`;

const ROLLUP_COLUMNS = `account_id, dimension, period, at, key, status, messages, parts, charged, refunded, cost, ${LATENCY_COLUMNS.join(', ')}`;

/** The summed figures of a group of signed contribution rows `d` (sign +1 adds a message, -1 takes it away). */
const DELTA_FIGURES = [
  'sum(d.sign)::int',
  'sum(d.sign * d.parts)::int',
  'sum(d.sign * d.charged)::bigint',
  'sum(d.sign * d.refunded)::bigint',
  'sum(d.sign * d.cost)::bigint',
  ...LATENCY_COLUMNS.map((_, i) => `coalesce(sum(d.sign) FILTER (WHERE d.lat_bucket = ${i}), 0)::int`),
];

/**
 * Adds the signed contribution rows of CTE `delta` (sign, CONTRIBUTION_COLUMNS) to the rows of the
 * given periods, for every dimension at once (grouping sets: one pass); groups whose figures sum
 * to zero are left alone. Returns the keys and new message counts of the rows it changed.
 */
function addDeltasSql(periods: ReadonlyArray<'hour' | 'day'>): string {
  return `
  INSERT INTO report_rollup (${ROLLUP_COLUMNS})
  SELECT d.account_id,
         CASE WHEN GROUPING(d.app_id) = 0 THEN 'app' WHEN GROUPING(d.carrier_key) = 0 THEN 'carrier'
              WHEN GROUPING(d.prefix) = 0 THEN 'prefix' ELSE 'account' END,
         d.period, d.period_at,
         CASE WHEN GROUPING(d.app_id) = 0 THEN d.app_id::text WHEN GROUPING(d.carrier_key) = 0 THEN d.carrier_key
              WHEN GROUPING(d.prefix) = 0 THEN d.prefix ELSE '' END,
         d.status, ${DELTA_FIGURES.join(', ')}
  FROM (SELECT p.period, CASE p.period WHEN 'hour' THEN x.at ELSE date_trunc('day', x.at, 'UTC') END AS period_at, x.*
        FROM delta x CROSS JOIN (VALUES ${periods.map((x) => `('${x}')`).join(', ')}) AS p(period)) d
  GROUP BY GROUPING SETS (
    (d.period, d.period_at, d.account_id, d.status), (d.period, d.period_at, d.account_id, d.status, d.app_id),
    (d.period, d.period_at, d.account_id, d.status, d.carrier_key), (d.period, d.period_at, d.account_id, d.status, d.prefix))
  HAVING ${DELTA_FIGURES.map((f) => `${f} <> 0`).join(' OR ')}
  ON CONFLICT (account_id, dimension, period, at, key, status) DO UPDATE SET
    ${['messages', 'parts', 'charged', 'refunded', 'cost', ...LATENCY_COLUMNS].map((c) => `${c} = report_rollup.${c} + EXCLUDED.${c}`).join(', ')}
  RETURNING account_id, dimension, period, at, key, status, messages`;
}

/**
 * One run's work, in one statement (one snapshot): the messages whose events in (floor, upTo] are
 * not yet reflected, their contributions now and as stored, the stored ones replaced, the
 * difference added to hour and day rows. Answers how many messages were folded in and the keys of
 * the rows left with no message (none: one row of nulls).
 */
const FOLD_IN = `
  WITH touched AS MATERIALIZED (
    SELECT DISTINCT e.message_id FROM message_events e
    WHERE e.id > ? AND e.id <= ?
      AND NOT EXISTS (SELECT 1 FROM report_rollup_message s WHERE s.message_id = e.message_id AND s.event_id >= e.id)
  ), cur AS MATERIALIZED (
    SELECT ${CONTRIBUTION}, (SELECT max(e.id) FROM message_events e WHERE e.message_id = m.id) AS event_id
    FROM touched t JOIN messages m ON m.id = t.message_id ${CONTRIBUTION_JOINS}
  ), old AS MATERIALIZED (
    SELECT s.* FROM cur c JOIN report_rollup_message s ON s.message_id = c.message_id
  ), saved AS (
    INSERT INTO report_rollup_message (message_id, event_id, ${CONTRIBUTION_COLUMNS})
    SELECT message_id, event_id, ${CONTRIBUTION_COLUMNS} FROM cur
    ON CONFLICT (message_id) DO UPDATE SET event_id = EXCLUDED.event_id,
      ${CONTRIBUTION_COLUMNS.split(', ').map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
  ), delta AS (
    SELECT 1 AS sign, ${CONTRIBUTION_COLUMNS} FROM cur
    UNION ALL
    SELECT -1, ${CONTRIBUTION_COLUMNS} FROM old
  ), added AS (${addDeltasSql(['hour', 'day'])})
  SELECT n.messages, z.account_id, z.dimension, z.period, z.at, z.key, z.status
  FROM (SELECT count(*)::int AS messages FROM cur) n
  LEFT JOIN (SELECT * FROM added WHERE messages = 0) z ON true`;

/**
 * A rebuild of one hour: its messages' contributions as rows (the hour's rows were deleted
 * before), and stored for those that can still change: not final, or with an event above the
 * scan floor (a later run may still scan it).
 */
const REBUILD_HOUR = `
  WITH cur AS MATERIALIZED (
    SELECT ${CONTRIBUTION} FROM messages m ${CONTRIBUTION_JOINS}
    WHERE m.created_at >= ? AND m.created_at < ?
  ), saved AS (
    INSERT INTO report_rollup_message (message_id, event_id, ${CONTRIBUTION_COLUMNS})
    SELECT c.message_id, coalesce((SELECT max(e.id) FROM message_events e WHERE e.message_id = c.message_id), 0),
           ${CONTRIBUTION_COLUMNS.split(', ').map((col) => `c.${col}`).join(', ')}
    FROM cur c
    WHERE c.status NOT IN (${FINAL_LIST})
       OR EXISTS (SELECT 1 FROM message_events e WHERE e.message_id = c.message_id AND e.id > ?)
    ON CONFLICT (message_id) DO NOTHING
  ), delta AS (
    SELECT 1 AS sign, ${CONTRIBUTION_COLUMNS} FROM cur
  ), added AS (${addDeltasSql(['hour'])})
  SELECT count(*)::int AS n FROM added`;

/** One UTC day's rows: the sums of its hours. */
const ROLL_UP_DAY = `
  INSERT INTO report_rollup (${ROLLUP_COLUMNS})
  SELECT account_id, dimension, 'day', ?::timestamptz, key, status, sum(messages)::int, sum(parts)::int,
         sum(charged)::bigint, sum(refunded)::bigint, sum(cost)::bigint, ${LATENCY_COLUMNS.map((c) => `sum(${c})::int`).join(', ')}
  FROM report_rollup
  WHERE period = 'hour' AND at >= ?::timestamptz AND at < ?::timestamptz
  GROUP BY account_id, dimension, key, status`;

export interface RollupRun {
  /** False when another run held the lock (this one did nothing). */
  readonly ran: boolean;
  /** Messages whose contribution was (re)computed. */
  readonly messages: number;
  readonly lastEventId: number;
  /** More events wait than one run takes (maxEventsPerRun): run again. */
  readonly behind: boolean;
}

const NOT_RUN: RollupRun = { ran: false, messages: 0, lastEventId: 0, behind: false };

interface ZeroRow {
  messages: number;
  account_id: string | null;
  dimension: string;
  period: string;
  at: Date;
  key: string;
  status: string;
}

export class RollupStore {
  /**
   * `maxEventsPerRun` bounds one run's transaction (default 500,000 events, about 100,000
   * messages): the first run on a long history, or one after a long outage, catches up over
   * several runs instead of one huge transaction.
   */
  constructor(
    private readonly db: Db,
    private readonly maxEventsPerRun = 500_000,
  ) {}

  /** One incremental run: the messages touched by events since the watermark. */
  async rollUp(): Promise<RollupRun> {
    try {
      return await this.db.transaction(async (trx) => {
        await this.lock(trx, false);
        await exec(trx, 'SET LOCAL jit = off'); // planned per call: JIT compilation would cost more than it saves
        const [state] = await query<{ last_event_id: number; previous_event_id: number }>(
          trx,
          `SELECT last_event_id, previous_event_id FROM report_rollup_state WHERE name = 'report'`,
        );
        const [top] = await query<{ max: number }>(trx, 'SELECT coalesce(max(id), 0)::bigint AS max FROM message_events');
        const last = state?.last_event_id ?? 0;
        const upTo = Math.max(last, Math.min(top?.max ?? 0, last + this.maxEventsPerRun));
        const floor = state?.previous_event_id ?? 0;
        const rows = await query<ZeroRow>(trx, FOLD_IN, [floor, upTo]);
        await this.deleteEmptyRows(trx, rows);
        // Later runs scan from `last` up: final messages whose events all lie at or below this run's
        // floor are done (one run of margin, so even a re-run of this run from its own watermark
        // adds nothing twice).
        await exec(trx, `DELETE FROM report_rollup_message WHERE status IN (${FINAL_LIST}) AND event_id <= ?`, [floor]);
        await exec(trx, `UPDATE report_rollup_state SET previous_event_id = last_event_id, last_event_id = ?, rolled_at = now() WHERE name = 'report'`, [upTo]);
        return { ran: true, messages: rows[0]?.messages ?? 0, lastEventId: upTo, behind: upTo < (top?.max ?? 0) };
      }, { isolationLevel: 'repeatable read' });
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return NOT_RUN;
      throw error;
    }
  }

  /** Runs until caught up, at most `maxRuns` times (what the repeatable job calls). */
  async catchUp(maxRuns = 20): Promise<RollupRun> {
    let run = await this.rollUp();
    for (let i = 1; i < maxRuns && run.behind; i++) run = await this.rollUp();
    return run;
  }

  /**
   * Recomputes every hour in [from, to) whole from messages, and their days (a rebuild, e.g.
   * after an import, or the first build on an existing history); returns the hours done. Hours
   * whose messages retention has dropped come out empty.
   */
  async rebuild(from: Date, to: Date): Promise<number> {
    const hours: Date[] = [];
    for (let t = floorHour(from).getTime(); t < to.getTime(); t += HOUR_MS) hours.push(new Date(t));
    if (hours.length === 0) return 0;
    const start = hours[0]!;
    const end = new Date(hours[hours.length - 1]!.getTime() + HOUR_MS);
    await this.db.transaction(async (trx) => {
      await this.lock(trx, true);
      await exec(trx, 'SET LOCAL jit = off');
      const [state] = await query<{ previous_event_id: number }>(trx, `SELECT previous_event_id FROM report_rollup_state WHERE name = 'report'`);
      await exec(trx, `DELETE FROM report_rollup WHERE period = 'hour' AND at >= ? AND at < ?`, [start, end]);
      await exec(trx, 'DELETE FROM report_rollup_message WHERE at >= ? AND at < ?', [start, end]);
      for (const hour of hours) await exec(trx, REBUILD_HOUR, [hour, new Date(hour.getTime() + HOUR_MS), state?.previous_event_id ?? 0]);
      const days = [...new Set(hours.map((h) => Math.floor(h.getTime() / DAY_MS) * DAY_MS))].map((d) => new Date(d));
      await exec(trx, `DELETE FROM report_rollup WHERE period = 'day' AND at = ANY(?::timestamptz[])`, [days]);
      for (const day of days) await exec(trx, ROLL_UP_DAY, [day, day, new Date(day.getTime() + DAY_MS)]);
    }, { isolationLevel: 'repeatable read' });
    return hours.length;
  }

  /** When the last incremental run finished (null before the first). */
  async rolledAt(): Promise<Date | null> {
    const rows = await query<{ rolled_at: Date | null }>(this.db, `SELECT rolled_at FROM report_rollup_state WHERE name = 'report'`);
    return rows[0]?.rolled_at ?? null;
  }

  /** Rows whose last message moved elsewhere hold only zeros: gone, as a whole recompute would leave them. */
  private async deleteEmptyRows(trx: Executor, rows: readonly ZeroRow[]): Promise<void> {
    const empty = rows.filter((r) => r.account_id !== null);
    if (empty.length === 0) return;
    await exec(
      trx,
      `DELETE FROM report_rollup r
       USING unnest(?::uuid[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[]) AS z(account_id, dimension, period, at, key, status)
       WHERE r.account_id = z.account_id AND r.dimension = z.dimension AND r.period = z.period AND r.at = z.at
         AND r.key = z.key AND r.status = z.status AND r.messages = 0`,
      [empty.map((r) => r.account_id), empty.map((r) => r.dimension), empty.map((r) => r.period), empty.map((r) => r.at), empty.map((r) => r.key), empty.map((r) => r.status)],
    );
  }

  /**
   * The run lock: self-exclusive, and taken before the transaction's first query, so a
   * REPEATABLE READ snapshot starts after the previous run committed. `wait` false: fail at once
   * (lock_not_available) when another run holds it.
   */
  private async lock(trx: Executor, wait: boolean): Promise<void> {
    await exec(trx, `LOCK TABLE report_rollup_state IN SHARE ROW EXCLUSIVE MODE${wait ? '' : ' NOWAIT'}`);
  }
}

/** PostgreSQL's SQLSTATE for a NOWAIT lock that is taken. */
const LOCK_NOT_AVAILABLE = '55P03';

export function floorHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}
