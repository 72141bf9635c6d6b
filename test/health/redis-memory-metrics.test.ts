import { afterAll, describe, expect, it } from "vitest";
import { testRedis } from "../redis.js";
import { renderPrometheus } from "../../functions/health/prometheus.js";
import { createRedisMemoryMetricsSource, parseRedisInfo, redisMemoryFrom, type RedisMemoryFigures } from "../../functions/health/redis-memory-metrics.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

const source = createRedisMemoryMetricsSource();
const collect = async () => (await source.collect(async () => redis)) as { json: RedisMemoryFigures; gauges: Parameters<typeof renderPrometheus>[0] };

describe("Redis memory metrics source", () => {
  it("reports used memory that grows by what was written and falls when it is deleted", async () => {
    const before = (await collect()).json;
    expect(before.used_memory_bytes).toBeGreaterThan(0);
    expect(before.used_memory_rss_bytes).toBeGreaterThan(0);
    expect(before.mem_fragmentation_ratio).toBeGreaterThan(0);
    expect(before.maxmemory_policy).toBe("noeviction");

    const value = "x".repeat(64 * 1024);
    const pipeline = redis.pipeline();
    for (let index = 0; index < 64; index++) pipeline.set(`${prefix}:blob:${index}`, value);
    await pipeline.exec();
    const grown = (await collect()).json;
    // 4 MiB written; other test files share this Redis, so only a lower bound is certain.
    expect(grown.used_memory_bytes - before.used_memory_bytes).toBeGreaterThan(3.5 * 2 ** 20);
    expect(grown.used_memory_peak_bytes).toBeGreaterThanOrEqual(grown.used_memory_bytes);

    await redis.del(...Array.from({ length: 64 }, (_, index) => `${prefix}:blob:${index}`));
    const shrunk = (await collect()).json;
    expect(grown.used_memory_bytes - shrunk.used_memory_bytes).toBeGreaterThan(3.5 * 2 ** 20);
  });

  it("says how full Redis is once it has a maxmemory", () => {
    // Not set on the shared test Redis: a limit there could refuse another test file's writes.
    const limited = redisMemoryFrom("# Memory\r\nused_memory:250\r\nused_memory_rss:400\r\nmaxmemory:1000\r\nmaxmemory_policy:noeviction\r\nmem_fragmentation_ratio:1.60\r\n");
    expect(limited).toMatchObject({ used_memory_bytes: 250, maxmemory_bytes: 1000, used_fraction: 0.25, mem_fragmentation_ratio: 1.6 });
    expect(redisMemoryFrom("used_memory:250\r\nmaxmemory:0\r\n").used_fraction).toBeNull();
  });

  it("exposes the figures as Prometheus gauges", async () => {
    const { json, gauges } = await collect();
    const text = renderPrometheus(gauges);
    expect(text).toMatch(/^archive_redis_used_memory_bytes \d+$/m);
    expect(text).toContain(`archive_redis_mem_fragmentation_ratio ${json.mem_fragmentation_ratio}`);
    expect(text).toContain("# TYPE archive_redis_maxmemory_bytes gauge");
  });

  it("parses INFO text with its section headers and CRLF line ends", () => {
    const fields = parseRedisInfo("# Memory\r\nused_memory:1024\r\nmaxmemory_policy:noeviction\r\n");
    expect(fields.get("used_memory")).toBe("1024");
    expect(fields.get("maxmemory_policy")).toBe("noeviction");
    expect(fields.has("# Memory")).toBe(false);
  });
});
