/**
 * A seeded SMPP fuzzer: random and mutated PDUs thrown at a live SMPP
 * server over as few sockets as the server allows. The same seed gives the
 * same cases, so a failure replays. Used by
 * test/integration/resilience/smpp-fuzz.test.ts (20,000 cases in CI;
 * `npm run fuzz:smpp` runs 100,000; SMPP_FUZZ_SEED / SMPP_FUZZ_CASES).
 *
 * Cases, in seeded proportions:
 * - mutated valid PDUs (bind, submit_sm, submit_multi, query_sm, ...): bytes
 *   flipped, cut short, padded, fields swapped, with command_length fixed
 *   up so the frame itself is well formed;
 * - random bodies under a known or random command_id;
 * - broken frames (command_length below 16, above the limit, or lying):
 *   these end a connection, so each is the last case on its socket.
 * unbind is left out (it ends the session by design, cutting the cases after
 * it short). Some connections bind first (with real credentials) so the mutated
 * submits reach the handlers, not only the unbound session.
 */
import { connect, type Socket } from 'node:net';
import { encodePdu, type OutgoingPdu } from '../../src/smpp/codec';

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMAND_IDS = [
  0x00000001, 0x00000002, 0x00000003, 0x00000004, 0x00000007, 0x00000008, 0x00000009, 0x0000000b, 0x00000015, 0x00000021,
  0x00000103, 0x80000000, 0x80000004, 0x80000005, 0x80000015, 0x00000005, 0x00000102,
];

export interface FuzzStats {
  cases: number;
  connections: number;
  brokenFrames: number;
  octets: number;
  /** PDUs the server sent back (responses, generic_nacks, enquire_links). */
  answers: number;
}

export class SmppFuzzer {
  private readonly random: () => number;
  private seq = 1;
  private readonly seeds: Buffer[];

  constructor(
    seed: number,
    private readonly credentials: { systemId: string; password: string },
  ) {
    this.random = prng(seed);
    const f = credentials;
    const valid: OutgoingPdu[] = [
      { command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: f.systemId, password: f.password } },
      { command: 'bind_transmitter', sequenceNumber: 1, fields: { system_id: 'nobody', password: 'x' } },
      { command: 'submit_sm', sequenceNumber: 1, fields: { destination_addr: '989121234567', short_message: Buffer.from('fuzz'), data_coding: 0 } },
      { command: 'submit_sm', sequenceNumber: 1, fields: { destination_addr: '989121234567', esm_class: 0x40, short_message: Buffer.from([5, 0, 3, 7, 2, 1, 0x41, 0x42]) } },
      { command: 'submit_sm', sequenceNumber: 1, fields: { destination_addr: '989121234567', data_coding: 8, short_message: Buffer.from('0041004200d8', 'hex') } },
      { command: 'submit_multi', sequenceNumber: 1, fields: { dest_address: [{ dest_flag: 1, destination_addr: '989121234567' }], short_message: Buffer.from('m') } } as unknown as OutgoingPdu,
      { command: 'query_sm', sequenceNumber: 1, fields: { message_id: '01a20f56-7c1b-7065-9b11-9b63ea95b7b0' } },
      { command: 'enquire_link', sequenceNumber: 1 },
      { command: 'deliver_sm_resp', sequenceNumber: 1, fields: { message_id: '' } },
    ];
    this.seeds = [];
    for (const pdu of valid) {
      try {
        this.seeds.push(encodePdu(pdu));
      } catch {
        /* a seed this codec version will not encode: skip it */
      }
    }
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  private frame(commandId: number, body: Buffer, status = 0): Buffer {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16 + body.length, 0);
    header.writeUInt32BE(commandId >>> 0, 4);
    header.writeUInt32BE(status >>> 0, 8);
    header.writeUInt32BE(this.seq++ & 0x7fffffff || 1, 12);
    return Buffer.concat([header, body]);
  }

  /** One well-framed case (the server must answer or ignore it, and keep the socket). */
  framedCase(): Buffer {
    const pick = this.random();
    if (pick < 0.55) {
      // A valid PDU, mutated in its body; the header's length is fixed up afterwards.
      const base = Buffer.from(this.seeds[this.int(this.seeds.length)]!);
      let body = base.subarray(16);
      const ops = 1 + this.int(4);
      for (let i = 0; i < ops; i++) {
        const op = this.int(5);
        if (op === 0 && body.length > 0) body[this.int(body.length)] = this.int(256);
        else if (op === 1) body = body.subarray(0, this.int(body.length + 1));
        else if (op === 2) body = Buffer.concat([body, this.bytes(this.int(64))]);
        else if (op === 3 && body.length > 0) body[this.int(body.length)] = [0, 0xff, 0x7f, 0x80][this.int(4)]!;
        else if (op === 4) {
          const at = this.int(body.length + 1);
          body = Buffer.concat([body.subarray(0, at), this.bytes(1 + this.int(8)), body.subarray(at)]);
        }
      }
      return this.frame(base.readUInt32BE(4), Buffer.from(body));
    }
    if (pick < 0.9) return this.frame(COMMAND_IDS[this.int(COMMAND_IDS.length)]!, this.bytes(this.int(300)), this.int(10) === 0 ? this.int(0x100) : 0);
    return this.frame(this.int(0x100000000), this.bytes(this.int(200)));
  }

  /** A case that breaks the framing; the server closes the connection after it. */
  brokenCase(): Buffer {
    const kind = this.int(3);
    const b = this.bytes(16 + this.int(32));
    if (kind === 0) b.writeUInt32BE(this.int(16), 0);
    else if (kind === 1) b.writeUInt32BE(0x7fffffff - this.int(1000), 0);
    else b.writeUInt32BE(70 * 1024 + this.int(1 << 20), 0);
    return b;
  }

  /** The binary of one connection: optionally a real bind, up to `max` framed cases, maybe a broken one. */
  connectionScript(max: number): { octets: Buffer; cases: number; broken: Buffer | undefined } {
    const parts: Buffer[] = [];
    if (this.random() < 0.5) {
      parts.push(encodePdu({ command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: this.credentials.systemId, password: this.credentials.password } }));
    }
    const count = 1 + this.int(max);
    for (let i = 0; i < count; i++) parts.push(this.framedCase());
    const broken = this.random() < 0.5 ? this.brokenCase() : undefined;
    return { octets: Buffer.concat(parts), cases: count + (broken ? 1 : 0), broken };
  }

  /** Runs at least `cases` cases against 127.0.0.1:port, `parallel` sockets at a time. */
  async run(port: number, cases: number, parallel = 8, perConnection = 400): Promise<FuzzStats> {
    const stats: FuzzStats = { cases: 0, connections: 0, brokenFrames: 0, octets: 0, answers: 0 };
    const lane = async () => {
      while (stats.cases < cases) {
        const script = this.connectionScript(perConnection);
        stats.cases += script.cases;
        stats.connections++;
        stats.octets += script.octets.length;
        if (script.broken) stats.brokenFrames++;
        stats.answers += await playScript(port, script.octets, script.broken);
      }
    };
    await Promise.all(Array.from({ length: parallel }, lane));
    return stats;
  }
}

/**
 * Writes the octets and waits until the server closes the socket or stays silent for
 * `quietMs`; then writes the broken frame, if any, alone (a framing error ends the session and
 * drops whatever else came in the same read), and waits for the close. Resolves with the number
 * of PDUs the server sent back. No half-close: a peer's FIN may end the session before it read
 * everything.
 */
async function playScript(port: number, octets: Buffer, broken: Buffer | undefined, quietMs = 150): Promise<number> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let answers = 0;
  let lastActivity = Date.now();
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    lastActivity = Date.now();
    // Count whole PDUs by their command_length (the server's own output is well framed).
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readUInt32BE(0)) {
      pending = pending.subarray(pending.readUInt32BE(0));
      answers++;
    }
  });
  await new Promise<void>((resolve) => {
    let brokenSent = false;
    const poll = setInterval(() => {
      if (Date.now() - lastActivity <= quietMs) return;
      if (broken && !brokenSent) {
        brokenSent = true;
        lastActivity = Date.now();
        socket.write(broken);
      } else socket.destroy();
    }, 25);
    socket.once('close', () => {
      clearInterval(poll);
      resolve();
    });
    socket.once('connect', () => {
      lastActivity = Date.now();
      socket.write(octets);
    });
  });
  return answers;
}
