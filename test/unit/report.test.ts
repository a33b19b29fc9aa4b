/** Report arithmetic: the latency histogram's buckets and percentiles, report rows, CSV. */
import { describe, expect, it } from 'vitest';
import { bucketOf, LATENCY_BOUNDS_S, LATENCY_BUCKET_COUNT, mergeHistograms, quantileOf } from '../../src/reports/latency-histogram';
import { wholeDays } from '../../src/db/report-queries';
import { reportCsv, toReportRow } from '../../src/reports/report';

function histogramOf(latencies: number[]): number[] {
  const h = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  for (const l of latencies) h[bucketOf(l)]!++;
  return h;
}

describe('the latency histogram', () => {
  it('puts a latency in the first bucket whose upper bound holds it (bounds inclusive), the overflow last', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.1)).toBe(0);
    expect(bucketOf(0.1001)).toBe(1);
    expect(bucketOf(1)).toBe(3);
    expect(bucketOf(86_400)).toBe(LATENCY_BOUNDS_S.length - 1);
    expect(bucketOf(86_401)).toBe(LATENCY_BOUNDS_S.length);
  });

  it('reads percentiles by linear interpolation inside the bucket, like histogram_quantile', () => {
    // 10 latencies in (1, 2.5]: p50 is half way through that bucket.
    const h = histogramOf(new Array(10).fill(2));
    expect(quantileOf(h, 0.5)).toBe(1.75);
    expect(quantileOf(h, 1)).toBe(2.5);
    // 90 fast (<= 0.1 s) and 10 slow (in (10, 30]): p90 is the top of the first bucket, p99 inside the slow one.
    const mixed = histogramOf([...new Array(90).fill(0.05), ...new Array(10).fill(20)]);
    expect(quantileOf(mixed, 0.5)).toBe(0.056); // 50th of 90 in (0, 0.1]
    expect(quantileOf(mixed, 0.9)).toBe(0.1);
    expect(quantileOf(mixed, 0.99)).toBe(28); // 9th of 10 in (10, 30]
  });

  it('reports the largest bound for a quantile in the overflow bucket, and null when empty', () => {
    expect(quantileOf(histogramOf([100_000, 200_000]), 0.5)).toBe(86_400);
    expect(quantileOf(new Array(LATENCY_BUCKET_COUNT).fill(0), 0.5)).toBeNull();
    expect(() => quantileOf([1], 0)).toThrow(RangeError);
  });

  it('adds histograms bucket by bucket, so percentiles of merged hours are those of all their messages', () => {
    const hour1 = [0.05, 0.3, 4];
    const hour2 = [0.2, 0.2, 45, 700];
    const merged = mergeHistograms([histogramOf(hour1), histogramOf(hour2)]);
    expect(merged).toEqual(histogramOf([...hour1, ...hour2]));
    expect(merged.reduce((a, b) => a + b, 0)).toBe(7);
  });
});

describe('report rows', () => {
  const totals = { group: 'simulator', messages: 4, parts: 5, charged: 25, refunded: 5, cost: 8, delivered: 3, final: 4, latency: histogramOf([0.2, 0.2, 0.4]) };

  it('net revenue of refunds, margin after carrier cost, delivery ratio over final messages', () => {
    expect(toReportRow(totals)).toEqual({
      group: 'simulator',
      messages: 4,
      parts: 5,
      revenue: 20,
      cost: 8,
      margin: 12,
      deliveryRatio: 0.75,
      latencyP50Seconds: 0.213,
      latencyP90Seconds: 0.425, // rank 2.7: 0.25 + 0.25 x 0.7
      latencyP99Seconds: 0.492,
    });
  });

  it('no delivery ratio while nothing is final, no latency without deliveries', () => {
    const row = toReportRow({ ...totals, delivered: 0, final: 0, latency: new Array(LATENCY_BUCKET_COUNT).fill(0) });
    expect(row).toMatchObject({ deliveryRatio: null, latencyP50Seconds: null, latencyP90Seconds: null, latencyP99Seconds: null });
  });

  it('CSV: a header named after groupBy, CRLF lines, empty cells for nulls, quoted fields when needed', () => {
    const rows = [toReportRow(totals), toReportRow({ ...totals, group: 'a,"b"', delivered: 0, final: 0, latency: [] })];
    expect(reportCsv('carrier', rows)).toBe(
      'carrier,messages,parts,revenue,cost,margin,deliveryRatio,latencyP50Seconds,latencyP90Seconds,latencyP99Seconds\r\n' +
        'simulator,4,5,20,8,12,0.75,0.213,0.425,0.492\r\n' +
        '"a,""b""",4,5,20,8,12,,,,\r\n',
    );
    expect(reportCsv('day', [])).toBe('day,messages,parts,revenue,cost,margin,deliveryRatio,latencyP50Seconds,latencyP90Seconds,latencyP99Seconds\r\n');
  });
});

describe('wholeDays', () => {
  const d = (iso: string) => new Date(iso);
  it('is the whole UTC days inside the range; the hours at its edges are read from hour rows', () => {
    expect(wholeDays(d('2026-11-01T05:00:00Z'), d('2026-11-04T07:00:00Z'))).toEqual([d('2026-11-02T00:00:00Z'), d('2026-11-04T00:00:00Z')]);
    expect(wholeDays(d('2026-11-01T00:00:00Z'), d('2026-12-01T00:00:00Z'))).toEqual([d('2026-11-01T00:00:00Z'), d('2026-12-01T00:00:00Z')]);
  });

  it('is empty (at the end of the range) when no whole day fits', () => {
    expect(wholeDays(d('2026-11-01T05:00:00Z'), d('2026-11-02T03:00:00Z'))).toEqual([d('2026-11-02T03:00:00Z'), d('2026-11-02T03:00:00Z')]);
    expect(wholeDays(d('2026-11-01T05:00:00Z'), d('2026-11-01T09:00:00Z'))).toEqual([d('2026-11-01T09:00:00Z'), d('2026-11-01T09:00:00Z')]);
  });
});
