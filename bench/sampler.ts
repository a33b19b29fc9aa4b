/**
 * Samples every watched process once a second: CPU seconds and RSS from
 * /proc (Linux), and for gateway processes the V8 heap in use from their
 * /metrics (prom-client's default process metrics). A window of samples
 * (one channel's run) gives CPU per 1,000 messages, peak RSS and the RSS at
 * 25/50/75/100% of the window, to judge whether memory stays flat.
 */
import { readFileSync } from 'node:fs';

export interface Watched {
  readonly name: string;
  /** A process, read from /proc ... */
  readonly pid?: number;
  /** ... or a group of them read by the caller (PostgreSQL backends). */
  readonly read?: () => { cpuS: number; rssMiB: number };
  readonly metricsUrl?: string;
}

export interface Sample {
  /** ms since the sampler started. */
  readonly t: number;
  readonly cpuS: number;
  readonly rssMiB: number;
  readonly heapUsedMiB?: number;
}

// prom-client default metrics; the prefix was smsgw_process_ before it became smsgw_.
const HEAP_METRIC = /^smsgw_(?:process_)?nodejs_heap_size_used_bytes (\S+)$/m;

/** CPU seconds (user + system) so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

const mib = (kib: number): number => Math.round(kib / 1024);

export class Sampler {
  private readonly started = performance.now();
  private readonly samples = new Map<string, Sample[]>();
  private readonly watched: Watched[] = [];
  private timer: NodeJS.Timeout | undefined;

  watch(p: Watched): void {
    this.watched.push(p);
    if (!this.samples.has(p.name)) this.samples.set(p.name, []);
  }

  unwatch(name: string): void {
    const i = this.watched.findIndex((w) => w.name === name);
    if (i >= 0) this.watched.splice(i, 1);
  }

  /** ms since the sampler started: the time axis of every series. */
  now(): number {
    return performance.now() - this.started;
  }

  start(intervalMs = 1_000): void {
    this.timer = setInterval(() => void this.sampleAll(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sampleAll(): Promise<void> {
    await Promise.all(this.watched.map((w) => this.sampleOne(w)));
  }

  private async sampleOne(w: Watched): Promise<void> {
    let cpuS: number;
    let rssMiB: number;
    try {
      if (w.read) ({ cpuS, rssMiB } = w.read());
      else {
        cpuS = cpuSeconds(w.pid!);
        rssMiB = mib(statusKiB(w.pid!, 'VmRSS'));
      }
    } catch {
      return; // the process has gone
    }
    const t = this.now();
    let heapUsedMiB: number | undefined;
    if (w.metricsUrl) {
      const text = await fetch(w.metricsUrl, { signal: AbortSignal.timeout(2_000) }).then((r) => r.text(), () => '');
      const match = HEAP_METRIC.exec(text);
      if (match) heapUsedMiB = Math.round(Number(match[1]) / 2 ** 20);
    }
    this.samples.get(w.name)!.push({ t, cpuS, rssMiB, ...(heapUsedMiB === undefined ? {} : { heapUsedMiB }) });
  }

  /** Lifetime peak RSS (VmHWM) of a watched process, MiB. */
  peakRssMiB(name: string): number | null {
    const w = this.watched.find((x) => x.name === name);
    if (!w?.pid) return null;
    try {
      return mib(statusKiB(w.pid, 'VmHWM'));
    } catch {
      return null;
    }
  }

  /** Per process, over [fromMs, toMs]: CPU s per 1,000 messages, peak sampled RSS and RSS/heap at 25/50/75/100%. */
  window(fromMs: number, toMs: number, messages: number): Record<string, WindowFigures> {
    const out: Record<string, WindowFigures> = {};
    for (const [name, all] of this.samples) {
      const inWindow = all.filter((s) => s.t >= fromMs - 1_000 && s.t <= toMs + 1_000);
      if (inWindow.length < 2) continue;
      const first = inWindow[0]!;
      const last = inWindow[inWindow.length - 1]!;
      // The sample nearest to a fraction of the window (a /metrics scrape may have timed out on a busy machine).
      const at = (from: Sample[], fraction: number): Sample => {
        const target = fromMs + fraction * (toMs - fromMs);
        return from.reduce((best, s) => (Math.abs(s.t - target) < Math.abs(best.t - target) ? s : best));
      };
      const quartiles = [0.25, 0.5, 0.75, 1].map((f) => at(inWindow, f));
      const withHeap = inWindow.filter((s) => s.heapUsedMiB !== undefined);
      const heapQuartiles = withHeap.length > 0 ? [0.25, 0.5, 0.75, 1].map((f) => at(withHeap, f).heapUsedMiB!) : null;
      out[name] = {
        cpuSecondsPer1000: +(((last.cpuS - first.cpuS) * 1000) / messages).toFixed(3),
        cpuCores: +((last.cpuS - first.cpuS) / ((last.t - first.t) / 1000)).toFixed(2),
        peakRssMiB: Math.max(...inWindow.map((s) => s.rssMiB)),
        lifetimePeakRssMiB: this.peakRssMiB(name),
        rssMiBAt25_50_75_100: quartiles.map((s) => s.rssMiB),
        heapUsedMiBAt25_50_75_100: heapQuartiles,
      };
    }
    return out;
  }

  series(): Record<string, Sample[]> {
    return Object.fromEntries(this.samples);
  }
}

export interface WindowFigures {
  readonly cpuSecondsPer1000: number;
  /** Average cores used over the window. */
  readonly cpuCores: number;
  readonly peakRssMiB: number;
  readonly lifetimePeakRssMiB: number | null;
  readonly rssMiBAt25_50_75_100: number[];
  readonly heapUsedMiBAt25_50_75_100: number[] | null;
}
