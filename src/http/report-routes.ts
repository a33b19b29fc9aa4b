/**
 * GET /reports?from=&to=&groupBy=hour|day|status|carrier|prefix|app&format=json|csv&accountId=
 * (admin and finance: every account, or accountId; a customer: its own account, cost and margin null).
 *
 * - from / to: ISO 8601 times (or dates); the rollup is hourly, so from is
 *   rounded down and to up to whole UTC hours, and the answer says which
 *   range it covers. Defaults: the last 24 hours. At most 400 days.
 * - Figures per group: see reports/report-types.ts. JSON: {from, to, groupBy,
 *   rolledUpAt, items: [{<groupBy>: value, messages, ...}]}; CSV: a header
 *   row whose first column is named after groupBy, one row per group.
 * - Freshness: the rollup runs every minute (a repeatable job of the
 *   workers; each run folds in only what changed since the one before), so
 *   figures are at most about a minute behind; rolledUpAt is the time of
 *   its last run, whose one snapshot every figure comes from (a message
 *   still in flight then shows under its status of that moment).
 */
import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../core/errors';
import { REPORT_GROUPS, type GroupTotals, type ReportQuery } from '../reports/report-types';
import { reportCsv, toReportRow } from '../reports/report';
import { scopeOf } from './authorize';
import type { ApiDeps } from './deps';
import { parse } from './validate';

/** What the router needs (db/report-queries.ts and db/rollup-store.ts). */
export interface ReportSource {
  totals(q: ReportQuery): Promise<GroupTotals[]>;
  rolledAt(): Promise<Date | null>;
}

const HOUR_MS = 3_600_000;
const MAX_RANGE_MS = 400 * 24 * HOUR_MS;

const time = z
  .string()
  .max(40)
  .refine((s) => /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date or time');

export const reportQuery = z
  .object({
    from: time.optional(),
    to: time.optional(),
    groupBy: z.enum(REPORT_GROUPS).default('day'),
    format: z.enum(['json', 'csv']).default('json'),
    accountId: z.string().uuid().optional(),
  })
  .strict();

export function reportRouter(deps: ApiDeps, source: ReportSource): Router {
  const router = Router();

  router.get('/reports', async (req, res) => {
    const q = parse(reportQuery, req.query);
    const to = Math.ceil((q.to ? Date.parse(q.to) : deps.now().getTime()) / HOUR_MS) * HOUR_MS;
    const from = Math.floor((q.from ? Date.parse(q.from) : to - 24 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    if (from >= to) throw new GatewayError('INVALID_REQUEST', 'from must be before to');
    if (to - from > MAX_RANGE_MS) throw new GatewayError('INVALID_REQUEST', 'at most 400 days per report');

    // A customer reads its own account only, and never the carriers' cost nor the operator's margin (null).
    const own = scopeOf(req);
    if (own && q.accountId && q.accountId !== own.accountId) throw new GatewayError('NOT_FOUND', 'no such account');
    const accountId = own?.accountId ?? q.accountId;
    const query: ReportQuery = { from: new Date(from), to: new Date(to), groupBy: q.groupBy, ...(accountId ? { accountId } : {}) };
    const [totals, rolledAt] = await Promise.all([source.totals(query), source.rolledAt()]);
    const rows = own ? totals.map(toReportRow).map((r) => ({ ...r, cost: null, margin: null }) as unknown as ReturnType<typeof toReportRow>) : totals.map(toReportRow);
    if (q.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="smsgw-report-${q.groupBy}.csv"`);
      res.send(reportCsv(q.groupBy, rows));
      return;
    }
    res.json({
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      groupBy: q.groupBy,
      rolledUpAt: rolledAt?.toISOString() ?? null,
      items: rows.map(({ group, ...figures }) => ({ [q.groupBy]: group, ...figures })),
    });
  });

  return router;
}
