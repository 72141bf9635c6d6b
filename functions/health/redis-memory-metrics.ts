import type { Redis } from "ioredis";
import type { MetricsSource } from "./metrics-source.js";

/** The `INFO memory` figures that say how full the one Redis is; everything Archive keeps lives there. */
export interface RedisMemoryFigures {
  used_memory_bytes: number;
  used_memory_rss_bytes: number;
  used_memory_peak_bytes: number;
  /** 0: no limit (Redis then grows until the machine runs out). */
  maxmemory_bytes: number;
  maxmemory_policy: string;
  /** RSS / used: above ~1.5 the allocator holds much more than the data needs. */
  mem_fragmentation_ratio: number;
  /** used / maxmemory, null without a limit; at 1 a `noeviction` Redis refuses writes. */
  used_fraction: number | null;
}

/** Parses the `field:value` lines of an INFO section. */
export function parseRedisInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

export async function readRedisMemory(redis: Redis): Promise<RedisMemoryFigures> {
  return redisMemoryFrom(await redis.info("memory"));
}

/** The figures of an `INFO memory` reply. */
export function redisMemoryFrom(text: string): RedisMemoryFigures {
  const info = parseRedisInfo(text);
  const number = (field: string) => Number(info.get(field) ?? Number.NaN);
  const used = number("used_memory");
  const max = number("maxmemory") || 0;
  return {
    used_memory_bytes: used,
    used_memory_rss_bytes: number("used_memory_rss"),
    used_memory_peak_bytes: number("used_memory_peak"),
    maxmemory_bytes: max,
    maxmemory_policy: info.get("maxmemory_policy") ?? "unknown",
    mem_fragmentation_ratio: number("mem_fragmentation_ratio"),
    used_fraction: max > 0 ? Math.round((used / max) * 10_000) / 10_000 : null,
  };
}

/**
 * Redis's memory under `redis` in `/metrics`: the figure that decides when one Redis is full
 * (Archive runs it `noeviction`, so full means refused writes, not lost data). Read through the
 * request's own Redis with plain `INFO memory`, so it works on every runtime and every Redis
 * that implements INFO (managed ones included). The figures are the server's, not a tenant's.
 */
export function createRedisMemoryMetricsSource(): MetricsSource {
  return {
    key: "redis",
    async collect(redis) {
      const figures = await readRedisMemory(await redis());
      const gauge = (name: string, help: string, value: number) => ({ name, help, type: "gauge" as const, samples: [{ value }] });
      return {
        json: figures,
        gauges: [
          gauge("archive_redis_used_memory_bytes", "Bytes Redis has allocated for data (INFO memory used_memory)", figures.used_memory_bytes),
          gauge("archive_redis_used_memory_rss_bytes", "Resident memory of the Redis server (used_memory_rss)", figures.used_memory_rss_bytes),
          gauge("archive_redis_maxmemory_bytes", "Redis maxmemory (0: no limit)", figures.maxmemory_bytes),
          gauge("archive_redis_mem_fragmentation_ratio", "Redis resident memory over used memory", figures.mem_fragmentation_ratio),
        ],
      };
    },
  };
}
