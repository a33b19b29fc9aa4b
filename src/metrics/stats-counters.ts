/**
 * The counters behind the live statistics stream (GET /api/v1/stream/stats):
 * messages accepted, parts carriers accepted, final statuses. Each process
 * reads its own from its prom-client registry; to show a deployment's true
 * figures when edge and workers are separate processes, every process
 * publishes them (src/workers/stats-board.ts) and the stream sums them with
 * `ClusterTotals`.
 */
import type { Metrics } from './registry';

export interface StatsCounters {
  /** smsgw_messages_accepted_total, all channels. */
  readonly accepted: number;
  /** Parts a carrier accepted: smsgw_carrier_submits_total{result="accepted"}. */
  readonly submitted: number;
  /** smsgw_messages_final_total by status. */
  readonly final: Readonly<Record<string, number>>;
}

export type MetricValues = { get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number | undefined> }> }> };

/** A metric summed over all its series, and per value of the label `by`. */
export async function sumMetric(metric: MetricValues, by?: string): Promise<{ total: number; grouped: Record<string, number> }> {
  const values = (await metric.get()).values;
  let total = 0;
  const grouped: Record<string, number> = {};
  for (const v of values) {
    total += v.value;
    if (by === undefined) continue;
    const key = String(v.labels[by] ?? '');
    grouped[key] = (grouped[key] ?? 0) + v.value;
  }
  return { total, grouped };
}

/** This process's counters since it started. */
export async function readStatsCounters(m: Pick<Metrics, 'messagesAccepted' | 'carrierSubmits' | 'messagesFinal'>): Promise<StatsCounters> {
  const accepted = await sumMetric(m.messagesAccepted);
  const submits = await sumMetric(m.carrierSubmits, 'result');
  const finals = await sumMetric(m.messagesFinal, 'status');
  return { accepted: accepted.total, submitted: submits.grouped.accepted ?? 0, final: finals.grouped };
}

/**
 * Turns per-process cumulative counters (which vanish when a process stops
 * publishing and restart from zero with a new process) into one monotonic
 * deployment total: a process seen for the first time adds all it has
 * counted; after that only its increments are added; a process that goes
 * away keeps what it added. So rates never go negative when a process dies,
 * and the "since start" figures are those of every process seen.
 * Processes unseen for `forgetAfterMs` are forgotten (default 10 minutes).
 */
export class ClusterTotals {
  private readonly last = new Map<string, { counters: StatsCounters; seenMs: number }>();
  private accepted = 0;
  private submitted = 0;
  private final: Record<string, number> = {};

  constructor(private readonly forgetAfterMs = 600_000) {}

  add(perProcess: ReadonlyMap<string, StatsCounters>, nowMs: number): StatsCounters {
    for (const [processId, counters] of perProcess) {
      const before = this.last.get(processId)?.counters;
      const delta = (now: number, then: number | undefined) => Math.max(0, now - (then ?? 0));
      this.accepted += delta(counters.accepted, before?.accepted);
      this.submitted += delta(counters.submitted, before?.submitted);
      const final = { ...this.final };
      for (const [status, n] of Object.entries(counters.final)) final[status] = (final[status] ?? 0) + delta(n, before?.final[status]);
      this.final = final;
      this.last.set(processId, { counters, seenMs: nowMs });
    }
    for (const [processId, entry] of this.last) if (nowMs - entry.seenMs > this.forgetAfterMs) this.last.delete(processId);
    return { accepted: this.accepted, submitted: this.submitted, final: { ...this.final } };
  }
}
