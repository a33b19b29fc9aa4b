/**
 * `npm run bench:kannel`: the same HTTP load shape against Kannel and then
 * against smsgw, in one run, to the same simulator process (submit_sm_resp
 * after --submit-delay-ms, receipts --dlr-delay-ms later).
 *   Kannel: bearerbox + smsbox (Debian's /usr/sbin binaries, configured by
 *   test/helpers/kannel.ts), smsc-smpp transceiver to the simulator with
 *   max-pending-submits --kannel-pending (500), log level 3 (errors only);
 *   GET /cgi-bin/sendsms with dlr-mask 19 (delivered, undelivered, SMSC
 *   reject) and a dlr-url to the sink in this process.
 *   smsgw: edge + --workers workers processes, POST /api/v1/messages with a
 *   callbackUrl to the same sink (see `npm run bench`).
 * Both get --messages messages from --concurrency keep-alive clients.
 * Prints both figures and the ratio smsgw / Kannel (completed/s: receipts
 * back at the client; accepted/s); JSON and an SVG chart go to bench/results/.
 *   npm run bench:kannel -- --messages 100000
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { kannelInstalled, startKannel } from '../test/helpers/kannel';
import { throughputSvg } from './chart';
import { KeepAliveClient } from './drivers/http-client';
import { driveKannelHttp, driveSmsgwHttp } from './drivers/http-driver';
import { writeResult } from './lib';
import { startSimulator } from './processes';
import { loadAverage, probe, runChannel, type ChannelResult } from './run-channel';
import { Sampler } from './sampler';
import { KANNEL_FINAL_DLR_MASK, ReceiptSink } from './sink';
import { probeSmsgw, startSmsgw, watchStack } from './smsgw-stack';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '64' },
    workers: { type: 'string', default: '1' },
    'kannel-pending': { type: 'string', default: '500' },
    'carrier-binds': { type: 'string', default: '4' },
    'carrier-window': { type: 'string', default: '100' },
    'submit-delay-ms': { type: 'string', default: '20' },
    'dlr-delay-ms': { type: 'string', default: '100' },
    // CALLBACK_HOST_CONCURRENCY of the workers: concurrent callback POSTs per host (production default 8).
    // Every callback goes to the one sink here, as if one busy customer: 64 matches the client's concurrency.
    'callback-host-concurrency': { type: 'string', default: '64' },
  },
});
if (!kannelInstalled()) {
  console.error('Kannel is not installed (/usr/sbin/bearerbox, /usr/sbin/smsbox): bash scripts/services.sh kannel (apt-get install kannel, as root)');
  process.exit(2);
}
const messages = Number(values.messages);
const concurrency = Number(values.concurrency);

const sink = new ReceiptSink();
await sink.start();
const simulator = await startSimulator({ submitDelayMs: Number(values['submit-delay-ms']), dlrDelayMs: Number(values['dlr-delay-ms']), inboundWindow: 1_000 });
const sampler = new Sampler();
sampler.watch({ name: 'simulator', pid: simulator.pid });
sampler.watch({ name: 'bench-client', pid: process.pid });
sampler.start();

const results: Record<'kannel' | 'smsgw', ChannelResult | undefined> = { kannel: undefined, smsgw: undefined };
try {
  // Kannel first.
  const kannel = await startKannel({ port: simulator.port, systemId: 'kannel', password: 'bench' }, { maxPendingSubmits: Number(values['kannel-pending']), logLevel: 3, smscId: 'sim' });
  try {
    const pids = kannel.pids();
    if (pids.bearerbox) sampler.watch({ name: 'bearerbox', pid: pids.bearerbox });
    if (pids.smsbox) sampler.watch({ name: 'smsbox', pid: pids.smsbox });
    const client = new KeepAliveClient(1);
    let probeKey = 0;
    await probe(sink, async () => {
      const key = `probe${probeKey++}`;
      const query = new URLSearchParams({ username: 'tester', password: 'tester-pw', from: 'BENCH', to: '989000000001', text: 'probe', 'dlr-mask': String(KANNEL_FINAL_DLR_MASK), 'dlr-url': `${sink.url('/kannel')}?k=${key}&type=%d` });
      const r = await client.send('GET', `http://127.0.0.1:${kannel.sendsmsPort}/cgi-bin/sendsms?${query}`);
      return r.status === 202 ? key : undefined;
    });
    client.close();
    results.kannel = await runChannel({
      channel: 'kannel http',
      messages,
      sampler,
      sink,
      drive: (recorder) => driveKannelHttp({ messages, concurrency, recorder, offset: 0 }, { sendsmsPort: kannel.sendsmsPort, dlrUrlBase: sink.url('/kannel') }),
    });
  } finally {
    sampler.unwatch('bearerbox');
    sampler.unwatch('smsbox');
    await kannel.stop();
  }

  // Then smsgw, on the same simulator process.
  const stack = await startSmsgw({
    simulatorPort: simulator.port,
    workers: Number(values.workers),
    carrierBinds: Number(values['carrier-binds']),
    carrierWindow: Number(values['carrier-window']),
    env: { CALLBACK_HOST_CONCURRENCY: values['callback-host-concurrency'] },
    credit: (messages + 1_000) * 10,
  });
  let unwatch: (() => Promise<void>) | undefined;
  try {
    unwatch = await watchStack(sampler, stack);
    await probeSmsgw(sink, stack);
    results.smsgw = await runChannel({
      channel: 'smsgw http',
      messages,
      sampler,
      sink,
      drive: (recorder) => driveSmsgwHttp({ messages, concurrency, recorder, offset: messages }, { base: stack.base, appId: stack.httpApp.appId, secret: stack.httpApp.secret, callbackUrl: sink.url('/smsgw') }),
    });
  } finally {
    await unwatch?.();
    await stack.stop();
  }
} finally {
  sampler.stop();
  await simulator.stop();
  await sink.stop();
}

const k = results.kannel!;
const g = results.smsgw!;
for (const r of [k, g]) {
  const s = r.summary;
  console.log(
    `${s.channel}: ${s.accepted}/${s.messages} accepted (${s.refused} refused), ${s.acceptedPerSecond} accepted/s, ${s.completedPerSecond} completed/s; ` +
      `accept p50/p99 ${s.acceptLatencyMs.p50}/${s.acceptLatencyMs.p99} ms; accept->receipt p50/p99 ${s.acceptToReceiptMs.p50}/${s.acceptToReceiptMs.p99} ms; final ${JSON.stringify(s.finalStates)}; load average ${r.loadAverage.before} -> ${r.loadAverage.after}`,
  );
  for (const [name, p] of Object.entries(r.perProcess)) {
    console.log(`    ${name.padEnd(12)} CPU ${p.cpuSecondsPer1000} s/1000 msgs (${p.cpuCores} cores), peak RSS ${p.peakRssMiB} MiB, RSS at 25/50/75/100%: ${p.rssMiBAt25_50_75_100.join('/')} MiB`);
  }
}
const ratio = {
  completedPerSecond: +(g.summary.completedPerSecond / k.summary.completedPerSecond).toFixed(2),
  acceptedPerSecond: +(g.summary.acceptedPerSecond / k.summary.acceptedPerSecond).toFixed(2),
};
console.log(`smsgw / Kannel: completed/s ${g.summary.completedPerSecond} / ${k.summary.completedPerSecond} = ${ratio.completedPerSecond}; accepted/s ${ratio.acceptedPerSecond}`);
const file = writeResult('kannel', { command: `npm run bench:kannel -- ${process.argv.slice(2).join(' ')}`.trim(), options: values, loadAverageAtEnd: loadAverage(), kannel: k, smsgw: g, ratio, samples: sampler.series() });
const svg = file.replace(/\.json$/, '.svg');
writeFileSync(svg, throughputSvg(`Kannel then smsgw over HTTP, ${messages} messages each: accepted/s (solid), completed/s (dashed)`, [k.perSecond, g.perSecond]));
console.log(`written to ${file} and ${svg}`);
