/**
 * Reports (GET /api/v1/reports): traffic and money per group over a time
 * range, read from the hourly rollup (db/rollup-store.ts).
 *
 * Per group: messages, parts, revenue (charges minus refunds, minor units),
 * cost (what carriers charge per part handed to them), margin (revenue -
 * cost), deliveryRatio (delivered / messages in a final status; null when
 * none is final yet) and delivery latency p50 / p90 / p99 in seconds
 * (delivered messages; null when none).
 */
export const REPORT_GROUPS = ['hour', 'day', 'status', 'carrier', 'prefix', 'app'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];

export interface ReportQuery {
  /** Inclusive; whole hours (UTC). */
  readonly from: Date;
  /** Exclusive; whole hours (UTC). */
  readonly to: Date;
  readonly groupBy: ReportGroup;
  /** Only this account's messages (customers see only their own). */
  readonly accountId?: string;
}

export interface ReportRow {
  /** The group's value: an ISO time (hour, day), a status word, a carrier name, a prefix, an app id. */
  readonly group: string;
  readonly messages: number;
  readonly parts: number;
  readonly revenue: number;
  readonly cost: number;
  readonly margin: number;
  readonly deliveryRatio: number | null;
  readonly latencyP50Seconds: number | null;
  readonly latencyP90Seconds: number | null;
  readonly latencyP99Seconds: number | null;
}

/** Columns of one group as the rollup sums them (before ratios and percentiles). */
export interface GroupTotals {
  readonly group: string;
  readonly messages: number;
  readonly parts: number;
  readonly charged: number;
  readonly refunded: number;
  readonly cost: number;
  readonly delivered: number;
  readonly final: number;
  readonly latency: readonly number[];
}
