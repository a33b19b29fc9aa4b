/**
 * The hot carrier-id -> message part map in Redis, written in one pipeline
 * per batch. Losing a key loses nothing: message_parts in PostgreSQL backs it.
 */
import type { Redis } from 'ioredis';
import type { CarrierIdMap, SubmittedPart } from '../pipeline/ports';

export class RedisCarrierIdMap implements CarrierIdMap {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(carrierId: string, carrierMessageId: string): string {
    return `${this.prefix}:cm:${carrierId}:${carrierMessageId}`;
  }

  async put(parts: readonly SubmittedPart[], ttlSeconds: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const p of parts) pipeline.set(this.key(p.carrierId, p.carrierMessageId), `${p.messageId}:${p.partIndex}`, 'EX', ttlSeconds);
    await pipeline.exec();
  }

  async get(carrierId: string, carrierMessageIds: readonly string[]): Promise<Map<string, { messageId: string; partIndex: number }>> {
    const found = new Map<string, { messageId: string; partIndex: number }>();
    if (carrierMessageIds.length === 0) return found;
    const values = await this.redis.mget(carrierMessageIds.map((id) => this.key(carrierId, id)));
    values.forEach((value, i) => {
      if (!value) return;
      const at = value.lastIndexOf(':');
      found.set(carrierMessageIds[i]!, { messageId: value.slice(0, at), partIndex: Number(value.slice(at + 1)) });
    });
    return found;
  }
}
