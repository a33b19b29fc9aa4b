import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CarrierPool, type CarrierPoolOptions } from '../../../src/carriers/carrier-pool';
import type { CarrierConfig, DeliverHandler, InboundDeliver, OutboundPart } from '../../../src/carriers/types';
import { parseReceiptText } from '../../../src/core/receipt';
import { encodeGsm7Unpacked } from '../../../src/core/text';
import { SmscSimulator, type SmscSimulatorOptions } from '../../../src/simulator';
import { waitFor } from '../../helpers/wait';

const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


interface Harness {
  sim: SmscSimulator;
  pool: CarrierPool;
  delivered: InboundDeliver[];
  config: CarrierConfig;
}

async function harness(
  opts: { sim?: SmscSimulatorOptions; carrier?: Partial<CarrierConfig>; pool?: Partial<CarrierPoolOptions>; onDeliver?: DeliverHandler } = {},
): Promise<Harness> {
  const sim = new SmscSimulator({ dlrDelayMs: 20, receiptRetryDelayMs: 50, ...opts.sim });
  const { port } = await sim.start();
  cleanups.push(() => sim.stop());
  const delivered: InboundDeliver[] = [];
  const pool = new CarrierPool({
    logger,
    responseTimeoutMs: 1_000,
    reconnectInitialMs: 20,
    reconnectMaxMs: 100,
    onDeliver:
      opts.onDeliver ??
      (async (d) => {
        delivered.push(d);
      }),
    ...opts.pool,
  });
  cleanups.push(() => pool.close());
  const config: CarrierConfig = {
    id: 'c1',
    name: 'sim',
    host: '127.0.0.1',
    port,
    systemId: 'acme',
    password: 'secret',
    systemType: '',
    binds: 1,
    window: 10,
    maxTps: null,
    enabled: true,
    ...opts.carrier,
  };
  await pool.upsert(config);
  await waitFor(() => pool.liveState('c1')?.boundSessions === config.binds);
  return { sim, pool, delivered, config };
}

/** A GSM part with a concat UDH: "[Hi" as unpacked septets (1b3c is the escape for '['). */
function part(to = '989121234567', overrides: Partial<OutboundPart> = {}): OutboundPart {
  return {
    sourceAddr: 'ACME',
    sourceAddrTon: 5,
    sourceAddrNpi: 0,
    destinationAddr: to,
    dataCoding: 0,
    esmClass: 0x40,
    shortMessage: Buffer.concat([Buffer.from([5, 0, 3, 0x2a, 2, 1]), encodeGsm7Unpacked('[Hi_')]),
    registeredDelivery: 1,
    ...overrides,
  };
}

describe('carrier pool against the simulator', () => {
  it('binds, submits the exact octets, and gets the receipt with the matching receipted_message_id', async () => {
    const h = await harness();
    const outcome = await h.pool.submit('c1', part());
    expect(outcome.kind).toBe('accepted');
    const id = outcome.kind === 'accepted' ? outcome.carrierMessageId : '';
    const [got] = h.sim.received;
    expect(got).toMatchObject({ systemId: 'acme', dataCoding: 0, esmClass: 0x40, destAddrTon: 1, destAddrNpi: 1, udh: { ref: 0x2a, total: 2, seq: 1 } });
    expect(got?.shortMessage.toString('hex')).toBe('0500032a02011b3c486911');
    const receipt = await waitFor(() => h.delivered.find((d) => d.receiptedMessageId === id));
    expect(receipt).toMatchObject({ carrierId: 'c1', esmClass: 0x04, messageState: 2, sourceAddr: '989121234567', destinationAddr: 'ACME' });
    expect(parseReceiptText(receipt.shortMessage.toString('latin1'))).toMatchObject({ id, statWord: 'DELIVRD', err: '000' });
  });

  it('reports UNDELIV when a rule or the failRatio says so', async () => {
    const h = await harness({ sim: { rules: [{ prefix: '98912', stat: 'UNDELIV', err: '034' }] } });
    const ruled = await h.pool.submit('c1', part('989121234567'));
    const id = ruled.kind === 'accepted' ? ruled.carrierMessageId : '';
    const receipt = await waitFor(() => h.delivered.find((d) => d.receiptedMessageId === id));
    expect(receipt.messageState).toBe(5);
    expect(parseReceiptText(receipt.shortMessage.toString('latin1'))).toMatchObject({ statWord: 'UNDELIV', err: '034' });
    expect(receipt.networkErrorCode?.toString('hex')).toBe('030022');

    const all = await harness({ sim: { failRatio: 1 } });
    const failed = await all.pool.submit('c1', part('4915112345678'));
    const failedId = failed.kind === 'accepted' ? failed.carrierMessageId : '';
    expect((await waitFor(() => all.delivered.find((d) => d.receiptedMessageId === failedId))).messageState).toBe(5);
  });

  it('maps throttle to rejected 0x58, reject to its status, and silent to timeout', async () => {
    const h = await harness({ pool: { responseTimeoutMs: 150 } });
    h.sim.setBehaviour('throttle');
    expect(await h.pool.submit('c1', part())).toEqual({ kind: 'rejected', commandStatus: 0x58 });
    h.sim.setBehaviour({ kind: 'reject', commandStatus: 0x0b });
    expect(await h.pool.submit('c1', part())).toEqual({ kind: 'rejected', commandStatus: 0x0b });
    h.sim.setBehaviour('silent');
    expect(await h.pool.submit('c1', part())).toEqual({ kind: 'timeout' });
    expect(h.sim.stats.submitsUnanswered).toBe(1);
  });

  it('reconnects by itself after the simulator was down, and submits succeed again', async () => {
    const h = await harness();
    h.sim.setBehaviour('down');
    await waitFor(() => h.pool.liveState('c1')?.boundSessions === 0);
    expect((await h.pool.submit('c1', part())).kind).toBe('unavailable');
    h.sim.setBehaviour('normal');
    await waitFor(() => h.pool.liveState('c1')?.boundSessions === 1);
    expect((await h.pool.submit('c1', part())).kind).toBe('accepted');
  });

  it('never has more than `window` submits outstanding at the simulator', async () => {
    const h = await harness({ sim: { submitResponseDelayMs: 30 }, carrier: { window: 3 } });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => h.pool.submit('c1', part())));
    expect(outcomes.every((o) => o.kind === 'accepted')).toBe(true);
    expect(h.sim.peakOutstandingSubmits).toBe(3);
  });

  it('answers deliver_sm only after the handler resolves, and ESME_RX_T_APPN when it rejects', async () => {
    const settle: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
    const h = await harness({
      onDeliver: () => new Promise<void>((resolve, reject) => settle.push({ resolve, reject })),
    });
    const responses: number[] = [];
    h.sim.on('receiptResponse', (r) => responses.push(r.commandStatus));
    await h.pool.submit('c1', part());
    await waitFor(() => settle.length === 1);
    // A full round trip on the same socket: an early deliver_sm_resp would have arrived by now.
    expect((await h.pool.submit('c1', part('111'))).kind).toBe('accepted');
    expect(responses).toEqual([]);
    settle[0]?.reject(new Error('database down'));
    await waitFor(() => responses.length === 1);
    expect(responses).toEqual([0x64]);
    await waitFor(() => settle.length >= 3); // the simulator retried the first receipt; the second submit's receipt came too
    for (const s of settle.slice(1)) s.resolve();
    await waitFor(() => responses.filter((r) => r === 0).length === 2);
  });

  it('spreads submits over both binds', async () => {
    const h = await harness({ sim: { submitResponseDelayMs: 20 }, carrier: { binds: 2, window: 2 } });
    expect(h.pool.liveState('c1')).toMatchObject({ boundSessions: 2, configuredBinds: 2 });
    await Promise.all(Array.from({ length: 12 }, () => h.pool.submit('c1', part())));
    expect(new Set(h.sim.received.map((s) => s.bindId)).size).toBe(2);
    expect(h.sim.peakOutstandingSubmits).toBeLessThanOrEqual(4);
  });

  it('caps submits per second with maxTps', async () => {
    const h = await harness({ carrier: { maxTps: 50 }, pool: { maxTpsWaitMs: 2_000 } });
    const started = Date.now();
    await Promise.all(Array.from({ length: 25 }, () => h.pool.submit('c1', part())));
    // burst of 5 then 50/s: the 25th token comes after ~400 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('hands MO messages to onDeliver with their raw octets', async () => {
    const h = await harness();
    expect(await h.sim.sendMo({ from: '989121234567', to: '3000', text: 'Hello @' })).toBe(0);
    const mo = await waitFor(() => h.delivered.find((d) => d.esmClass === 0));
    expect(mo).toMatchObject({ sourceAddr: '989121234567', destinationAddr: '3000', dataCoding: 0 });
    expect(mo.shortMessage.equals(encodeGsm7Unpacked('Hello @'))).toBe(true);
  });

  it('does not bind with a wrong password, and re-binds when the credentials are fixed', async () => {
    const sim = new SmscSimulator({ systemId: 'acme', password: 'right' });
    const { port } = await sim.start();
    cleanups.push(() => sim.stop());
    const pool = new CarrierPool({ logger, onDeliver: async () => undefined, reconnectInitialMs: 20, reconnectMaxMs: 50 });
    cleanups.push(() => pool.close());
    const config: CarrierConfig = { id: 'c2', name: 'sim', host: '127.0.0.1', port, systemId: 'acme', password: 'wrong', systemType: '', binds: 1, window: 10, maxTps: null, enabled: true };
    await pool.upsert(config);
    await waitFor(() => sim.stats.bindsRefused >= 2); // refused, and tried again after a backoff
    expect(sim.stats.binds).toBe(0);
    expect(await pool.submit('c2', part())).toMatchObject({ kind: 'unavailable' });
    await pool.upsert({ ...config, password: 'right' });
    await waitFor(() => pool.liveState('c2')?.boundSessions === 1);
    expect((await pool.submit('c2', part())).kind).toBe('accepted');
  });
});
