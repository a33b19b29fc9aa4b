/**
 * Debian's Kannel (bearerbox + smsbox) as an independent ESME: its smsc
 * group binds to smsgw as an SMPP transceiver. Config files and logs live
 * in a temp directory; every port is a free one on 127.0.0.1; stop() ends
 * both processes (by pid) and removes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BEARERBOX = '/usr/sbin/bearerbox';
export const SMSBOX = '/usr/sbin/smsbox';

export function kannelInstalled(): boolean {
  return existsSync(BEARERBOX) && existsSync(SMSBOX);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Kannel {
  readonly sendsmsPort: number;
  readonly dir: string;
  /** The bearerbox log, for assertions and failure messages. */
  log(): string;
  /** bearerbox and smsbox process ids (for CPU and memory figures). */
  pids(): { readonly bearerbox?: number; readonly smsbox?: number };
  stop(): Promise<void>;
}

/** The SMSC Kannel's smsc-smpp group binds to (a transceiver). */
export interface KannelSmsc {
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
}

/**
 * Tuning of the generated configuration. The defaults are the interop
 * test's (full debug logs, 10 pending submits); the benchmark raises
 * max-pending-submits and lowers the log level.
 */
export interface KannelTuning {
  /** smsc group max-pending-submits (default 10). */
  readonly maxPendingSubmits?: number;
  /** Kannel log level for both boxes, 0 (debug) .. 4 (panic) (default 0). */
  readonly logLevel?: number;
  readonly smscId?: string;
}

export interface KannelPorts {
  readonly adminPort: number;
  readonly boxPort: number;
  readonly sendsmsPort: number;
}

/** One kannel.conf (core, one smsc-smpp, smsbox, sendsms-user tester / tester-pw) with logs under dir. */
export function kannelConfig(dir: string, ports: KannelPorts, smsc: KannelSmsc, tuning: KannelTuning = {}): string {
  const logLevel = tuning.logLevel ?? 0;
  return `
group = core
admin-port = ${ports.adminPort}
admin-interface = 127.0.0.1
admin-password = kannel-admin
smsbox-port = ${ports.boxPort}
box-allow-ip = 127.0.0.1
log-file = "${dir}/bearerbox.log"
log-level = ${logLevel}
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = ${tuning.smscId ?? 'smsgw'}
host = 127.0.0.1
port = ${smsc.port}
transceiver-mode = true
smsc-username = "${smsc.systemId}"
smsc-password = "${smsc.password}"
system-type = ""
enquire-link-interval = 30
reconnect-delay = 1
max-pending-submits = ${tuning.maxPendingSubmits ?? 10}

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${ports.boxPort}
sendsms-port = ${ports.sendsmsPort}
sendsms-interface = 127.0.0.1
log-file = "${dir}/smsbox.log"
log-level = ${logLevel}

group = sendsms-user
username = tester
password = tester-pw

group = sms-service
keyword = default
text = "no service"
`;
}

export async function startKannel(smsc: KannelSmsc, tuning: KannelTuning = {}): Promise<Kannel> {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-kannel-'));
  const [adminPort, boxPort, sendsmsPort] = [await freePort(), await freePort(), await freePort()];
  const conf = kannelConfig(dir, { adminPort, boxPort, sendsmsPort }, smsc, tuning);
  const file = join(dir, 'kannel.conf');
  writeFileSync(file, conf);
  const children: ChildProcess[] = [];
  const run = (bin: string) => {
    const child = spawn(bin, [file], { stdio: ['ignore', 'ignore', 'ignore'] });
    children.push(child);
    return child;
  };
  const bearerbox = run(BEARERBOX);
  // smsbox connects to bearerbox; give bearerbox its port first.
  await waitForPort(boxPort, 15_000);
  const smsbox = run(SMSBOX);
  await waitForPort(sendsmsPort, 15_000);
  return {
    sendsmsPort,
    dir,
    log: () => (existsSync(join(dir, 'bearerbox.log')) ? readFileSync(join(dir, 'bearerbox.log'), 'utf8') : ''),
    pids: () => ({ bearerbox: bearerbox.pid, smsbox: smsbox.pid }),
    async stop() {
      for (const child of children.reverse()) {
        if (child.exitCode !== null || child.pid === undefined) continue;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(500, () => socket.destroy());
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

