/**
 * An independent ESME for tests: the npm `smpp` package's own client
 * (its Session and PDU classes, not our codec or session), promisified.
 * It answers every deliver_sm with deliver_sm_resp unless told otherwise
 * and records what it received.
 */
import { once } from 'node:events';
import smppLib from 'smpp';

/** The parts of the package's client API the tests use (the package ships no types). */
export interface SmppClientPdu {
  command: string;
  command_status: number;
  sequence_number: number;
  [field: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the package's loose PDU object
  response(options?: Record<string, unknown>): SmppClientPdu;
}

interface ClientSession {
  send(pdu: SmppClientPdu, onResponse?: (pdu: SmppClientPdu) => void): boolean;
  on(event: string, listener: (...args: any[]) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): void;
  destroy(): void;
  socket: import('node:net').Socket;
}

interface ClientLib {
  connect(options: Record<string, unknown>, listener?: () => void): ClientSession;
  PDU: new (command: string, options?: Record<string, unknown>) => SmppClientPdu;
}

const lib = smppLib as unknown as ClientLib;

export type DeliverAnswer = 'ok' | 'error' | 'silent';

export class Esme {
  readonly delivered: SmppClientPdu[] = [];
  readonly received: SmppClientPdu[] = [];
  /** What to answer the next deliver_sm with; 'ok' by default. */
  answer: (pdu: SmppClientPdu) => DeliverAnswer = () => 'ok';
  closed = false;

  private constructor(readonly session: ClientSession) {
    session.on('pdu', (pdu: SmppClientPdu) => {
      this.received.push(pdu);
      if (pdu.command === 'deliver_sm') {
        const answer = this.answer(pdu);
        if (answer === 'silent') return;
        if (answer === 'ok') this.delivered.push(pdu);
        session.send(pdu.response(answer === 'ok' ? {} : { command_status: 0x64 }));
      }
      if (pdu.command === 'enquire_link') session.send(pdu.response());
    });
    session.on('error', () => undefined);
    session.on('close', () => (this.closed = true));
  }

  static async connect(port: number, options: { tls?: boolean } = {}): Promise<Esme> {
    const session = lib.connect({ host: '127.0.0.1', port, ...(options.tls ? { tls: true, rejectUnauthorized: false } : {}) });
    await once(session as unknown as import('node:events').EventEmitter, options.tls ? 'secureConnect' : 'connect');
    return new Esme(session);
  }

  /** Sends a request and resolves with its response PDU. */
  request(command: string, fields: Record<string, unknown> = {}): Promise<SmppClientPdu> {
    return new Promise((resolve, reject) => {
      const pdu = new lib.PDU(command, fields);
      if (!this.session.send(pdu, resolve)) reject(new Error('socket not writable'));
    });
  }

  async bind(type: 'transmitter' | 'receiver' | 'transceiver', systemId: string, password: string): Promise<number> {
    const r = await this.request(`bind_${type}`, { system_id: systemId, password });
    return r.command_status;
  }

  /** Writes raw octets (malformed PDUs). */
  write(octets: Buffer): void {
    this.session.socket.write(octets);
  }

  close(): void {
    this.session.destroy();
  }
}

/** Binds a fresh client; throws unless ESME_ROK. */
export async function boundEsme(port: number, creds: { smppSystemId: string; smppPassword: string }, type: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver', options: { tls?: boolean } = {}): Promise<Esme> {
  const esme = await Esme.connect(port, options);
  const status = await esme.bind(type, creds.smppSystemId, creds.smppPassword);
  if (status !== 0) throw new Error(`bind failed with 0x${status.toString(16)}`);
  return esme;
}
