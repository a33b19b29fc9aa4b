/**
 * A minimal keep-alive HTTP client for the load drivers: node:http with one
 * agent (at most `sockets` connections), cheaper per request than fetch, so
 * the bench process takes less of the 2 cores it shares with the gateway.
 */
import { Agent, request } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export class KeepAliveClient {
  private readonly agent: Agent;

  constructor(sockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  send(method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, body?: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method, agent: this.agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs job(0..total-1) with at most `concurrency` in flight (a closed loop: a client sends its next as soon as the previous is answered). */
export async function closedLoop(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await job(next++);
    }),
  );
}

/**
 * Runs job(i) at start + i / ratePerSecond on a fixed schedule (an open loop:
 * a slow answer does not delay the next submission, so latencies include
 * any queueing behind it, with no coordinated omission). Resolves when every
 * job has finished.
 */
export async function openLoop(total: number, ratePerSecond: number, job: (i: number) => Promise<void>): Promise<void> {
  const started = performance.now();
  const running: Array<Promise<void>> = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * ratePerSecond) + 1);
    for (; sent < due; sent++) running.push(job(sent));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(running);
}

/** Closed loop with `concurrency` clients, or an open loop at `rate`/s when rate is set. */
export function load(total: number, concurrency: number, rate: number | undefined, job: (i: number) => Promise<void>): Promise<void> {
  return rate ? openLoop(total, rate, job) : closedLoop(total, concurrency, job);
}

/** A destination number per message index (E.164 digits, distinct up to 10 million). */
export function benchNumber(i: number): string {
  return `98912${String(i % 10_000_000).padStart(7, '0')}`;
}
