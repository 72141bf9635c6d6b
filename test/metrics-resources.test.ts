import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../functions/app.js";
import { createNodeProcessMetricsSource } from "../infra/node/process-metrics.js";
import { createIdGenerator, systemClock } from "../shared/clock.js";
import { loadConfig } from "../functions/compose.js";
import { silentLogger } from "../shared/logger.js";
import { createRedisKeys } from "../shared/redis-keys.js";
import { testRedis } from "./redis.js";

const { redis, prefix } = testRedis();
const processSource = createNodeProcessMetricsSource();
afterAll(async () => {
  processSource.close();
  await redis.quit();
});

/** Redis's memory is in every app; the Node root adds its process's figures (infra/node/compose.ts). */
const app = createApp(
  {
    config: loadConfig({ REDIS_PREFIX: prefix }),
    logger: silentLogger,
    clock: systemClock,
    ids: createIdGenerator(),
    keys: createRedisKeys(prefix),
    redis: { acquire: async () => ({ redis, release: async () => undefined }) },
    version: "test",
    startedAt: Date.now(),
    systemStats: () => null,
    pool: { check: async () => ({ endpoints: [] }) },
    embedder: { id: "test", dimension: 3, embed: async (texts: string[]) => texts.map(() => new Float32Array([1, 0, 0])) },
  },
  { functions: [], serviceUrls: {}, metrics: [processSource] },
);

describe("/metrics resource figures", () => {
  it("shows this process's memory and event loop and Redis's memory, as JSON and Prometheus gauges", async () => {
    const body = (await (await app.request("/metrics")).json()) as {
      redis: { used_memory_bytes: number; mem_fragmentation_ratio: number };
      process: { pid: number; rss_bytes: number; event_loop: { delay_p99_ms: number } };
    };
    expect(body.redis.used_memory_bytes).toBeGreaterThan(0);
    expect(body.redis.mem_fragmentation_ratio).toBeGreaterThan(0);
    expect(body.process.pid).toBe(process.pid);
    expect(body.process.rss_bytes).toBeGreaterThan(10 * 2 ** 20);
    expect(body.process.event_loop.delay_p99_ms).toBeGreaterThanOrEqual(0);

    const text = await (await app.request("/metrics/prometheus")).text();
    expect(text).toMatch(/^archive_redis_used_memory_bytes \d+$/m);
    expect(text).toMatch(/^archive_process_resident_memory_bytes \d+$/m);
    expect(text).toContain("# TYPE archive_event_loop_delay_p99_seconds gauge");
  });
});
