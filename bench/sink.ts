/**
 * The local HTTP sink for receipts that come back over HTTP: smsgw's signed
 * status callbacks (POST /smsgw, JSON {id, status, ...}) and Kannel's
 * dlr-url calls (GET /kannel?k=<key>&type=<%d>). It answers 200 at once
 * (keep-alive) and hands each receipt to the listener of the running channel.
 * The signature is not checked: the bench measures the gateway, and the
 * callback tests check signatures.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Kannel DLR types (dlr-mask bits) that are final: 1 delivered, 2 undelivered, 16 SMSC reject. */
export const KANNEL_FINAL_DLR_MASK = 1 | 2 | 16;
const KANNEL_DLR_NAMES: Record<string, string> = { '1': 'delivered', '2': 'undelivered', '16': 'rejected' };

export type ReceiptListener = (key: string, state: string) => void;

export class ReceiptSink {
  private server: Server | undefined;
  private listener: ReceiptListener = () => {};
  port = 0;

  onReceipt(listener: ReceiptListener): void {
    this.listener = listener;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (req.method === 'GET' && url.startsWith('/kannel')) {
        const q = new URL(url, 'http://sink').searchParams;
        const type = q.get('type') ?? '';
        res.end('ok');
        const state = KANNEL_DLR_NAMES[type];
        if (state) this.listener(q.get('k') ?? '', state);
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.end();
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { id?: string; status?: string };
          if (body.id && body.status) this.listener(body.id, body.status);
        } catch {
          // not a callback body: ignore
        }
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
