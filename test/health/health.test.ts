import { Hono } from "hono";
import { Redis } from "ioredis";
import { z } from "zod";
import type { AppEnv } from "../../functions/app-env.js";
import type { HttpFunction, JobSpec } from "../../functions/http-function.js";
import { afterAll, describe, expect, it } from "vitest";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { loadConfig } from "../../functions/compose.js";
import { silentLogger } from "../../shared/logger.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { testRedis } from "../redis.js";
import { createApp } from "../../functions/app.js";
import type { PoolProbe } from "../../functions/health/index.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

function build(options: { pool?: PoolProbe; client?: Redis; functions?: HttpFunction[] } = {}) {
  const client = options.client ?? redis;
  return createApp(
    {
      config: loadConfig({ REDIS_PREFIX: prefix }),
      logger: silentLogger,
      clock: systemClock,
      ids: createIdGenerator(),
      keys: createRedisKeys(prefix),
      redis: { acquire: async () => ({ redis: client, release: async () => undefined }) },
      version: "9.9.9",
      startedAt: Date.now() - 5000,
      systemStats: () => ({ cpu_percent: 1, memory_percent: 2, memory_used_mb: 3, memory_total_mb: 4 }),
      pool: options.pool ?? { check: async () => ({ endpoints: [{ url: "http://gpu:8000", state: "ready" }] }) },
      embedder: { id: "test", dimension: 3, embed: async (texts: string[]) => texts.map(() => new Float32Array([1, 0, 0])) },
    },
    {
      functions: options.functions ?? [],
      serviceUrls: { redis: "redis://***@db:6379", inference: "http://gpu:8000" },
    },
  );
}

describe("GET /health", () => {
  it("is healthy when Redis and the pool answer", async () => {
    const response = await build().request("/health");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: "healthy", version: "9.9.9", checks: { redis: { status: "ok" }, inference: { status: "ok" }, queues: { status: "ok" } } });
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(5);
  });

  it("is degraded, still 200, when no inference endpoint is ready", async () => {
    const pool: PoolProbe = { check: async () => ({ endpoints: [{ url: "http://gpu:8000", state: "unhealthy" }] }) };
    const response = await build({ pool }).request("/health");
    expect(response.status).toBe(200);
    expect((await response.json()).status).toBe("degraded");
  });

  it("bounds a hanging check by its timeout", async () => {
    const pool: PoolProbe = { check: () => new Promise(() => undefined) };
    // The check never answers, so a reply at all is the timeout at work; the detail names the budget.
    const body = await (await build({ pool }).request("/health")).json();
    expect(body.checks.inference).toMatchObject({ status: "fail", detail: "no answer within 2000 ms" });
  });

  it("is unhealthy with 503 when Redis is unreachable", async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const response = await build({ client: dead }).request("/health");
    expect(response.status).toBe(503);
    expect((await response.json()).checks.redis.status).toBe("fail");
    dead.disconnect();
  });

  it("flags jobs waiting with no live worker, on the queues the composed functions' jobs use", async () => {
    const job: JobSpec<unknown> = { queue: "example-jobs", schema: z.unknown(), concurrency: 1, process: async () => undefined };
    const withJobs: HttpFunction = { name: "example", routes: new Hono<AppEnv>(), needs: ["queues"], jobs: [job] };
    await redis.rpush(`${prefix}:bull:example-jobs:wait`, "job-1");
    const body = await (await build({ functions: [withJobs] }).request("/health")).json();
    expect(body.status).toBe("degraded");
    expect(body.checks.queues.detail).toContain("example-jobs");
    const own = await (await build({ functions: [withJobs] }).request("/example/health")).json();
    expect(Object.keys(own.checks)).toEqual(["queues"]);
    await redis.del(`${prefix}:bull:example-jobs:wait`);
  });
});

describe("composition", () => {
  it("refuses two functions whose health checks share a name (one would hide the other)", () => {
    const check = { name: "disk", critical: false, run: async () => ({ status: "ok" as const }) };
    const fn = (name: string): HttpFunction => ({ name, routes: new Hono<AppEnv>(), needs: [], checks: [check] });
    expect(() => build({ functions: [fn("a"), fn("b")] })).toThrow(/health check name "disk"/);
    expect(() => build({ functions: [fn("a"), { ...fn("a"), checks: [] }] })).toThrow(/function name "a"/);
  });
});

describe("GET /metrics", () => {
  it("keeps the original's fields and adds request figures", async () => {
    const app = build();
    await app.request("/health");
    const body = await (await app.request("/metrics")).json();
    expect(body).toMatchObject({
      version: "9.9.9",
      system: { cpu_percent: 1, memory_percent: 2, memory_used_mb: 3, memory_total_mb: 4 },
    });
    // `memory_stats` is memory's own source: without the memory function there is none (no placeholder).
    expect(body).not.toHaveProperty("memory_stats");
    expect(body.uptime_seconds).toBeGreaterThan(0);
    expect(body.services).toEqual(
      expect.arrayContaining([
        { name: "redis", status: "healthy", url: "redis://***@db:6379" },
        { name: "inference", status: "healthy", url: "http://gpu:8000" },
      ]),
    );
    expect(body.requests.total).toBeGreaterThanOrEqual(1);
    expect(body.requests.latency_ms).toHaveProperty("p99");
  });

  it("exposes Prometheus text that parses line by line", async () => {
    const app = build();
    await app.request("/health");
    const response = await app.request("/metrics/prometheus");
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await response.text();
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/;
    for (const line of text.trim().split("\n")) {
      if (!line.startsWith("#")) expect(line).toMatch(sample);
    }
    expect(text).toContain('archive_http_requests_total{route="/health"}');
    expect(text).toContain("archive_up 1");
  });
});
