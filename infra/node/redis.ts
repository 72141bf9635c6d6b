import { Redis } from "ioredis";
import type { RedisProvider } from "../../functions/deps.js";

/**
 * On Node one connection serves every request; leases are free. Auto-pipelining stays off:
 * ioredis 6 mangles `callBuffer` under it (the command name is dropped), which the vector
 * index's scripts use.
 */
export function createSharedRedis(url: string): { redis: Redis; provider: RedisProvider; close(): Promise<void> } {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, connectionName: "archive" });
  const lease = { redis, release: async () => undefined };
  return {
    redis,
    provider: { acquire: async () => lease },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
