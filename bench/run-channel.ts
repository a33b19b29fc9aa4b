/**
 * One channel's run, the same for every bench: a warm-up probe (one message
 * through the whole path, so binds are up and code is compiled), then the
 * load, then waiting for the receipts, then the figures of the client
 * (recorder) and of every process (sampler) over exactly that window.
 */
import { readFileSync } from 'node:fs';
import { ChannelRecorder, type ChannelSummary, type PerSecond } from './recorder';
import type { Sampler, WindowFigures } from './sampler';
import type { ReceiptSink } from './sink';

export interface ChannelResult {
  readonly summary: ChannelSummary;
  readonly perProcess: Record<string, WindowFigures>;
  readonly perSecond: PerSecond;
  readonly loadAverage: { readonly before: string; readonly after: string };
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * Sends one message with `send` (which returns its key, or undefined when
 * refused) and waits until its receipt reaches the sink; throws after timeoutMs.
 */
export async function probe(sink: ReceiptSink, send: () => Promise<string | undefined>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let key: string | undefined;
    const got = new Set<string>();
    sink.onReceipt((k) => got.add(k));
    try {
      key = await send();
    } catch {
      key = undefined;
    }
    const waitUntil = Math.min(deadline, Date.now() + 10_000);
    while (key !== undefined && !got.has(key) && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
    if (key !== undefined && got.has(key)) return;
    if (Date.now() >= deadline) throw new Error('the probe message got no receipt: is the carrier bound?');
  }
}

export interface ChannelRun {
  readonly channel: string;
  readonly messages: number;
  readonly sampler: Sampler;
  /** Routes the sink's receipts to this channel's recorder (HTTP channels). */
  readonly sink?: ReceiptSink;
  /** Drives the load; resolves when every submission is answered, with a close() for after the receipts. */
  drive(recorder: ChannelRecorder): Promise<{ close(): Promise<void> } | void>;
}

export async function runChannel(run: ChannelRun): Promise<ChannelResult> {
  const before = loadAverage();
  const recorder = new ChannelRecorder(run.channel, () => run.sampler.now());
  run.sink?.onReceipt((key, state) => recorder.completed(key, state));
  process.stderr.write(`[${new Date().toISOString()}] ${run.channel}: ${run.messages} messages, load average ${before}\n`);
  const progress = setInterval(() => {
    process.stderr.write(`  ${run.channel}: accepted ${recorder.acceptedCount}, completed ${recorder.completedCount}\n`);
  }, 10_000);
  try {
    const handle = await run.drive(recorder);
    await recorder.waitForCompletion();
    await handle?.close();
  } finally {
    clearInterval(progress);
  }
  await run.sampler.sampleAll();
  const summary = recorder.summary(run.messages);
  const perProcess = run.sampler.window(recorder.startedAt, recorder.endedAt, summary.accepted);
  const after = loadAverage();
  process.stderr.write(`  ${run.channel}: ${summary.acceptedPerSecond} accepted/s, ${summary.completedPerSecond} completed/s, load average ${after}\n`);
  return { summary, perProcess, perSecond: recorder.perSecond(), loadAverage: { before, after } };
}
