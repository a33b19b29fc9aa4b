/**
 * A raw SMPP socket for protocol-edge tests: writes any octets (malformed
 * PDUs included) and reads the server's PDUs with our codec.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { decodePdu, encodePdu, PduFramer, type OutgoingPdu, type Pdu } from '../../src/smpp/codec';

export class RawSmpp {
  readonly pdus: Pdu[] = [];
  closed = false;
  private readonly framer = new PduFramer();
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) this.pdus.push(decodePdu(frame));
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async connect(port: number, tls = false): Promise<RawSmpp> {
    const socket = tls ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawSmpp(socket);
  }

  send(pdu: OutgoingPdu): void {
    this.socket.write(encodePdu(pdu));
  }

  write(octets: Buffer): void {
    this.socket.write(octets);
  }

  /** The first PDU received that matches, waiting up to timeoutMs. */
  async next(match: (pdu: Pdu) => boolean, timeoutMs = 5_000): Promise<Pdu> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.pdus.find(match);
      if (found) return found;
      if (this.closed) throw new Error('socket closed before the PDU came');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a PDU');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server closed the connection (or rejects after timeoutMs). */
  async whenClosed(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the server did not close the socket');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}
