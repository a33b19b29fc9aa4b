/**
 * Runs the SMSC simulator as a process:
 *   node --import tsx src/simulator/cli.ts --port 2776 --dlr-delay-ms 100 --fail-ratio 0.1
 * Prints the port, then a stats line every 5 s; stops on SIGINT / SIGTERM.
 * A bad argument is a clear error and exit code 2.
 */
import { parseArgs } from 'node:util';
import { SmscSimulator } from './smsc-simulator';
import type { SmscSimulatorOptions } from './simulator-types';

const USAGE = `usage: simulator [--host 127.0.0.1] [--port 0] [--dlr-delay-ms 100] [--fail-ratio 0]
                 [--submit-delay-ms 0] [--id-style hex|decimal] [--seed 1]
                 [--system-id ID --password PW] [--behaviour normal|throttle|silent|down]
                 [--inbound-window 100] [--deliver-window 100] [--stats-interval-s 5]
                 [--print-submits-to PREFIX]
  --submit-delay-ms   wait before each submit_sm_resp (a real SMSC answers in 10-50 ms)
  --dlr-delay-ms      wait between submit_sm_resp and the receipt (deliver_sm)
  --inbound-window    submit_sm a bind may have unanswered before we stop reading it
                      (raise it to at least the ESME's window, e.g. Kannel's max-pending-submits)
  --deliver-window    receipts (deliver_sm) outstanding per bind
  --print-submits-to  print "submit <destination> <epoch ms>" for each submit_sm to a
                      destination starting with PREFIX (benchmarks time the arrival)`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function numberArg(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number ${min}..${max}, got "${value}"`);
  return n;
}

interface CliOptions {
  readonly simulator: SmscSimulatorOptions;
  readonly statsIntervalMs: number;
  readonly printSubmitsTo: string | undefined;
}

function parseOptions(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'dlr-delay-ms': { type: 'string' },
        'fail-ratio': { type: 'string' },
        'submit-delay-ms': { type: 'string' },
        'id-style': { type: 'string' },
        seed: { type: 'string' },
        'system-id': { type: 'string' },
        password: { type: 'string' },
        behaviour: { type: 'string' },
        'inbound-window': { type: 'string' },
        'deliver-window': { type: 'string' },
        'stats-interval-s': { type: 'string' },
        'print-submits-to': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const idStyle = values['id-style'];
  if (idStyle !== undefined && idStyle !== 'hex' && idStyle !== 'decimal') fail('--id-style must be hex or decimal');
  const behaviour = values.behaviour;
  if (behaviour !== undefined && !['normal', 'throttle', 'silent', 'down'].includes(behaviour)) fail('--behaviour must be normal, throttle, silent or down');
  if ((values['system-id'] === undefined) !== (values.password === undefined)) fail('--system-id and --password go together');
  const options: Record<string, unknown> = {
    // Nobody reads the records of a stand-alone simulator; keeping none keeps it fast.
    maxRecordedSubmits: 0,
    host: values.host,
    port: numberArg('port', values.port, 0, 65535),
    dlrDelayMs: numberArg('dlr-delay-ms', values['dlr-delay-ms'], 0, 86_400_000),
    failRatio: numberArg('fail-ratio', values['fail-ratio'], 0, 1),
    submitResponseDelayMs: numberArg('submit-delay-ms', values['submit-delay-ms'], 0, 600_000),
    seed: numberArg('seed', values.seed, 0, 2 ** 32 - 1),
    idStyle,
    systemId: values['system-id'],
    password: values.password,
    behaviour: behaviour ? { kind: behaviour } : undefined,
    deliverWindowSize: numberArg('deliver-window', values['deliver-window'], 1, 100_000),
  };
  const inboundWindowSize = numberArg('inbound-window', values['inbound-window'], 1, 100_000);
  if (inboundWindowSize !== undefined) options.session = { inboundWindowSize };
  const statsIntervalS = numberArg('stats-interval-s', values['stats-interval-s'], 1, 3600) ?? 5;
  return {
    simulator: Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SmscSimulatorOptions,
    statsIntervalMs: statsIntervalS * 1000,
    printSubmitsTo: values['print-submits-to'],
  };
}

async function main(): Promise<void> {
  const cli = parseOptions(process.argv.slice(2));
  const simulator = new SmscSimulator(cli.simulator);
  const { port } = await simulator.start();
  process.stdout.write(`smsc simulator listening on port ${port}\n`);
  const prefix = cli.printSubmitsTo;
  if (prefix !== undefined) {
    simulator.on('submit', (s) => {
      if (s.destinationAddr.startsWith(prefix)) process.stdout.write(`submit ${s.destinationAddr} ${s.receivedAt}\n`);
    });
  }
  let last = { ...simulator.stats };
  const timer = setInterval(() => {
    const s = simulator.stats;
    const rate = (s.submits - last.submits) / (cli.statsIntervalMs / 1000);
    process.stdout.write(
      `binds=${simulator.boundSessions} submits=${s.submits} (${rate.toFixed(0)}/s) accepted=${s.submitsAccepted} refused=${s.submitsRefused} ` +
        `unanswered=${s.submitsUnanswered} receipts sent=${s.receiptsSent} acked=${s.receiptsAcked} pending=${simulator.pendingReceipts} ` +
        `retried=${s.receiptsRetried} dropped=${s.receiptsDropped} mo=${s.moSent}\n`,
    );
    last = { ...s };
  }, cli.statsIntervalMs);
  const shutdown = (): void => {
    clearInterval(timer);
    void simulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(1);
});
