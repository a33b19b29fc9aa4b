/**
 * Hostile SMPP input against the real SMPP server (an edge gateway,
 * api+smpp): a seeded fuzzer (test/helpers/smpp-fuzz.ts) sends random and
 * mutated PDUs; the process stays up, a valid client binds and submits
 * right after, and the heap comes back to where it was. Connection floods
 * from one address are cut at the per-address limit, and a client that
 * connects and never binds is closed at the bind timeout.
 *
 * CI runs 20,000 cases (a few seconds); `npm run fuzz:smpp` runs 100,000
 * (about 12 s alone). SMPP_FUZZ_SEED=<n> replays another seed and
 * SMPP_FUZZ_CASES=<n> changes the count.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { boundEsme } from '../../helpers/esme-client';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { SmppFuzzer } from '../../helpers/smpp-fuzz';

const SEED = Number(process.env.SMPP_FUZZ_SEED ?? 6);
const CASES = Number(process.env.SMPP_FUZZ_CASES ?? 20_000);
const PER_ADDRESS = 20;

let t: TestGateway;
let target: AppCreds;
let bystander: AppCreds;

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

beforeAll(async () => {
  t = await startTestGateway({
    env: { GATEWAY_ROLES: 'api,smpp' },
    // Failed binds answer after 1 ms instead of 250 ms..4 s, so the fuzzer gets past its mutated binds
    // (the lockout itself stays on).
    smpp: { maxConnectionsPerAddress: PER_ADDRESS, bindTimeoutMs: 500, loginGuard: { baseDelayMs: 1, maxDelayMs: 1 } },
  });
  target = (await t.customer(0)).creds; // no balance: a fuzzed submit that parses is refused, not stored
  bystander = (await t.customer(1_000)).creds;
});

afterAll(async () => {
  await t?.stop();
});

describe('the SMPP server under hostile input', () => {
  it(`survives ${CASES.toLocaleString('en')} seeded random and mutated PDUs, answers the next valid client, and keeps its heap bounded`, { timeout: 120_000 }, async () => {
    const before = heapMb();
    const fuzzer = new SmppFuzzer(SEED, { systemId: target.smppSystemId, password: target.smppPassword });
    const started = Date.now();
    const stats = await fuzzer.run(t.smppPort, CASES, Math.min(8, PER_ADDRESS - 2));
    console.info(`smpp-fuzz seed=${SEED} cases=${stats.cases} connections=${stats.connections} brokenFrames=${stats.brokenFrames} answers=${stats.answers} octets=${stats.octets} in ${Date.now() - started} ms`);
    expect(stats.cases).toBeGreaterThanOrEqual(CASES);

    // The next valid client: each attempt bounded (a socket over the per-address limit is closed
    // unanswered while the server is still closing fuzz sessions).
    const afterStorm = Date.now();
    const status = await eventually(async () => {
      const esme = await within(boundEsme(t.smppPort, bystander), 2_000);
      if (!esme) return undefined;
      const r = await within(esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('after the storm') }), 2_000);
      esme.close();
      return r?.command_status;
    }, 30_000, 'a valid client to bind and submit');
    expect(status).toBe(COMMAND_STATUS.ESME_ROK);
    console.info(`smpp-fuzz next valid client served after ${Date.now() - afterStorm} ms`);
    // Every fuzz connection is closed (none left holding a per-address slot): the limit admits a full set again.
    await eventually(async () => ((await openSockets(PER_ADDRESS + 1)).accepted === PER_ADDRESS ? true : undefined), 10_000, 'every fuzz connection to be gone');

    const after = heapMb();
    console.info(`smpp-fuzz heap before=${before.toFixed(1)} MB after=${after.toFixed(1)} MB`);
    expect(after - before).toBeLessThan(32);
  });

  it('closes connections beyond the per-address limit at once, and an unbound socket at the bind timeout', async () => {
    // Earlier sockets may still be closing: retry until a clean set shows the limit.
    const { accepted, sockets } = await eventually(async () => {
      const opened = await openSockets(PER_ADDRESS + 5, false);
      if (opened.accepted === PER_ADDRESS) return opened;
      for (const s of opened.sockets) s.destroy();
      return undefined;
    }, 10_000, 'exactly the per-address limit of connections to be kept');
    expect(accepted).toBe(PER_ADDRESS);
    // The ones the server kept are unbound: they are closed at the bind timeout (500 ms here).
    await eventually(async () => (sockets.every((s) => s.destroyed || s.closed) ? true : undefined), 5_000, 'the unbound sockets to be closed');
    const esme = await eventually(async () => within(boundEsme(t.smppPort, bystander), 2_000), 10_000, 'a valid client to bind');
    expect((await within(esme.request('enquire_link'), 2_000))?.command_status).toBe(COMMAND_STATUS.ESME_ROK);
    esme.close();
  });
});

/** The promise's value, or undefined when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise.catch(() => undefined), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);
}

/**
 * Opens `count` sockets from 127.0.0.1 and tells how many the server kept
 * open (a refused one is closed at once). Closes them when `close`.
 */
async function openSockets(count: number, close = true): Promise<{ accepted: number; sockets: Socket[] }> {
  const sockets = await Promise.all(
    Array.from({ length: count }, async () => {
      const socket = connect(t.smppPort, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        socket.once('connect', () => resolve());
        socket.once('close', () => resolve());
      });
      return socket;
    }),
  );
  // A refused socket is destroyed by the server right after accept; give the FINs a moment to land.
  await eventually(async () => {
    const closedNow = sockets.filter((s) => s.closed || s.destroyed || s.readableEnded).length;
    return closedNow >= count - PER_ADDRESS ? true : undefined;
  }, 2_000, 'the refused sockets to close').catch(() => undefined);
  const accepted = sockets.filter((s) => !(s.closed || s.destroyed || s.readableEnded)).length;
  if (close) for (const s of sockets) s.destroy();
  return { accepted, sockets };
}
