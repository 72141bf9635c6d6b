/**
 * The one test harness: Archive's functions composed by functions/compose.ts (as every runtime
 * composes them) over a real pool in front of the emulated engine on a real port, the run's real
 * Redis and file cold storage in a temporary folder. Options pick which functions to compose and
 * stand in for what a test stages (a slow retriever, a failing cold store, a clock it moves).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { EmulatedEngineOptions } from "../emulator/engine/index.js";
import { composeModules, configSlicesOf, functionModules, type AnyModule, type Config, type FunctionName, type FunctionsOf } from "../functions/compose.js";
import { readQueueCounts } from "../functions/health/index.js";
import { memoryQueues, type ColdStore } from "../functions/memory/index.js";
import { createPoolEmbedderOn, type Platform } from "../functions/platform.js";
import { unavailableSandboxBackend, type SandboxBackend } from "../functions/sandbox/index.js";
import type { Seams } from "../functions/seams.js";
import { createUnconfiguredVoiceBackend, type VoiceBackend } from "../functions/voice/index.js";
import { createInferencePool, type InferencePool } from "../gpu/pool.js";
import { createFileColdStore } from "../infra/node/cold-store-files.js";
import { startJobWorkers } from "../infra/node/job-workers.js";
import { createFileUiAssets } from "../infra/node/ui-assets.js";
import { createIdGenerator, systemClock, type Clock } from "../shared/clock.js";
import { loadConfig, type ConfigSource } from "../shared/config.js";
import type { Embedder } from "../shared/embeddings/index.js";
import { createLogger } from "../shared/logger.js";
import { createQueueProvider } from "../shared/queues.js";
import { createRedisKeys, type RedisKeys } from "../shared/redis-keys.js";
import { createVectorReplicaCache, type VectorReplicaCache } from "../shared/vector-index/index.js";
import { startEngineServer } from "./engine-server.js";
import { testRedis } from "./redis.js";

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

export interface HarnessOptions {
  /** Which functions to compose, in compose.ts's order (default: every one). */
  functions?: readonly FunctionName[];
  env?: ConfigSource;
  engine?: EmulatedEngineOptions;
  /** Keep every request body the engine receives (`harness.engine.received`). */
  record?: boolean;
  /** An engine already running (another harness's): this harness is a second process of it. */
  engineUrl?: string;
  /** Point the pool somewhere else than the engine (e.g. a dead port). */
  endpoints?: Config["inference"]["endpoints"];
  /** Reuse another harness's Redis prefix: a second "process" of the same deployment. */
  prefix?: string;
  /** The functions' clock (the pool keeps real time). Default: real time. */
  clock?: Clock;
  /** Default: the engine's hashed embeddings over the pool. */
  embedder?: Embedder;
  /** Default: files in a fresh temporary folder. `false`: none (as on Workers). */
  coldStore?: false | ((files: ColdStore) => ColdStore);
  /** Default: none (the sandbox answers 503). */
  sandbox?: SandboxBackend;
  /** Default: unconfigured (voice answers 501). */
  voice?: VoiceBackend;
  /** Seams to start from: a stand-in retriever or capture. */
  seams?: Partial<Seams>;
  /** Run the functions' BullMQ workers (and schedulers) in this harness. */
  workers?: boolean;
  /** Modules composed after Archive's own (a test's example function), config included. */
  modules?: readonly AnyModule[];
  /** `false`: the functions' Redis lease fails loudly, for a function that must not need Redis. */
  redis?: false;
}

type Functions = FunctionsOf<typeof functionModules>;

export interface Harness {
  app: ReturnType<typeof composeModules>["app"];
  /** A composed function by name; throws for one this harness did not compose. */
  fn<Name extends FunctionName>(name: Name): Functions[Name];
  /** The engine this harness started; throws for one sharing another harness's (`engineUrl`). */
  engine: Awaited<ReturnType<typeof startEngineServer>>;
  engineUrl: string;
  pool: InferencePool;
  embedder: Embedder;
  config: Config;
  keys: RedisKeys;
  redis: Redis;
  url: string;
  prefix: string;
  clock: Clock;
  replicas: VectorReplicaCache;
  dataDir: string;
  /** Every JSON log line, parsed. */
  logs: Record<string, unknown>[];
  /** Starts real BullMQ workers for the composed functions' jobs in this "process". */
  startWorkers(): Promise<{ close(): Promise<void> }>;
  /**
   * Waits until the capture queue has nothing waiting, running or delayed — and, since chat
   * enqueues without waiting, until at least `finished` jobs have completed or failed.
   */
  scoringIdle(options?: { finished?: number; timeoutMs?: number }): Promise<{ completed: number; failed: number }>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const usesEngine = options.engineUrl === undefined;
  const engine = usesEngine ? await startEngineServer(options.engine, undefined, { record: options.record }) : undefined;
  const engineUrl = options.engineUrl ?? engine!.url;
  const { redis, prefix: fresh, url } = testRedis();
  const prefix = options.prefix ?? fresh;
  const dataDir = await mkdtemp(join(tmpdir(), "archive-harness-"));
  const extra = options.modules ?? [];
  const source: ConfigSource = {
    ARCHIVE_API_KEYS: `${harnessKeys.alice}:alice,${harnessKeys.bob}:bob`,
    ARCHIVE_DATA_DIR: dataDir,
    REDIS_PREFIX: prefix,
    INFERENCE_ENDPOINTS: engineUrl,
    INFERENCE_COOLDOWN_MS: "100",
    INFERENCE_CONNECT_TIMEOUT_MS: "1000",
    EMBEDDINGS: "pool",
    EMBEDDINGS_MODEL: "archive-emulated-1",
    // Two cores shared with other suites: a skipped retrieval would fail a test for the machine's load.
    CHAT_RETRIEVAL_BUDGET_MS: "2000",
    ...options.env,
  };
  const config = loadConfig(source, configSlicesOf([...functionModules, ...extra])) as Config;
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const clock = options.clock ?? systemClock;
  const keys = createRedisKeys(prefix);
  const pool = createInferencePool({ endpoints: options.endpoints ?? config.inference.endpoints, config: config.inference, logger, clock: systemClock });
  const poolEmbedder = createPoolEmbedderOn(pool, config.embeddings.model ?? "");
  const embedder = options.embedder ?? poolEmbedder;
  const replicas = createVectorReplicaCache();
  const platform: Platform<Config> = {
    config, logger, clock, keys, pool, replicas,
    ids: createIdGenerator(clock),
    redis: {
      acquire: async () => {
        if (options.redis === false) throw new Error("this harness's functions must not need Redis");
        return { redis, release: async () => undefined };
      },
    },
    version: "0.0.0-test",
    startedAt: clock.now(),
    systemStats: () => null,
    embedder: withUsage(embedder),
    queues: createQueueProvider(keys),
  };
  const files = createFileColdStore({ dataDir });
  const coldStore = options.coldStore === false ? undefined : options.coldStore ? options.coldStore(files) : files;
  const selected = options.functions ? functionModules.filter((module) => options.functions!.includes(module.name)) : functionModules;
  const composition = composeModules(
    // The subset keeps every module's types; only the selected ones (and a test's extras) are built.
    [...selected, ...extra] as unknown as typeof functionModules,
    platform,
    {
      memory: { coldStore },
      sandbox: options.sandbox ?? unavailableSandboxBackend("no sandbox in this test"),
      voice: options.voice ?? createUnconfiguredVoiceBackend(),
      ui: createFileUiAssets(),
    },
    { serviceUrls: { redis: "redis://test", inference: engineUrl }, ...(options.seams ? { seams: options.seams } : {}) },
  );
  const built = composition.functions as Partial<Functions>;

  const workers: { close(): Promise<void> }[] = [];
  const startWorkers = async () => {
    const started = startJobWorkers({ redisUrl: url, keys, logger, clock: systemClock, specs: composition.jobs, workerId: `test-${crypto.randomUUID().slice(0, 8)}` });
    // Kept before it is ready, so a start that fails is still closed with the harness.
    workers.push(started);
    await Promise.all([started.ready, composition.startWorkers(redis)]);
    return started;
  };
  if (options.workers) await startWorkers();

  const scoringIdle: Harness["scoringIdle"] = async ({ finished = 0, timeoutMs = 20_000 } = {}) => {
    const started = Date.now();
    const completedKey = `${keys.queuePrefix}:${memoryQueues.capture}:completed`;
    for (;;) {
      const counts = await readQueueCounts(redis, keys, memoryQueues.capture, Date.now());
      const completed = await redis.zcard(completedKey);
      if (counts.waiting + counts.active + counts.delayed === 0 && completed + counts.failed >= finished) return { completed, failed: counts.failed };
      if (Date.now() - started > timeoutMs) throw new Error(`scoring not idle within ${timeoutMs} ms: ${JSON.stringify({ ...counts, completed })}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  return {
    app: composition.app,
    fn(name) {
      const fn = built[name];
      if (!fn) throw new Error(`this harness did not compose the ${name} function`);
      return fn;
    },
    get engine() {
      if (!engine) throw new Error("this harness shares another harness's engine (engineUrl)");
      return engine;
    },
    engineUrl,
    pool,
    embedder,
    config,
    keys,
    redis,
    url,
    prefix,
    clock,
    replicas,
    dataDir,
    logs,
    startWorkers,
    scoringIdle,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      pool.close();
      await engine?.close();
      await redis.quit();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A stand-in embedder reports no token counts (only `/v1/embeddings` reads them). Getters: `dimension` may change. */
export function withUsage(embedder: Embedder): Platform["embedder"] {
  return {
    get id() {
      return embedder.id;
    },
    get dimension() {
      return embedder.dimension;
    },
    embed: (texts, signal) => embedder.embed(texts, signal),
    embedWithUsage: async (texts, signal) => embedder.embedWithUsage?.(texts, signal) ?? { vectors: await embedder.embed(texts, signal), tokens: 0 },
  };
}

/** A JSON request with a tenant's key. */
export function request(method: string, body?: unknown, key: string = harnessKeys.alice, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
  };
}

/** A JSON POST with a tenant's key. */
export const post = (body: unknown, key: string = harnessKeys.alice, headers: Record<string, string> = {}): RequestInit => request("POST", body, key, headers);

/** Any request with a tenant's key. */
export const authorized = (key: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${key}` },
});

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
