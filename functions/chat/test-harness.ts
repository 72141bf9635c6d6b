/**
 * Test-only: the chat function mounted in the real app, in front of a real pool and the emulated
 * engine on a real port, with the run's real Redis. Imported by `*.test.ts` files only.
 */
import type { Redis } from "ioredis";
import { startEngineServer } from "../../test/engine-server.js";
import { testRedis } from "../../test/redis.js";
import type { EmulatedEngineOptions } from "../../emulator/engine/index.js";
import { createInferencePool, type InferencePool } from "../../gpu/pool.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { type ConfigSource } from "../../shared/config.js";
import { loadConfig, type Config } from "../compose.js";
import { createLogger } from "../../shared/logger.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { createApp } from "../app.js";
import type { TurnCapture, Retriever } from "./hooks.js";
import { createChatFunction } from "./index.js";

export const harnessKeys = { alice: "alice-key-0123456789", bob: "bob-key-0123456789" };

export interface ChatHarnessOptions {
  env?: ConfigSource;
  engine?: EmulatedEngineOptions;
  retrievers?: Retriever[];
  capture?: TurnCapture;
  retrievalBudgetMs?: number;
  /** Keep every request body the engine receives (`harness.engine.received`). */
  record?: boolean;
  /** Point the pool somewhere else than the started engine (e.g. a dead port). */
  endpoints?: Config["inference"]["endpoints"];
}

export interface ChatHarness {
  app: ReturnType<typeof createApp>;
  engine: Awaited<ReturnType<typeof startEngineServer>>;
  pool: InferencePool;
  config: Config;
  redis: Redis;
  prefix: string;
  /** Every JSON log line, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startChatHarness(options: ChatHarnessOptions = {}): Promise<ChatHarness> {
  const engine = await startEngineServer(options.engine, undefined, { record: options.record });
  const { redis, prefix } = testRedis();
  const config = loadConfig({
    ARCHIVE_API_KEYS: `${harnessKeys.alice}:alice,${harnessKeys.bob}:bob`,
    REDIS_PREFIX: prefix,
    INFERENCE_ENDPOINTS: engine.url,
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const clock = systemClock;
  const ids = createIdGenerator(clock);
  const keys = createRedisKeys(prefix);
  const pool = createInferencePool({ endpoints: options.endpoints ?? config.inference.endpoints, config: config.inference, logger, clock });
  const chat = createChatFunction({
    pool,
    keys,
    clock,
    ids,
    config,
    logger,
    retrievers: options.retrievers,
    capture: options.capture,
    retrievalBudgetMs: options.retrievalBudgetMs,
  });
  const app = createApp({
    config,
    logger,
    clock,
    ids,
    keys,
    redis: { acquire: async () => ({ redis, release: async () => undefined }) },
    version: "0.0.0-test",
    startedAt: clock.now(),
    systemStats: () => null,
    pool,
    serviceUrls: { redis: "redis://test", inference: engine.url },
    functions: [chat],
  });
  return {
    app,
    engine,
    pool,
    config,
    redis,
    prefix,
    logs,
    async close() {
      pool.close();
      await engine.close();
      await redis.quit();
    },
  };
}

/** A JSON POST with a tenant's key. */
export function post(body: unknown, key: string = harnessKeys.alice, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
  };
}

/** Waits until `condition` holds (engine counters move asynchronously after a disconnect). */
export async function eventually(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The `data:` payloads of an SSE body, in order. */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice("data: ".length));
}
