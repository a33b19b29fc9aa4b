/**
 * From summed rollup columns to report rows, and the CSV export (RFC 4180:
 * a header row whose first column is named after groupBy, CRLF line ends,
 * fields quoted when they hold a comma, a quote or a line break). Pure.
 */
import { quantileOf } from './latency-histogram';
import type { GroupTotals, ReportGroup, ReportRow } from './report-types';

export function toReportRow(t: GroupTotals): ReportRow {
  const revenue = t.charged - t.refunded;
  return {
    group: t.group,
    messages: t.messages,
    parts: t.parts,
    revenue,
    cost: t.cost,
    margin: revenue - t.cost,
    deliveryRatio: t.final === 0 ? null : Math.round((t.delivered / t.final) * 10_000) / 10_000,
    latencyP50Seconds: quantileOf(t.latency, 0.5),
    latencyP90Seconds: quantileOf(t.latency, 0.9),
    latencyP99Seconds: quantileOf(t.latency, 0.99),
  };
}

const CSV_COLUMNS = [
  'messages',
  'parts',
  'revenue',
  'cost',
  'margin',
  'deliveryRatio',
  'latencyP50Seconds',
  'latencyP90Seconds',
  'latencyP99Seconds',
] as const satisfies ReadonlyArray<keyof ReportRow>;

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function reportCsv(groupBy: ReportGroup, rows: readonly ReportRow[]): string {
  const lines = [[groupBy, ...CSV_COLUMNS].join(',')];
  for (const row of rows) lines.push([csvField(row.group), ...CSV_COLUMNS.map((c) => csvField(row[c]))].join(','));
  return `${lines.join('\r\n')}\r\n`;
}
