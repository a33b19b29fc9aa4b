/**
 * Reports over the rollup (rollup-store.ts), never over messages: one
 * GROUP BY over the rows of one dimension. A range is read as whole UTC days
 * from the day rows plus the hours at its edges from the hour rows (groupBy
 * hour reads hour rows only), so a month is about 30 rows per key and
 * status. Latency histograms are summed per bucket, so percentiles of any
 * group are exact to the bucket. hour and day are UTC.
 */
import { FINAL_STATUSES } from '../core/lifecycle';
import type { GroupTotals, ReportGroup, ReportQuery } from '../reports/report-types';
import type { Db } from './knex';
import { LATENCY_COLUMNS } from './rollup-store';
import { query } from './sql';

const DAY_MS = 86_400_000;

/**
 * Per groupBy: the dimension whose rows it reads (account has the fewest), what it groups by (a
 * column, so grouping and sorting stay cheap), the group's text and its join.
 */
const GROUPS: Readonly<Record<ReportGroup, { readonly dimension: string; readonly by: string; readonly text: string; readonly join?: string }>> = {
  hour: { dimension: 'account', by: 'r.at', text: `to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"')` },
  day: { dimension: 'account', by: `date_trunc('day', r.at AT TIME ZONE 'UTC')`, text: `to_char(date_trunc('day', r.at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')` },
  status: { dimension: 'account', by: 'r.status', text: 'r.status' },
  app: { dimension: 'app', by: 'r.key', text: 'r.key' },
  carrier: { dimension: 'carrier', by: 'c.name', text: `coalesce(c.name, '')`, join: `LEFT JOIN carriers c ON c.id = nullif(r.key, '')::uuid` },
  prefix: { dimension: 'prefix', by: 'r.key', text: 'r.key' },
};

const FINAL_LIST = FINAL_STATUSES.map((s) => `'${s}'`).join(', ');
const LATENCY_SUMS = LATENCY_COLUMNS.map((c) => `sum(r.${c})::bigint`).join(', ');

interface Row {
  grp: string;
  messages: number;
  parts: number;
  charged: number;
  refunded: number;
  cost: number;
  delivered: number;
  final: number;
  latency: Array<number | string>;
}

/** [d0, d1): the whole UTC days inside [from, to), or [to, to) when there is none. */
export function wholeDays(from: Date, to: Date): [Date, Date] {
  const d0 = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const d1 = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  return d0 < d1 ? [new Date(d0), new Date(d1)] : [to, to];
}

export class ReportQueries {
  constructor(private readonly db: Db) {}

  async totals(q: ReportQuery): Promise<GroupTotals[]> {
    const group = GROUPS[q.groupBy];
    const [d0, d1] = q.groupBy === 'hour' ? [q.to, q.to] : wholeDays(q.from, q.to);
    const params: unknown[] = [group.dimension, d0, d1, q.from, d0, d1, q.to];
    if (q.accountId) params.push(q.accountId);
    const rows = await query<Row>(
      this.db,
      `SELECT ${group.text} AS grp,
              sum(r.messages)::bigint AS messages, sum(r.parts)::bigint AS parts,
              sum(r.charged)::bigint AS charged, sum(r.refunded)::bigint AS refunded, sum(r.cost)::bigint AS cost,
              coalesce(sum(r.messages) FILTER (WHERE r.status = 'delivered'), 0)::bigint AS delivered,
              coalesce(sum(r.messages) FILTER (WHERE r.status IN (${FINAL_LIST})), 0)::bigint AS final,
              ARRAY[${LATENCY_SUMS}] AS latency
       FROM report_rollup r ${group.join ?? ''}
       WHERE r.dimension = ?
         AND ((r.period = 'day' AND r.at >= ? AND r.at < ?)
           OR (r.period = 'hour' AND ((r.at >= ? AND r.at < ?) OR (r.at >= ? AND r.at < ?))))
         ${q.accountId ? 'AND r.account_id = ?' : ''}
       GROUP BY ${group.by} ORDER BY ${group.by}`,
      params,
    );
    return rows.map((r) => ({
      group: r.grp,
      messages: r.messages,
      parts: r.parts,
      charged: r.charged,
      refunded: r.refunded,
      cost: r.cost,
      delivered: r.delivered,
      final: r.final,
      latency: r.latency.map(Number),
    }));
  }
}
