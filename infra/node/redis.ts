import { Redis } from "ioredis";
import type { RedisProvider } from "../../functions/deps.js";

/** On Node one pipelined connection serves every request; leases are free. */
export function createSharedRedis(url: string): { redis: Redis; provider: RedisProvider; close(): Promise<void> } {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true, connectionName: "archive" });
  const lease = { redis, release: async () => undefined };
  return {
    redis,
    provider: { acquire: async () => lease },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
