/**
 * The delivery-latency histogram of the report rollup: fixed buckets, so
 * the histograms of any set of rollup rows (hours, apps, carriers...) add up
 * into one and percentiles can be read from the sum, as Prometheus's
 * histogram_quantile does. Latency = final status time minus acceptance,
 * for delivered messages, in seconds.
 *
 * A histogram is LATENCY_BOUNDS_S.length + 1 counts: count i holds the
 * latencies in (bound[i-1], bound[i]] (the first from 0), the last one those
 * above the largest bound. The bounds are part of the stored format
 * (report_rollup.lat_0 .. lat_16, report_rollup_message.lat_bucket):
 * changing them needs a migration that rebuilds the rollup.
 */
export const LATENCY_BOUNDS_S = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400] as const;

export const LATENCY_BUCKET_COUNT = LATENCY_BOUNDS_S.length + 1;

/** Adds histograms element-wise (missing trailing counts are 0); returns a new array. */
export function mergeHistograms(histograms: ReadonlyArray<readonly number[]>): number[] {
  const out = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  for (const h of histograms) for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) out[i]! += h[i] ?? 0;
  return out;
}

/** The bucket index of one latency (for tests and in-memory use; SQL uses the same rule). */
export function bucketOf(latencySeconds: number): number {
  const i = LATENCY_BOUNDS_S.findIndex((bound) => latencySeconds <= bound);
  return i === -1 ? LATENCY_BOUNDS_S.length : i;
}

/**
 * The q-quantile (0 < q <= 1) in seconds, interpolated linearly inside the
 * bucket that holds it (from 0 in the first bucket); a quantile that falls
 * above the largest bound is reported as that bound. null for an empty
 * histogram. Rounded to the millisecond.
 */
export function quantileOf(histogram: readonly number[], q: number): number | null {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < histogram.length; i++) {
    const count = histogram[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      if (i >= LATENCY_BOUNDS_S.length) return LATENCY_BOUNDS_S[LATENCY_BOUNDS_S.length - 1]!;
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_S[i - 1]!;
      const upper = LATENCY_BOUNDS_S[i]!;
      return Math.round((lower + ((upper - lower) * (rank - below)) / count) * 1000) / 1000;
    }
    below += count;
  }
  return LATENCY_BOUNDS_S[LATENCY_BOUNDS_S.length - 1]!;
}
