import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseReceiptText } from '../../../src/core/receipt';
import type { Pdu } from '../../../src/smpp/codec';
import { SmppBindError, SmppSession, type BindType, type RequestAnswer } from '../../../src/smpp/session';
import { SmscSimulator, type SmscSimulatorOptions } from '../../../src/simulator';
import { waitFor } from '../../helpers/wait';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


async function simulator(options: SmscSimulatorOptions = {}): Promise<{ sim: SmscSimulator; port: number }> {
  const sim = new SmscSimulator({ dlrDelayMs: 10, ...options });
  const { port } = await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, port };
}

async function client(port: number, bindType: BindType, systemId = 'acme', password = 'pw'): Promise<{ session: SmppSession; inbound: Pdu[] }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const inbound: Pdu[] = [];
  const session = new SmppSession(socket, {
    onRequest: (pdu): RequestAnswer => {
      inbound.push(pdu);
      return { fields: { message_id: '' } };
    },
  });
  cleanups.push(() => session.close());
  await session.bind(bindType, { system_id: systemId, password });
  return { session, inbound };
}

const SUBMIT = { destination_addr: '989121234567', short_message: Buffer.from('Hello'), registered_delivery: 1 } as const;

describe('SmscSimulator', () => {
  it('refuses a wrong system_id with ESME_RINVSYSID and a wrong password with ESME_RINVPASWD', async () => {
    const { port } = await simulator({ systemId: 'acme', password: 'right' });
    await expect(client(port, 'transceiver', 'other', 'right')).rejects.toMatchObject({ commandStatus: 0x0f });
    const error = await client(port, 'transceiver', 'acme', 'wrong').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmppBindError);
    expect((error as SmppBindError).commandStatus).toBe(0x0e);
    await client(port, 'transceiver', 'acme', 'right');
  });

  it('hands out decimal ids when asked, and records the submit', async () => {
    const { sim, port } = await simulator({ idStyle: 'decimal' });
    const { session } = await client(port, 'transmitter');
    const resp = await session.request('submit_sm', SUBMIT);
    expect(resp.command === 'submit_sm_resp' && resp.fields.message_id).toMatch(/^\d+$/);
    expect(sim.received[0]).toMatchObject({ systemId: 'acme', destinationAddr: '989121234567', registeredDelivery: 1, commandStatus: 0 });
  });

  it('keeps receipts for a transmitter-only system until a receiver of the same system_id binds', async () => {
    const { sim, port } = await simulator();
    const tx = await client(port, 'transmitter');
    const resp = await tx.session.request('submit_sm', SUBMIT);
    const id = resp.command === 'submit_sm_resp' ? resp.fields.message_id : '';
    await waitFor(() => sim.pendingReceipts === 1);
    const other = await client(port, 'receiver', 'someone-else');
    const rx = await client(port, 'receiver');
    const receipt = await waitFor(() => rx.inbound.find((p) => p.command === 'deliver_sm'));
    if (receipt.command !== 'deliver_sm') throw new Error('expected deliver_sm');
    expect(receipt.fields).toMatchObject({ esm_class: 4, receipted_message_id: id, message_state: 2 });
    expect(parseReceiptText(receipt.fields.short_message.toString('latin1'))).toMatchObject({ id, statWord: 'DELIVRD', text: 'Hello' });
    expect(other.inbound).toEqual([]);
    expect(tx.inbound).toEqual([]);
  });

  it('sends no receipt when registered_delivery is 0, and only failures for 2', async () => {
    const { sim, port } = await simulator({ rules: [{ prefix: '44', stat: 'REJECTD' }] });
    const { session, inbound } = await client(port, 'transceiver');
    await session.request('submit_sm', { ...SUBMIT, registered_delivery: 0 });
    await session.request('submit_sm', { ...SUBMIT, registered_delivery: 2 });
    await session.request('submit_sm', { ...SUBMIT, destination_addr: '447700900000', registered_delivery: 2 });
    const receipt = await waitFor(() => inbound.find((p) => p.command === 'deliver_sm'));
    expect(receipt.fields).toMatchObject({ message_state: 8 });
    // Nothing else scheduled: once the simulator has no receipt left (its deliver_sm_resp may
    // still be on the way when ours arrives), exactly one was sent.
    await waitFor(() => sim.pendingReceipts === 0);
    expect(inbound).toHaveLength(1);
  });

  it('fails the same messages for the same seed and failRatio', async () => {
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const { port } = await simulator({ failRatio: 0.5, seed: 7 });
      const { session, inbound } = await client(port, 'transceiver');
      for (let i = 0; i < 20; i++) await session.request('submit_sm', { ...SUBMIT, destination_addr: `98912${i}` });
      await waitFor(() => inbound.length === 20);
      runs.push(inbound.map((p) => (p.command === 'deliver_sm' ? `${p.fields.source_addr}:${p.fields.message_state}` : '')).sort());
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]?.some((r) => r.endsWith(':5'))).toBe(true);
    expect(runs[0]?.some((r) => r.endsWith(':2'))).toBe(true);
  });

  it('resends a receipt the client refused', async () => {
    const { sim, port } = await simulator({ receiptRetryDelayMs: 20 });
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let refusals = 1;
    const session = new SmppSession(socket, {
      onRequest: (): RequestAnswer => (refusals-- > 0 ? { commandStatus: 0x64 } : { fields: { message_id: '' } }),
    });
    cleanups.push(() => session.close());
    await session.bind('transceiver', { system_id: 'acme' });
    await session.request('submit_sm', SUBMIT);
    await waitFor(() => sim.stats.receiptsAcked === 1);
    expect(sim.stats).toMatchObject({ receiptsSent: 2, receiptsRetried: 1 });
  });

  it('delivers an MO message as deliver_sm with esm_class 0, UCS-2 when the text is not GSM', async () => {
    const { sim, port } = await simulator();
    const { inbound } = await client(port, 'receiver');
    expect(await sim.sendMo({ from: '989121234567', to: '3000', text: 'سلام' })).toBe(0);
    const mo = inbound[0];
    if (mo?.command !== 'deliver_sm') throw new Error('expected deliver_sm');
    expect(mo.fields).toMatchObject({ esm_class: 0, data_coding: 8, source_addr: '989121234567', destination_addr: '3000' });
    expect(mo.fields.short_message.toString('hex')).toBe('0633064406270645') // U+0633 U+0644 U+0627 U+0645, UTF-16BE;
  });

  it('refuses a bind over maxBindsPerSystemId with ESME_RBINDFAIL, per system_id, and takes one again once a bind closes', async () => {
    const { sim, port } = await simulator({ maxBindsPerSystemId: 2 });
    const first = await client(port, 'transceiver');
    await client(port, 'transmitter');
    await expect(client(port, 'receiver')).rejects.toMatchObject({ commandStatus: 0x0d });
    await client(port, 'transceiver', 'someone-else');
    expect(sim.stats.bindsRefused).toBe(1);
    first.session.close();
    await waitFor(() => sim.boundSessions === 2);
    await client(port, 'receiver');
    expect(sim.peakBinds).toBe(2);
  });

  it('as a process, prints the arrival of each submit_sm to a watched prefix (--print-submits-to)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/cli.ts', '--port', '0', '--print-submits-to', '4477'], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => void child.kill('SIGTERM'));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => /listening on port \d+/.test(out), 20_000);
    const port = Number(/listening on port (\d+)/.exec(out)![1]);
    const { session } = await client(port, 'transmitter');
    const before = Date.now();
    await session.request('submit_sm', { ...SUBMIT, destination_addr: '447700900123' });
    await session.request('submit_sm', { ...SUBMIT, destination_addr: '989121234567' });
    await waitFor(() => out.includes('submit 447700900123 '));
    const lines = out.split('\n').filter((l) => l.startsWith('submit '));
    expect(lines).toHaveLength(1);
    const at = Number(lines[0]!.split(' ')[2]);
    expect(at).toBeGreaterThanOrEqual(before - 5);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});
