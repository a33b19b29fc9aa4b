/**
 * Deletes every key matching `pattern` (a test's own hash-tagged prefix) in
 * one Lua call, so the deletion is atomic: a SCAN-then-DEL loop lets a
 * workers process notice the queue marker gone half-way, recover, and then
 * lose the jobs it just re-created to the rest of the loop. Tests share one
 * Redis, so this never flushes the database.
 */
import { Redis } from 'ioredis';

const DELETE_MATCHING = `
local keys = redis.call('KEYS', ARGV[1])
for i = 1, #keys, 1000 do
  redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys)))
end
return #keys`;

export async function deleteKeys(redisUrl: string | undefined, pattern: string): Promise<number> {
  const redis = redisUrl ? new Redis(redisUrl) : new Redis();
  try {
    return Number(await redis.eval(DELETE_MATCHING, 0, pattern));
  } finally {
    redis.disconnect();
  }
}
