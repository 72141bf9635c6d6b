import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer } from "../emulator/redis-launcher.js";
import { composeModules, loadConfig } from "../functions/compose.js";
import { memoryFunction } from "../functions/memory/index.js";
import { createRedisKeys } from "../shared/redis-keys.js";
import { benchPlatform } from "./bench/platform.js";
import { createWordHashEmbedder } from "./library/support.js";
import { harnessKeys, request } from "./harness.js";

// A Redis of its own: this test fills it, which would break every other test on the shared one.
let server: Awaited<ReturnType<typeof startRedisServer>>;
let redis: Redis;
let app: ReturnType<typeof composeModules>["app"];

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const config = loadConfig({ ARCHIVE_API_KEYS: `${harnessKeys.alice}:alice`, MEMORY_RETRIEVAL: "false" });
  const platform = benchPlatform({ config, redis, keys: createRedisKeys("full"), embedder: createWordHashEmbedder() });
  app = composeModules([memoryFunction], platform, { memory: { coldStore: undefined } }, { serviceUrls: {} }).app;
  const stored = await app.request("/memories", request("POST", { message: "Stored before Redis filled up." }));
  expect(stored.status).toBe(201);
});

afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

describe("a full Redis (maxmemory reached, noeviction)", () => {
  it("answers a write with 507 storage_full, writes nothing, and keeps serving reads", async () => {
    const used = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))![1]);
    await redis.config("SET", "maxmemory", String(Math.floor(used / 2)));
    try {
      const refused = await app.request("/memories", request("POST", { message: "This one does not fit." }));
      expect(refused.status).toBe(507);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(await refused.json()).toMatchObject({ code: "storage_full", detail: expect.stringContaining("nothing was written") });
      const listed = await app.request("/memories", request("GET"));
      expect(listed.status).toBe(200);
      expect((await listed.json()).memories.map((memory: { message: string }) => memory.message)).toEqual(["Stored before Redis filled up."]);
    } finally {
      await redis.config("SET", "maxmemory", "0");
    }
  });
});
