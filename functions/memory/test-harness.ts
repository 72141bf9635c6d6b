/**
 * Test-only: the memory function (and optionally chat and the BullMQ workers) in the real app, in
 * front of a real pool and the emulated engine on a real port, the run's real Redis, and file
 * cold storage in a temporary folder. Imported by `*.test.ts` files only.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { EmulatedEngineOptions } from "../../emulator/engine/index.js";
import { createInferencePool, type InferencePool } from "../../gpu/pool.js";
import { createFileColdStore } from "../../infra/node/cold-store-files.js";
import { startJobWorkers } from "../../infra/node/job-workers.js";
import { createIdGenerator, type Clock } from "../../shared/clock.js";
import { type ConfigSource } from "../../shared/config.js";
import { loadConfig, type Config } from "../compose.js";
import { createPoolEmbedder } from "../../shared/embeddings/pool-embedder.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import { createLogger } from "../../shared/logger.js";
import { createQueueProvider } from "../../shared/queues.js";
import { memoryQueues } from "./queues.js";
import { createRedisKeys, type RedisKeys } from "../../shared/redis-keys.js";
import { createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { startEngineServer } from "../../test/engine-server.js";
import { testRedis } from "../../test/redis.js";
import { createApp } from "../app.js";
import { createChatFunction } from "../chat/index.js";
import { readQueueCounts } from "../health/queue-check.js";
import type { ColdStore } from "./cold-store.js";
import { createMemoryFunction, type CaptureOptions, type MemoryFunction } from "./index.js";

export const harnessKeys = { alice: "alice-key-0123456789", bob: "bob-key-0123456789" };

/** A clock the test moves by hand. */
export interface TestClock extends Clock {
  set(epochMs: number): void;
  advance(milliseconds: number): void;
}

export function createTestClock(start = Date.UTC(2026, 0, 1)): TestClock {
  let current = start;
  return { now: () => current, set: (value) => (current = value), advance: (milliseconds) => (current += milliseconds) };
}

export interface MemoryHarnessOptions {
  env?: ConfigSource;
  engine?: EmulatedEngineOptions;
  clock?: Clock;
  /** Default: files in a fresh temporary folder. `false`: none (as on Workers). */
  coldStore?: false | ((files: ColdStore) => ColdStore);
  chat?: boolean;
  workers?: boolean;
  capture?: CaptureOptions;
  /** Reuse another harness's Redis prefix: a second "process" of the same deployment. */
  prefix?: string;
  engineUrl?: string;
  /** Default: the pool's (hashed) embeddings from the emulated engine. */
  embedder?: Embedder;
}

export interface MemoryHarness {
  app: ReturnType<typeof createApp>;
  memory: MemoryFunction;
  engine: Awaited<ReturnType<typeof startEngineServer>> | undefined;
  engineUrl: string;
  pool: InferencePool;
  embedder: Embedder;
  config: Config;
  keys: RedisKeys;
  redis: Redis;
  url: string;
  prefix: string;
  clock: Clock;
  dataDir: string;
  logs: Record<string, unknown>[];
  /**
   * Waits until the capture queue has nothing waiting, running or delayed — and, since chat
   * enqueues without waiting, until at least `finished` jobs have completed or failed.
   */
  scoringIdle(options?: { finished?: number; timeoutMs?: number }): Promise<{ completed: number; failed: number }>;
  close(): Promise<void>;
}

export async function startMemoryHarness(options: MemoryHarnessOptions = {}): Promise<MemoryHarness> {
  const engine = options.engineUrl ? undefined : await startEngineServer(options.engine);
  const engineUrl = options.engineUrl ?? engine!.url;
  const { redis, prefix: fresh, url } = testRedis();
  const prefix = options.prefix ?? fresh;
  const config = loadConfig({
    ARCHIVE_API_KEYS: `${harnessKeys.alice}:alice,${harnessKeys.bob}:bob`,
    REDIS_PREFIX: prefix,
    INFERENCE_ENDPOINTS: engineUrl,
    INFERENCE_COOLDOWN_MS: "100",
    INFERENCE_CONNECT_TIMEOUT_MS: "1000",
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const clock = options.clock ?? { now: () => Date.now() };
  const ids = createIdGenerator(clock);
  const keys = createRedisKeys(prefix);
  const pool = createInferencePool({ endpoints: config.inference.endpoints, config: config.inference, logger, clock: { now: () => Date.now() } });
  const embedder = options.embedder ?? createPoolEmbedder({
    request: (path, init) => pool.request(path, { method: init.method, body: init.body, signal: init.signal }),
    model: "archive-emulated-1",
  });
  const dataDir = await mkdtemp(join(tmpdir(), "archive-memory-"));
  const files = createFileColdStore({ dataDir });
  const coldStore = options.coldStore === false ? undefined : options.coldStore ? options.coldStore(files) : files;
  const provider = { acquire: async () => ({ redis, release: async () => undefined }) };
  const memory = createMemoryFunction({
    keys,
    clock,
    ids,
    config,
    logger,
    pool,
    embedder,
    replicas: createVectorReplicaCache(),
    queues: createQueueProvider(keys),
    redis: provider,
    coldStore,
    capture: options.capture,
  });
  const chat = options.chat
    ? createChatFunction({ pool, keys, clock, ids, config, logger, retrievers: [memory.retriever], capture: memory.capture, retrievalBudgetMs: 2000 })
    : undefined;
  const app = createApp({
    config,
    logger,
    clock,
    ids,
    keys,
    redis: provider,
    version: "0.0.0-test",
    startedAt: clock.now(),
    systemStats: () => null,
    pool,
    serviceUrls: { redis: "redis://test", inference: engineUrl },
    functions: chat ? [memory.fn, chat] : [memory.fn],
    metricsSources: [memory.metricsSource],
  });
  const workers = options.workers
    ? startJobWorkers({ redisUrl: url, keys, logger, specs: memory.jobs, workerId: `test-${crypto.randomUUID().slice(0, 8)}` })
    : undefined;
  await workers?.ready;

  const scoringIdle: MemoryHarness["scoringIdle"] = async ({ finished = 0, timeoutMs = 20_000 } = {}) => {
    const started = Date.now();
    const completedKey = `${keys.queuePrefix}:${memoryQueues.capture}:completed`;
    for (;;) {
      const counts = await readQueueCounts(redis, keys, queueNames.memoryCapture, Date.now());
      const completed = await redis.zcard(completedKey);
      if (counts.waiting + counts.active + counts.delayed === 0 && completed + counts.failed >= finished) return { completed, failed: counts.failed };
      if (Date.now() - started > timeoutMs) throw new Error(`scoring not idle within ${timeoutMs} ms: ${JSON.stringify({ ...counts, completed })}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  return {
    app,
    memory,
    engine,
    engineUrl,
    pool,
    embedder,
    config,
    keys,
    redis,
    url,
    prefix,
    clock,
    dataDir,
    logs,
    scoringIdle,
    async close() {
      await workers?.close();
      pool.close();
      await engine?.close();
      await redis.quit();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSON request with a tenant's key. */
export function request(method: string, body?: unknown, key: string = harnessKeys.alice): RequestInit {
  return {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
  };
}
