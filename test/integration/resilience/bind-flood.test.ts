/**
 * A bind flood and slow clients against the real SMPP server (an edge
 * gateway, api+smpp, with the production login guard: 250 ms..4 s delays,
 * lockout after 5 failures of one (address, system_id)):
 *
 * - 12 attacker addresses (127.0.0.2..13; Linux routes all of 127/8 to lo)
 *   each open 30 connections at once against a per-address limit of 20, and
 *   keep binding: mostly a victim app's system_id with wrong passwords, some
 *   with an attacker-owned app's right password (far beyond its bind limit);
 * - meanwhile a client bound before the flood keeps submitting, and a new
 *   legitimate client from another address binds and submits;
 * - every password check is the real scrypt, wrapped to count how many run
 *   at once (vi.mock of core/credentials: the server's own code path).
 *
 * Shows: the server stays responsive (bounded bind and submit times for the
 * legitimate clients), concurrent scrypt work never exceeds its limit and
 * the total is bounded by the lockout, the excess connections are cut at
 * accept, the heap comes back down, and half-sent PDUs are cut off: an
 * unbound socket at the bind timeout, a bound one at the idle timeout.
 */
import { connect, type Socket } from 'node:net';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { COMMAND_STATUS, decodePdu, encodePdu, PduFramer, type Pdu } from '../../../src/smpp/codec';
import { boundEsme, Esme } from '../../helpers/esme-client';
import { eventually, serverSessions, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

const scrypt = vi.hoisted(() => ({ running: 0, max: 0, calls: 0 }));

vi.mock('../../../src/core/credentials', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/core/credentials')>();
  return {
    ...original,
    verifyPassword: async (password: string, stored: string) => {
      scrypt.calls++;
      scrypt.running++;
      scrypt.max = Math.max(scrypt.max, scrypt.running);
      try {
        return await original.verifyPassword(password, stored);
      } finally {
        scrypt.running--;
      }
    },
  };
});

const PER_ADDRESS = 20;
const ATTACKERS = 12;
const CONNECTIONS_PER_ATTACKER = 30;
const BIND_TIMEOUT_MS = 4_000;
const IDLE_TIMEOUT_MS = 5_000;

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

let t: TestGateway;
let victim: AppCreds;
let attackerApp: AppCreds;
let legit: AppCreds;
let early: Esme;

beforeAll(async () => {
  t = await startTestGateway({
    env: { GATEWAY_ROLES: 'api,smpp' },
    smpp: { maxConnectionsPerAddress: PER_ADDRESS, bindTimeoutMs: BIND_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS },
  });
  victim = (await t.customer(1_000)).creds;
  attackerApp = (await t.customer(1_000)).creds;
  legit = (await t.customer(1_000_000)).creds;
  early = await boundEsme(t.smppPort, legit);
});

afterAll(async () => {
  early?.close();
  await t?.stop();
});

/** One raw connection from a chosen local address; `pdus` collects what the server sends. */
class Conn {
  readonly pdus: Pdu[] = [];
  closed = false;
  opened = false;
  /** PDUs received in all (pdus holds the ones not yet taken by next()). */
  received = 0;
  private readonly framer = new PduFramer();
  private waiter: (() => void) | undefined;

  constructor(
    readonly socket: Socket,
  ) {
    socket.on('connect', () => (this.opened = true));
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.framer.push(chunk)) {
          this.pdus.push(decodePdu(frame));
          this.received++;
        }
      } catch {
        /* not our concern here */
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number, localAddress: string): Conn {
    return new Conn(connect({ host: '127.0.0.1', port, localAddress }));
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Resolves with the next PDU, or undefined once the socket closed or after timeoutMs. */
  async next(timeoutMs: number): Promise<Pdu | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.pdus.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.pdus.shift();
  }

  bind(seq: number, systemId: string, password: string): void {
    if (!this.closed) this.socket.write(encodePdu({ command: 'bind_transceiver', sequenceNumber: seq, fields: { system_id: systemId, password } }));
  }
}

/** Attacker connections bound right now, and the most at any moment. */
const attackerBinds = { now: 0, max: 0 };

/** One attacker connection: binds up to `attempts` times, answers counted by status. */
async function attack(conn: Conn, systemId: string, password: (i: number) => string, attempts: number, tally: Map<number, number>): Promise<void> {
  for (let i = 0; i < attempts && !conn.closed; i++) {
    conn.bind(i + 1, systemId, password(i));
    const answer = await conn.next(15_000);
    if (!answer) return;
    tally.set(answer.commandStatus, (tally.get(answer.commandStatus) ?? 0) + 1);
    if (answer.commandStatus === COMMAND_STATUS.ESME_ROK) {
      // Bound: it stays (sending nothing) until the server's idle timeout closes it.
      attackerBinds.now++;
      attackerBinds.max = Math.max(attackerBinds.max, attackerBinds.now);
      conn.socket.once('close', () => attackerBinds.now--);
      return;
    }
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe('a bind flood', () => {
  it('is cut at the per-address limit, keeps scrypt work bounded, and legitimate clients bind and submit meanwhile', { timeout: 60_000 }, async () => {
    const heapBefore = heapMb();
    scrypt.calls = 0;
    scrypt.max = 0;
    const tally = new Map<number, number>();
    const conns: Array<{ conn: Conn; address: number; index: number }> = [];
    // Every attacker address opens its connections at once; nothing is sent yet, so within the bind
    // timeout only the per-address limit can close a socket.
    const opened = Date.now();
    for (let a = 0; a < ATTACKERS; a++) {
      for (let c = 0; c < CONNECTIONS_PER_ATTACKER; c++) conns.push({ conn: Conn.open(t.smppPort, `127.0.0.${a + 2}`), address: a, index: c });
    }
    const excess = ATTACKERS * (CONNECTIONS_PER_ATTACKER - PER_ADDRESS);
    await eventually(
      async () => (conns.every((c) => c.conn.opened || c.conn.closed) && conns.filter((c) => c.conn.closed).length >= excess ? true : undefined),
      BIND_TIMEOUT_MS - 1_000,
      'the connections beyond the per-address limit to be closed',
    );
    await new Promise((r) => setTimeout(r, 200)); // nothing more closes
    expect(Date.now() - opened).toBeLessThan(BIND_TIMEOUT_MS - 500);
    for (let a = 0; a < ATTACKERS; a++) {
      const mine = conns.filter((c) => c.address === a);
      expect(mine.filter((c) => c.conn.closed && c.conn.received === 0).length).toBe(CONNECTIONS_PER_ATTACKER - PER_ADDRESS);
      expect(mine.filter((c) => !c.conn.closed).length).toBe(PER_ADDRESS);
    }
    const cutAtAccept = conns.filter((c) => c.conn.closed).length;

    // Then the survivors keep binding: mostly the victim's system_id with wrong passwords; one in
    // five the attacker's own app with its right password (bind limit 10 in all).
    const attacks = conns
      .filter((c) => !c.conn.closed)
      .map(({ conn, address, index }) => {
        const right = index % 5 === 0;
        return attack(
          conn,
          right ? attackerApp.smppSystemId : victim.smppSystemId,
          right ? () => attackerApp.smppPassword : (i) => `w${address}${index}${i}`.slice(0, 8),
          6,
          tally,
        );
      });

    // While the flood runs: the early client keeps submitting, a new client binds and submits.
    const submits: number[] = [];
    let flooding = true;
    const early$ = (async () => {
      let i = 0;
      while (flooding) {
        const r = await timed(() => early.request('submit_sm', { destination_addr: `98912555${String(i++).padStart(4, '0')}`, short_message: Buffer.from('during flood') }));
        expect(r.value.command_status).toBe(COMMAND_STATUS.ESME_ROK);
        submits.push(r.ms);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 300)); // the flood is under way
    const freshStarted = Date.now();
    let connectMs = 0;
    let bindMs = 0;
    const fresh = await timed(async () => {
      const esme = await Esme.connect(t.smppPort);
      connectMs = Date.now() - freshStarted;
      expect(await esme.bind('transceiver', legit.smppSystemId, legit.smppPassword)).toBe(COMMAND_STATUS.ESME_ROK);
      bindMs = Date.now() - freshStarted - connectMs;
      const r = await esme.request('submit_sm', { destination_addr: '989125550999', short_message: Buffer.from('fresh bind during flood') });
      esme.close();
      return r.command_status;
    });
    const maxRunningDuringFlood = scrypt.max;

    await Promise.all(attacks);
    flooding = false;
    await early$;

    const closedByServer = conns.filter((c) => c.conn.closed).length;
    console.info(
      `bind flood: ${conns.length} connections, ${closedByServer} closed by the server (${cutAtAccept} at accept), answers ${JSON.stringify(Object.fromEntries([...tally].map(([k, v]) => [`0x${k.toString(16)}`, v])))}, ` +
        `scrypt calls ${scrypt.calls} (at most ${scrypt.max} at once), fresh client connect ${connectMs} ms + bind ${bindMs} ms + submit ${fresh.ms - connectMs - bindMs} ms, ` +
        `early client submits p100 ${Math.max(...submits)} ms over ${submits.length}`,
    );

    // The legitimate clients were served meanwhile.
    expect(fresh.value).toBe(COMMAND_STATUS.ESME_ROK);
    expect(fresh.ms).toBeLessThan(5_000);
    expect(submits.length).toBeGreaterThan(5);
    expect(Math.max(...submits)).toBeLessThan(2_000);

    // scrypt: never more than the authenticator's 2 at once; in total bounded by the lockout
    // (5 failures per address and system_id) plus the at most 4 distinct checks one address may
    // have under way when its key locks, plus the one check of the attacker's right password (shared
    // by its parallel binds, then cached). Without the per-address bound every parallel connection
    // of an address queued a database lookup and a check before the lockout could start.
    expect(maxRunningDuringFlood).toBeLessThanOrEqual(2);
    expect(scrypt.max).toBeLessThanOrEqual(2);
    expect(scrypt.calls).toBeLessThanOrEqual(ATTACKERS * (5 + 4) + 1);

    // Wrong passwords were refused (and then locked out), right ones beyond the bind limit refused.
    expect(tally.get(COMMAND_STATUS.ESME_RINVPASWD) ?? 0).toBeGreaterThan(0);
    expect(tally.get(COMMAND_STATUS.ESME_RBINDFAIL) ?? 0).toBeGreaterThan(0);
    // The attacker's own app never held more than SMPP_MAX_BINDS_PER_APP (10) binds at once (idle
    // ones are closed at the idle timeout, which frees their slots for the next).
    expect(attackerBinds.max).toBeGreaterThan(0);
    expect(attackerBinds.max).toBeLessThanOrEqual(10);
    for (const c of conns) c.conn.socket.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(heapMb() - heapBefore).toBeLessThan(32);
    // The early client is still bound and served.
    const after = await early.request('submit_sm', { destination_addr: '989125551000', short_message: Buffer.from('after flood') });
    expect(after.command_status).toBe(COMMAND_STATUS.ESME_ROK);
    expect(await serverSessions(t)).toBeGreaterThanOrEqual(1);
  });
});

describe('slow clients', () => {
  it('a connection that sends half a bind and stalls is closed at the bind timeout', async () => {
    const conn = Conn.open(t.smppPort, '127.0.0.40');
    await new Promise<void>((resolve) => conn.socket.once('connect', () => resolve()));
    const pdu = encodePdu({ command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: legit.smppSystemId, password: legit.smppPassword } });
    const started = Date.now();
    conn.socket.write(pdu.subarray(0, Math.floor(pdu.length / 2)));
    expect(await conn.next(BIND_TIMEOUT_MS + 3_000)).toBeUndefined();
    expect(conn.closed).toBe(true);
    const ms = Date.now() - started;
    expect(ms).toBeGreaterThanOrEqual(BIND_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(BIND_TIMEOUT_MS + 1_500);
  });

  it('a bound client that sends half a submit_sm and stalls is closed at the idle timeout', async () => {
    const conn = Conn.open(t.smppPort, '127.0.0.41');
    conn.bind(1, legit.smppSystemId, legit.smppPassword);
    const bound = await conn.next(5_000);
    expect(bound?.commandStatus).toBe(COMMAND_STATUS.ESME_ROK);
    const pdu = encodePdu({ command: 'submit_sm', sequenceNumber: 2, fields: { destination_addr: '989125551001', short_message: Buffer.from('never finished') } });
    const started = Date.now();
    conn.socket.write(pdu.subarray(0, 20));
    // The server may probe with enquire_link first (never answered here); then it closes.
    for (;;) {
      const next = await conn.next(IDLE_TIMEOUT_MS + 3_000);
      if (!next) break;
      expect(next.command).toBe('enquire_link');
    }
    expect(conn.closed).toBe(true);
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(IDLE_TIMEOUT_MS + 1_500);
  });
});
