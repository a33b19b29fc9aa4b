/**
 * `npm run bench`: smsgw end to end in its production layout. The SMSC
 * simulator runs as its own process (`npm run simulator`: submit_sm_resp
 * after --submit-delay-ms, receipts --dlr-delay-ms later) and is registered
 * as the carrier through the operator API; the gateway runs as an edge
 * process (api,smpp) and --workers workers processes. Then, one channel at
 * a time, --messages messages over SMPP (--binds transceiver binds, --window
 * outstanding each, registered_delivery 1, receipts back as deliver_sm) and
 * over HTTP (--concurrency keep-alive clients, callbackUrl to a sink in this
 * process). Per channel: accepted/s, completed/s (receipt back at the
 * client), p50/p99 accept and accept-to-receipt latency, and per process
 * (edge, workers, simulator, this client) CPU s per 1,000 messages, peak RSS
 * and RSS/heap at 25/50/75/100% of the run. `--workers 1,2` runs the whole
 * thing once per count (a fresh gateway each time) and prints the ratio.
 * `--rate R` offers R messages/s per channel on a fixed schedule instead of
 * the closed loop (latency below saturation). `--profile` runs edge and workers under node --cpu-prof and prints the
 * top self-time costs. JSON and an SVG chart go to bench/results/.
 *   npm run bench -- --messages 100000 --channels smpp,http --workers 1
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { throughputSvg } from './chart';
import { driveSmsgwHttp } from './drivers/http-driver';
import { driveSmpp } from './drivers/smpp-driver';
import { writeResult } from './lib';
import { startSimulator } from './processes';
import { formatProfile, summariseProfile, type ProfileSummary } from './profile-summary';
import { loadAverage, runChannel, type ChannelResult } from './run-channel';
import { Sampler } from './sampler';
import { ReceiptSink } from './sink';
import { probeSmsgw, startSmsgw, watchStack } from './smsgw-stack';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    channels: { type: 'string', default: 'smpp,http' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '64' },
    binds: { type: 'string', default: '4' },
    window: { type: 'string', default: '100' },
    'carrier-binds': { type: 'string', default: '4' },
    'carrier-window': { type: 'string', default: '100' },
    'submit-delay-ms': { type: 'string', default: '20' },
    'dlr-delay-ms': { type: 'string', default: '100' },
    // CALLBACK_HOST_CONCURRENCY of the workers: concurrent callback POSTs per host (production default 8).
    // Every callback goes to the one sink here, as if one busy customer: 64 matches the client's concurrency.
    'callback-host-concurrency': { type: 'string', default: '64' },
    profile: { type: 'boolean', default: false },
    // Offered messages/s per channel on a fixed schedule (open loop), for latency below saturation.
    rate: { type: 'string' },
  },
});
const messages = Number(values.messages);
const channels = values.channels.split(',').filter((c) => c === 'smpp' || c === 'http');
const workerCounts = values.workers.split(',').map(Number);
if (!channels.length || workerCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 8) || !(messages > 0)) {
  throw new Error('usage: --messages N --channels smpp,http --workers 1[,2] (1..8)');
}
const rate = values.rate ? Number(values.rate) : undefined;
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const profileRoot = values.profile ? join('bench/results', `profile-${stamp}`) : undefined;

const sink = new ReceiptSink();
await sink.start();
const simulator = await startSimulator({ submitDelayMs: Number(values['submit-delay-ms']), dlrDelayMs: Number(values['dlr-delay-ms']), inboundWindow: 1_000 });
const sampler = new Sampler();
sampler.watch({ name: 'simulator', pid: simulator.pid });
sampler.watch({ name: 'bench-client', pid: process.pid });
sampler.start();

interface LayoutResult {
  readonly workers: number;
  readonly channels: Record<string, ChannelResult>;
  readonly profiles: ProfileSummary[];
}

async function runLayout(workers: number): Promise<LayoutResult> {
  const profileDir = profileRoot ? join(profileRoot, `workers-${workers}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const stack = await startSmsgw({
    simulatorPort: simulator.port,
    workers,
    carrierBinds: Number(values['carrier-binds']),
    carrierWindow: Number(values['carrier-window']),
    env: { CALLBACK_HOST_CONCURRENCY: values['callback-host-concurrency'] },
    credit: (messages * channels.length + 1_000) * 10,
    ...(profileDir ? { profileDir } : {}),
  });
  const results: Record<string, ChannelResult> = {};
  let unwatch: (() => Promise<void>) | undefined;
  try {
    unwatch = await watchStack(sampler, stack);
    await probeSmsgw(sink, stack);
    for (const [index, channel] of channels.entries()) {
      const label = `${channel} (workers ${workers}${rate ? `, ${rate}/s offered` : ''})`;
      results[channel] =
        channel === 'smpp'
          ? await runChannel({
              channel: label,
              messages,
              sampler,
              drive: (recorder) =>
                driveSmpp(
                  { messages, binds: Number(values.binds), window: Number(values.window), recorder, offset: index * messages, ...(rate ? { rate } : {}) },
                  { port: stack.smppPort, systemId: stack.smppApp.smppSystemId, password: stack.smppApp.smppPassword },
                ),
            })
          : await runChannel({
              channel: label,
              messages,
              sampler,
              sink,
              drive: (recorder) =>
                driveSmsgwHttp(
                  { messages, concurrency: Number(values.concurrency), recorder, offset: index * messages, ...(rate ? { rate } : {}) },
                  { base: stack.base, appId: stack.httpApp.appId, secret: stack.httpApp.secret, callbackUrl: sink.url('/smsgw') },
                ),
            });
    }
  } finally {
    await unwatch?.();
    await stack.stop();
  }
  // The main thread's profile (thread 0) of each process; the others are tsx's module-hook thread.
  const profiles = profileDir
    ? readdirSync(profileDir).flatMap((dir) =>
        readdirSync(join(profileDir, dir))
          .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
          .map((f) => summariseProfile(join(profileDir, dir, f))),
      )
    : [];
  return { workers, channels: results, profiles };
}

const layouts: LayoutResult[] = [];
try {
  for (const workers of workerCounts) layouts.push(await runLayout(workers));
} finally {
  sampler.stop();
  await simulator.stop();
  await sink.stop();
}

// Print: one line per channel, then per process, then the profiles and the workers ratio.
const mb = (n: number[] | null): string => (n ? n.join('/') : '-');
for (const layout of layouts) {
  for (const r of Object.values(layout.channels)) {
    const s = r.summary;
    console.log(
      `${s.channel}: ${s.accepted}/${s.messages} accepted (${s.refused} refused), ${s.acceptedPerSecond} accepted/s, ${s.completedPerSecond} completed/s; ` +
        `accept p50/p99 ${s.acceptLatencyMs.p50}/${s.acceptLatencyMs.p99} ms; accept->receipt p50/p99 ${s.acceptToReceiptMs.p50}/${s.acceptToReceiptMs.p99} ms; ` +
        `final ${JSON.stringify(s.finalStates)}; load average ${r.loadAverage.before} -> ${r.loadAverage.after}`,
    );
    for (const [name, p] of Object.entries(r.perProcess)) {
      console.log(`    ${name.padEnd(12)} CPU ${p.cpuSecondsPer1000} s/1000 msgs (${p.cpuCores} cores), peak RSS ${p.peakRssMiB} MiB, RSS at 25/50/75/100%: ${mb(p.rssMiBAt25_50_75_100)} MiB, heap ${mb(p.heapUsedMiBAt25_50_75_100)} MiB`);
    }
  }
  for (const p of layout.profiles) console.log(formatProfile(p));
}
const ratios: Record<string, number> = {};
if (layouts.length > 1) {
  for (const channel of channels) {
    const one = layouts[0]!.channels[channel]!.summary.completedPerSecond;
    const more = layouts[layouts.length - 1]!.channels[channel]!.summary.completedPerSecond;
    ratios[channel] = +(more / one).toFixed(2);
    console.log(`${channel}: workers ${workerCounts.at(-1)} / workers ${workerCounts[0]} completed/s = ${more} / ${one} = ${ratios[channel]}`);
  }
}

const result = {
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  options: values,
  loadAverageAtEnd: loadAverage(),
  layouts,
  workersRatio: ratios,
  samples: sampler.series(),
};
const file = writeResult('bench', result);
const svg = file.replace(/\.json$/, '.svg');
writeFileSync(svg, throughputSvg(`smsgw, ${messages} messages per channel: accepted/s (solid) and completed/s (dashed)`, layouts.flatMap((l) => Object.values(l.channels).map((c) => c.perSecond))));
console.log(`written to ${file} and ${svg}`);
