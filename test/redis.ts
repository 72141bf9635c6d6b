import { Redis } from "ioredis";
import { inject } from "vitest";

/** A client of the run's test Redis plus a key prefix unique to the caller, so tests never collide. */
export function testRedis(): { redis: Redis; prefix: string; url: string } {
  const url = inject("redisUrl");
  const prefix = `test-${crypto.randomUUID().slice(0, 8)}`;
  return { redis: new Redis(url, { maxRetriesPerRequest: null }), prefix, url };
}
