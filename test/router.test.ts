import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createIdGenerator, systemClock } from "../shared/clock.js";
import { type ConfigSource } from "../shared/config.js";
import { loadConfig } from "../functions/compose.js";
import { createLogger } from "../shared/logger.js";
import { createRedisKeys } from "../shared/redis-keys.js";
import { testRedis } from "./redis.js";
import { createApp } from "../functions/app.js";
import type { AppEnv } from "../functions/app-env.js";
import { readJson } from "../functions/http.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

function build(env: ConfigSource = {}, logLines: string[] = []) {
  const config = loadConfig({ REDIS_PREFIX: prefix, MAX_BODY_BYTES: "2048", ...env });
  const echo = new Hono<AppEnv>();
  echo.post("/echo", async (c) => c.json({ tenant: c.get("tenant"), body: await readJson(c, z.object({ text: z.string().min(1) })) }));
  echo.get("/boom", () => {
    throw new Error("database password is hunter2");
  });
  return createApp(
    {
      config,
      logger: createLogger({ sink: (line) => logLines.push(line) }),
      clock: systemClock,
      ids: createIdGenerator(),
      keys: createRedisKeys(prefix),
      redis: { acquire: async () => ({ redis, release: async () => undefined }) },
      version: "0.1.0",
      startedAt: Date.now(),
      systemStats: () => null,
      pool: { check: async () => ({ endpoints: [{ url: "http://gpu:8000", state: "ready" }] }) },
      embedder: { id: "test", dimension: 3, embed: async (texts: string[]) => texts.map(() => new Float32Array([1, 0, 0])) },
    },
    {
      serviceUrls: { redis: "redis://127.0.0.1" },
      functions: [{ name: "echo", routes: echo, needs: ["redis"] }],
    },
  );
}

const post = (body: string, headers: Record<string, string> = {}) => ({
  method: "POST",
  body,
  headers: { "content-type": "application/json", ...headers },
});

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = await response.json();
  expect(problem).toMatchObject({ status, code, requestId: response.headers.get("x-request-id") });
  expect(typeof problem.title).toBe("string");
  expect(typeof problem.detail).toBe("string");
  return problem;
}

describe("router", () => {
  it("answers unknown routes with a 404 problem", async () => {
    await expectProblem(await build().request("/nope"), 404, "route_not_found");
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const response = await build().request("/echo");
    await expectProblem(response, 405, "method_not_allowed");
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("rejects malformed JSON with 400 and a wrong shape with 422 naming the field", async () => {
    const app = build();
    await expectProblem(await app.request("/echo", post("{not json")), 400, "invalid_json");
    const problem = await expectProblem(await app.request("/echo", post('{"text": 5}')), 422, "validation_failed");
    expect(problem.errors[0].path).toBe("text");
  });

  it("rejects a body over the limit with 413, whether declared or streamed", async () => {
    const app = build();
    await expectProblem(await app.request("/echo", post(JSON.stringify({ text: "x".repeat(5000) }))), 413, "payload_too_large");
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ text: "y".repeat(5000) })));
        controller.close();
      },
    });
    const response = await app.request("/echo", { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
    await expectProblem(response, 413, "payload_too_large");
  });

  it("judges a declared Content-Length without reading the body", async () => {
    const app = build();
    const large = JSON.stringify({ text: "x".repeat(5000) });
    await expectProblem(await app.request("/echo", post(large, { "content-length": String(large.length) })), 413, "payload_too_large");
    const small = JSON.stringify({ text: "fits" });
    const response = await app.request("/echo", post(small, { "content-length": String(small.length) }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ body: { text: "fits" } });
  });

  it("hides internal error details but logs them, without secrets", async () => {
    const lines: string[] = [];
    const problem = await expectProblem(await build({}, lines).request("/boom"), 500, "internal_error");
    expect(JSON.stringify(problem)).not.toContain("hunter2");
    expect(lines.some((line) => line.includes("request_failed"))).toBe(true);
  });

  it("keeps a sane incoming request id and replaces an unsafe one", async () => {
    const app = build();
    expect((await app.request("/health", { headers: { "x-request-id": "abc-123" } })).headers.get("x-request-id")).toBe("abc-123");
    const replaced = (await app.request("/health", { headers: { "x-request-id": "bad id\n" } })).headers.get("x-request-id");
    expect(replaced).toMatch(/^[0-9A-Z]{26}$/);
  });
});

describe("per-request Redis", () => {
  it("holds the lease until deferred work has settled, after the response", async () => {
    const events: string[] = [];
    let finish!: () => void;
    const background = new Promise<void>((resolve) => (finish = resolve));
    const routes = new Hono<AppEnv>();
    routes.get("/later", async (c) => {
      await c.get("redis")();
      c.get("defer")(background.then(() => events.push("deferred done")));
      return c.json({ ok: true });
    });
    const app = createApp(
      {
        config: loadConfig({ REDIS_PREFIX: prefix }),
        logger: createLogger({ level: "silent" }),
        clock: systemClock,
        ids: createIdGenerator(),
        keys: createRedisKeys(prefix),
        redis: { acquire: async () => ({ redis, release: async () => void events.push("released") }) },
        version: "0.1.0",
        startedAt: Date.now(),
        systemStats: () => null,
        pool: { check: async () => ({ endpoints: [] }) },
        embedder: { id: "test", dimension: 3, embed: async (texts: string[]) => texts.map(() => new Float32Array([1, 0, 0])) },
      },
      {
        serviceUrls: {},
        functions: [{ name: "later", routes, needs: [] }],
      },
    );
    expect((await app.request("/later")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual([]);
    finish();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(["deferred done", "released"]);
  });
});

describe("identity", () => {
  const keys = { ARCHIVE_API_KEYS: "alice-key-123:alice,bob-key-4567:bob" };

  it("is the default tenant when auth is off", async () => {
    const response = await build().request("/echo", post('{"text":"hi"}'));
    expect(await response.json()).toEqual({ tenant: "default", body: { text: "hi" } });
  });

  it("requires a valid bearer key and maps it to its tenant", async () => {
    const app = build(keys);
    const missing = await app.request("/echo", post('{"text":"hi"}'));
    await expectProblem(missing, 401, "unauthorized");
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    await expectProblem(await app.request("/echo", post('{"text":"hi"}', { authorization: "Bearer wrong-key-000" })), 401, "unauthorized");
    const ok = await app.request("/echo", post('{"text":"hi"}', { authorization: "Bearer bob-key-4567" }));
    expect(ok.status).toBe(200);
    expect((await ok.json()).tenant).toBe("bob");
  });

  it("leaves health and metrics readable without a key", async () => {
    const app = build(keys);
    expect((await app.request("/health")).status).toBe(200);
    expect((await app.request("/echo/health")).status).toBe(200);
    expect((await app.request("/metrics")).status).toBe(200);
  });

  it("protects metrics with the metrics key when one is set", async () => {
    const app = build({ ...keys, ARCHIVE_METRICS_KEY: "metrics-secret-1" });
    await expectProblem(await app.request("/metrics"), 401, "unauthorized");
    await expectProblem(await app.request("/metrics/prometheus", { headers: { authorization: "Bearer alice-key-123" } }), 401, "unauthorized");
    expect((await app.request("/metrics", { headers: { authorization: "Bearer metrics-secret-1" } })).status).toBe(200);
  });
});
