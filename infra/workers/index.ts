import { createApp } from "../../functions/app.js";
import { createChatFunction } from "../../functions/chat/index.js";
import { createLibraryFunction } from "../../functions/library/index.js";
import { createMemoryFunction } from "../../functions/memory/index.js";
import { createPoolEmbedder } from "../../shared/embeddings/index.js";
import { createQueueProvider } from "../../shared/queues.js";
import scoresModule from "../../shared/vector-index/dot-kernel.wasm";
import { createDotKernel, createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { createInferencePool } from "../../gpu/pool.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { ConfigError, loadConfig, type ConfigSource } from "../../shared/config.js";
import { createLogger } from "../../shared/logger.js";
import { redactUrl } from "../../shared/redact.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { version } from "../../shared/version.js";
import { createPerRequestRedis } from "./redis.js";

type WorkerEnv = ConfigSource;
type App = ReturnType<typeof createApp>;

/**
 * The Cloudflare Workers composition root. `env` only exists inside `fetch`, so the app is built
 * on the first request of an isolate and reused; everything in it that does I/O per request
 * (Redis) is leased per request.
 */
function build(env: WorkerEnv): App {
  const config = loadConfig(env);
  if (!config.auth.apiKeys) {
    throw new ConfigError(["ARCHIVE_API_KEYS is required on Workers: a Worker is reachable by anyone"]);
  }
  if (!config.redisUrl) throw new ConfigError(["REDIS_URL is required on Workers"]);
  const logger = createLogger({ level: config.logLevel });
  const clock = systemClock;
  // No periodic probes here: an isolate has no background time; live traffic moves endpoint states.
  const pool = createInferencePool({ endpoints: config.inference.endpoints, config: config.inference, logger, clock });
  const ids = createIdGenerator(clock);
  const keys = createRedisKeys(config.redisPrefix);
  const redis = createPerRequestRedis(config.redisUrl);
  // The local embedder (TensorFlow.js, 27 MB of weights) cannot ship in a Worker: embeddings come from the pool.
  if (config.embeddings.provider !== "pool") throw new ConfigError(["EMBEDDINGS must be `pool` on Workers (with EMBEDDINGS_MODEL)"]);
  const embedder = createPoolEmbedder({
    request: (path, init) => pool.request(path, { method: init.method, body: init.body, signal: init.signal }),
    model: config.embeddings.model ?? "",
  });
  // Archival needs a cold store, which lives on Node: no coldStore here, so those endpoints answer 501.
  const replicas = createVectorReplicaCache({ kernel: createDotKernel({ module: scoresModule }) });
  const queues = createQueueProvider(keys);
  const memory = createMemoryFunction({ keys, clock, ids, config, logger, pool, embedder, redis, replicas, queues });
  const library = createLibraryFunction({ config, keys, clock, ids, logger, embedder, replicas, queues, redis });
  const chat = createChatFunction({
    pool, keys, clock, ids, config, logger,
    retrievers: [memory.retriever, library.retriever],
    retrievalBudgetMs: config.chat.retrievalBudgetMs,
    engineRequestTimeoutMs: config.inference.requestTimeoutMs,
    capture: memory.capture,
  });
  return createApp({
    config,
    logger,
    clock,
    ids,
    keys,
    redis,
    version,
    startedAt: clock.now(),
    systemStats: () => null,
    pool,
    functions: [chat, memory.fn, library.fn],
    metricsSources: [memory.metricsSource, library.metricsSource],
    serviceUrls: {
      redis: redactUrl(config.redisUrl),
      inference: config.inference.endpoints.map((endpoint) => redactUrl(endpoint.url)).join(", "),
    },
  });
}

let app: App | undefined;

export default {
  fetch(request: Request, env: WorkerEnv, context: unknown): Response | Promise<Response> {
    try {
      app ??= build(env);
    } catch (error) {
      const detail = error instanceof ConfigError ? error.problems.join("; ") : "configuration could not be loaded";
      return Response.json(
        { type: "https://archive.dev/problems/misconfigured", title: "Misconfigured", status: 500, detail, code: "misconfigured", requestId: "none" },
        { status: 500, headers: { "content-type": "application/problem+json" } },
      );
    }
    return app.fetch(request, env, context as never);
  },
};
