import { createApp } from "../../functions/app.js";
import { createChatFunction } from "../../functions/chat/index.js";
import { createLibraryFunction } from "../../functions/library/index.js";
import { createMemoryFunction } from "../../functions/memory/index.js";
import { createOpenAIFunction } from "../../functions/openai/index.js";
import { createRemoteSandboxBackend, createSandboxFunction, unavailableSandboxBackend } from "../../functions/sandbox/index.js";
import { createPoolVoiceBackend, createUnconfiguredVoiceBackend, createVoiceFunction, voiceServiceUrl } from "../../functions/voice/index.js";
import { createUiFunction } from "../../functions/ui/index.js";
import { createPoolEmbedder } from "../../shared/embeddings/index.js";
import { createQueueProvider } from "../../shared/queues.js";
import { createConfiguredReranker } from "../../shared/retrieval/index.js";
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
import { createBindingUiAssets, type AssetsBinding } from "./ui-assets.js";

/** Vars and secrets are strings; bindings (ASSETS) are objects. */
type WorkerEnv = Record<string, unknown> & { ASSETS?: AssetsBinding };
type App = ReturnType<typeof createApp>;

/**
 * The Cloudflare Workers composition root. `env` only exists inside `fetch`, so the app is built
 * on the first request of an isolate and reused; everything in it that does I/O per request
 * (Redis) is leased per request.
 */
function build(env: WorkerEnv): App {
  const vars: ConfigSource = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  const config = loadConfig(vars);
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
  const library = createLibraryFunction({
    config, keys, clock, ids, logger, embedder, replicas, queues, redis,
    reranker: createConfiguredReranker(config.library.rerank, (path, init) => pool.request(path, init)),
  });
  // A Worker cannot spawn processes: code runs on the Node tier at SANDBOX_URL, or not at all.
  const sandbox = createSandboxFunction({
    config: config.sandbox,
    clock,
    backend: config.sandbox.url ? createRemoteSandboxBackend({ url: config.sandbox.url, apiKey: config.sandbox.apiKey }) : unavailableSandboxBackend("Workers cannot spawn processes; set SANDBOX_URL to a Node tier that runs the sandbox"),
  });
  const chat = createChatFunction({
    pool, keys, clock, ids, config, logger,
    retrievers: [memory.retriever, library.retriever],
    retrievalBudgetMs: config.chat.retrievalBudgetMs,
    engineRequestTimeoutMs: config.inference.requestTimeoutMs,
    capture: memory.capture,
    codeRunner: sandbox.service,
  });
  // flite and pocketsphinx cannot run in a Worker: voice is the pool's OpenAI-audio servers or nothing.
  const voicePool = (endpoints: typeof config.voice.sttEndpoints, model: string | undefined) =>
    endpoints.length === 0 ? undefined : createInferencePool({ endpoints, config: { ...config.inference, model }, logger, clock });
  const remote = createPoolVoiceBackend({
    stt: voicePool(config.voice.sttEndpoints, config.voice.sttModel),
    tts: voicePool(config.voice.ttsEndpoints, config.voice.ttsModel),
    defaultVoice: config.voice.defaultVoice,
  });
  const unconfigured = createUnconfiguredVoiceBackend();
  const voice = createVoiceFunction({
    transcriber: remote.transcriber ?? unconfigured.transcriber,
    synthesizer: remote.synthesizer ?? unconfigured.synthesizer,
    chat: chat.service,
    config,
    clock,
  });
  const openai = createOpenAIFunction({
    chat: chat.service, pool, keys, clock, ids, config, startedAt: clock.now(),
    embeddings: { embedder, model: config.embeddings.model ?? "" },
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
    functions: [chat, openai, memory.fn, library.fn, sandbox.fn, voice.fn, createUiFunction({ assets: createBindingUiAssets(env.ASSETS) })],
    metricsSources: [memory.metricsSource, library.metricsSource, sandbox.metricsSource, voice.metricsSource],
    extraChecks: [sandbox.check],
    serviceUrls: {
      redis: redactUrl(config.redisUrl),
      inference: config.inference.endpoints.map((endpoint) => redactUrl(endpoint.url)).join(", "),
      voice: voiceServiceUrl(config),
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
