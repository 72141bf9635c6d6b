import { Redis } from "ioredis";
import type { RedisProvider } from "../../functions/platform.js";

/**
 * workerd forbids I/O objects shared across requests: a module-level ioredis client hangs on the
 * second request. Every lease is therefore a fresh connection, closed when the response is done.
 */
export function createPerRequestRedis(url: string): RedisProvider {
  return {
    async acquire() {
      const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000, retryStrategy: () => null });
      // Without a listener ioredis prints each connection error with its command (AUTH: the
      // password). This client never reconnects, so the failure reaches the request's command.
      redis.on("error", () => undefined);
      return {
        redis,
        release: async () => {
          await redis.quit().catch(() => redis.disconnect());
        },
      };
    },
  };
}
