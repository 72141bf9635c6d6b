/**
 * A benchmark's "process": the platform a runtime builds (functions/compose.ts then builds the
 * functions over it, as every runtime does) around one Redis client, or none where the measured
 * functions must not need Redis.
 */
import type { Redis } from "ioredis";
import type { Config } from "../../functions/compose.js";
import type { Platform } from "../../functions/platform.js";
import { createInferencePool, type InferencePool } from "../../gpu/pool.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import type { Embedder } from "../../shared/embeddings/index.js";
import { silentLogger } from "../../shared/logger.js";
import { createQueueProvider } from "../../shared/queues.js";
import { createRedisKeys, type RedisKeys } from "../../shared/redis-keys.js";
import { createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { withUsage } from "../harness.js";

/** For functions that never embed (voice, chat): asking fails loudly. */
const noEmbedder: Embedder = { id: "none", dimension: 0, embed: () => Promise.reject(new Error("this benchmark embeds nothing")) };

export interface BenchPlatformOptions {
  config: Config;
  /** Default: none; a lease fails loudly. */
  redis?: Redis;
  /** Default: a fresh `bench-…` prefix. */
  keys?: RedisKeys;
  /** Default: none; embedding fails loudly. */
  embedder?: Embedder;
  /** Default: a pool without endpoints. */
  pool?: InferencePool;
}

export function benchPlatform(options: BenchPlatformOptions): Platform<Config> {
  const { config, redis } = options;
  const keys = options.keys ?? createRedisKeys(`bench-${crypto.randomUUID().slice(0, 8)}`);
  return {
    config,
    keys,
    logger: silentLogger,
    clock: systemClock,
    ids: createIdGenerator(systemClock),
    redis: {
      acquire: async () => {
        if (!redis) throw new Error("this benchmark's functions must not need Redis");
        return { redis, release: async () => undefined };
      },
    },
    version: "bench",
    startedAt: Date.now(),
    systemStats: () => null,
    pool: options.pool ?? createInferencePool({ endpoints: [], config: config.inference }),
    embedder: withUsage(options.embedder ?? noEmbedder),
    replicas: createVectorReplicaCache(),
    queues: createQueueProvider(keys),
  };
}
