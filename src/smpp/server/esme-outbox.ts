/**
 * The durable channel from workers to customers' binds: one Redis Stream
 * per app (`<prefix>:esme:<appId>`), read through one consumer group
 * ("esme") by every edge process that holds a receiver or transceiver bind
 * of that app (esme-delivery.ts). An entry leaves the stream only when a
 * client acknowledged its deliver_sm, or when its validity ended; an entry
 * taken by a process that died is claimed again by another (XAUTOCLAIM).
 * Entries older than MAX_AGE_MS are trimmed on write (stream ids are
 * millisecond timestamps), which bounds a stream no bind ever reads.
 */
import type { Redis } from 'ioredis';
import type { EsmeNotice, EsmeOutbox } from '../../pipeline/esme-notify';

export const ESME_GROUP = 'esme';
/** Longer than the longest validity (7 days) plus the receipt's wait after it. */
export const MAX_AGE_MS = 8 * 86400_000;

export function esmeStreamKey(keyPrefix: string, appId: string): string {
  return `${keyPrefix}:esme:${appId}`;
}

export class RedisEsmeOutbox implements EsmeOutbox {
  constructor(
    private readonly redis: Redis,
    /** e.g. "{smsgw}" (hash-tagged, like the BullMQ prefix). */
    private readonly keyPrefix: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async publish(notices: readonly EsmeNotice[]): Promise<void> {
    if (notices.length === 0) return;
    const minId = String(this.nowMs() - MAX_AGE_MS);
    const pipeline = this.redis.pipeline();
    for (const n of notices) pipeline.xadd(esmeStreamKey(this.keyPrefix, n.appId), 'MINID', '~', minId, '*', 'n', JSON.stringify(n));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }
}
