/**
 * Reads the ESME outbox (esme-outbox.ts) for the apps that have a receiver
 * or transceiver bind in this process, and sends each notice as deliver_sm
 * to one of the app's binds (round-robin). An entry is acknowledged in the
 * stream (XACK + XDEL) only after an ESME_ROK deliver_sm_resp. No answer,
 * an error status or a closed bind leaves it pending: it is claimed again
 * after `retryAfterMs` (XAUTOCLAIM), here or by any other process that holds
 * a bind of the app, until its validUntil passes (then it is dropped and
 * counted). Reads on a connection of its own: XREADGROUP blocks it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../log';
import type { EsmeNotice } from '../../pipeline/esme-notify';
import type { BindRegistry } from './bind-registry';
import { deliverSmFields } from './deliver-pdu';
import { ESME_GROUP, esmeStreamKey } from './esme-outbox';

export interface EsmeDeliveryOptions {
  /** Blocking reads (XREADGROUP ... BLOCK) only. */
  readonly redis: Redis;
  /** Everything else (group creation, claims, acks): a shared non-blocking connection. */
  readonly commandRedis: Redis;
  readonly keyPrefix: string;
  /** This process's consumer name in the group (unique per process). */
  readonly consumer: string;
  readonly binds: BindRegistry;
  /** deliver_sm_resp wait, ms (default 10 s). */
  readonly responseTimeoutMs?: number;
  /** An unacknowledged entry is retried after this long, ms (default 15 s; above responseTimeoutMs). */
  readonly retryAfterMs?: number;
  /** Longest XREADGROUP block, ms (default 250): also how soon a new bind's app is read. */
  readonly blockMs?: number;
  /** deliver_sm outstanding in this process, at most (default 2,000). */
  readonly maxInFlight?: number;
  readonly log?: Logger;
  readonly onResult?: (result: 'delivered' | 'retry' | 'expired') => void;
  readonly nowMs?: () => number;
}

type StreamEntries = Array<[key: string, entries: Array<[id: string, fields: string[]]>]>;

export class EsmeDelivery {
  private running = false;
  private loop: Promise<void> | undefined;
  private inFlight = 0;
  private slotWaiter: (() => void) | undefined;
  private readonly groups = new Set<string>();
  private lastClaimMs = 0;
  private acks = new Map<string, string[]>();
  private ackScheduled = false;
  private readonly o: Required<Omit<EsmeDeliveryOptions, 'log' | 'onResult'>> & Pick<EsmeDeliveryOptions, 'log' | 'onResult'>;

  constructor(options: EsmeDeliveryOptions) {
    this.o = { responseTimeoutMs: 10_000, retryAfterMs: 15_000, blockMs: 250, maxInFlight: 2_000, nowMs: Date.now, ...options };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.slotWaiter?.();
    await this.loop;
    this.flushAcks();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.cycle();
      } catch (error) {
        this.o.log?.warn({ err: error }, 'esme outbox read failed');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async cycle(): Promise<void> {
    const apps = this.o.binds.receiverApps();
    if (apps.length === 0) {
      await this.o.binds.changed(1_000);
      return;
    }
    const keys = apps.map((a) => esmeStreamKey(this.o.keyPrefix, a));
    for (const key of keys) if (!this.groups.has(key)) await this.ensureGroup(key);
    if (this.o.nowMs() - this.lastClaimMs >= Math.min(1_000, this.o.retryAfterMs / 2)) {
      this.lastClaimMs = this.o.nowMs();
      for (const key of keys) await this.claim(key);
    }
    if (this.inFlight >= this.o.maxInFlight) {
      await new Promise<void>((resolve) => (this.slotWaiter = resolve));
      return;
    }
    const count = Math.min(500, this.o.maxInFlight - this.inFlight);
    const result = (await this.o.redis.xreadgroup(
      'GROUP', ESME_GROUP, this.o.consumer, 'COUNT', count, 'BLOCK', this.o.blockMs, 'STREAMS', ...keys, ...keys.map(() => '>'),
    )) as StreamEntries | null;
    for (const [key, entries] of result ?? []) for (const [id, fields] of entries) this.handle(key, id, fields);
  }

  private async ensureGroup(key: string): Promise<void> {
    // From id 0: notices written before any bind existed are delivered too.
    await this.o.commandRedis.xgroup('CREATE', key, ESME_GROUP, '0', 'MKSTREAM').catch((error: Error) => {
      if (!String(error.message).includes('BUSYGROUP')) throw error;
    });
    this.groups.add(key);
  }

  /** Takes over entries left unacknowledged for retryAfterMs (by this process or a dead one). */
  private async claim(key: string): Promise<void> {
    let cursor = '0-0';
    for (let round = 0; round < 10; round++) {
      const [next, entries] = (await this.o.commandRedis.xautoclaim(key, ESME_GROUP, this.o.consumer, this.o.retryAfterMs, cursor, 'COUNT', 200)) as [
        string,
        Array<[string, string[]] | null>,
      ];
      for (const entry of entries) if (entry) this.handle(key, entry[0], entry[1]);
      if (next === '0-0') return;
      cursor = next;
    }
  }

  private handle(key: string, id: string, fields: string[]): void {
    let notice: EsmeNotice;
    try {
      notice = JSON.parse(fields[fields.indexOf('n') + 1] ?? '') as EsmeNotice;
    } catch {
      this.ack(key, id); // unreadable: retrying cannot help
      return;
    }
    if (Date.parse(notice.validUntil) <= this.o.nowMs()) {
      this.ack(key, id);
      this.o.onResult?.('expired');
      return;
    }
    const session = this.o.binds.nextReceiver(notice.appId);
    if (!session) return; // stays pending; claimed again when a bind is back
    this.inFlight++;
    session
      .request('deliver_sm', deliverSmFields(notice), { timeoutMs: this.o.responseTimeoutMs })
      .then(
        (response) => response.command === 'deliver_sm_resp' && response.commandStatus === 0,
        () => false,
      )
      .then((delivered) => {
        if (delivered) this.ack(key, id);
        this.o.onResult?.(delivered ? 'delivered' : 'retry');
      })
      .finally(() => {
        this.inFlight--;
        const waiter = this.slotWaiter;
        this.slotWaiter = undefined;
        waiter?.();
      });
  }

  /** Acks are gathered per turn of the event loop into one XACK and one XDEL per stream. */
  private ack(key: string, id: string): void {
    const list = this.acks.get(key);
    if (list) list.push(id);
    else this.acks.set(key, [id]);
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      setImmediate(() => this.flushAcks());
    }
  }

  private flushAcks(): void {
    this.ackScheduled = false;
    const acks = this.acks;
    this.acks = new Map();
    if (acks.size === 0) return;
    const pipeline = this.o.commandRedis.pipeline();
    for (const [key, ids] of acks) pipeline.xack(key, ESME_GROUP, ...ids).xdel(key, ...ids);
    void pipeline.exec().catch((error: unknown) => this.o.log?.warn({ err: error }, 'esme outbox ack failed'));
  }
}
