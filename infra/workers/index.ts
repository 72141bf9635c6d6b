import type { Hono } from "hono";
import type { AppEnv } from "../../functions/app-env.js";
import { composeFunctions, loadConfig } from "../../functions/compose.js";
import { createPoolEmbedderOn } from "../../functions/platform.js";
import { createRemoteSandboxBackend, unavailableSandboxBackend } from "../../functions/sandbox/index.js";
import { createPoolVoiceBackend, createUnconfiguredVoiceBackend, voiceServiceUrl } from "../../functions/voice/index.js";
import { createInferencePool } from "../../gpu/pool.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { ConfigError, type ConfigSource } from "../../shared/config.js";
import { misconfigured } from "../../shared/errors.js";
import { createLogger } from "../../shared/logger.js";
import { toProblem } from "../../shared/problem.js";
import { createQueueProvider } from "../../shared/queues.js";
import { redactUrl } from "../../shared/redact.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import scoresModule from "../../shared/vector-index/dot-kernel.wasm";
import { createDotKernel, createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { version } from "../../shared/version.js";
import { createPerRequestRedis } from "./redis.js";
import { createBindingUiAssets, type AssetsBinding } from "./ui-assets.js";

/** Vars and secrets are strings; bindings (ASSETS) are objects. */
type WorkerEnv = Record<string, unknown> & { ASSETS?: AssetsBinding };
type App = Hono<AppEnv>;

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
  const embedder = createPoolEmbedderOn(pool, config.embeddings.model ?? "");
  // flite and pocketsphinx cannot run in a Worker: voice is the pool's OpenAI-audio servers or nothing.
  const voicePool = (endpoints: typeof config.voice.sttEndpoints, model: string | undefined) =>
    endpoints.length === 0 ? undefined : createInferencePool({ endpoints, config: { ...config.inference, model }, logger, clock, generationProbe: false });
  const remote = createPoolVoiceBackend({
    stt: voicePool(config.voice.sttEndpoints, config.voice.sttModel),
    tts: voicePool(config.voice.ttsEndpoints, config.voice.ttsModel),
    defaultVoice: config.voice.defaultVoice,
  });
  const unconfigured = createUnconfiguredVoiceBackend();
  const composition = composeFunctions(
    {
      config, logger, clock, ids, keys, redis, pool, embedder, version,
      startedAt: clock.now(),
      systemStats: () => null,
      replicas: createVectorReplicaCache({ kernel: createDotKernel({ module: scoresModule }) }),
      queues: createQueueProvider(keys),
    },
    {
      // Archival needs a cold store, which lives on Node: none here, so those endpoints answer 501.
      memory: { coldStore: undefined },
      // A Worker cannot spawn processes: code runs on the Node tier at SANDBOX_URL, or not at all.
      sandbox: config.sandbox.url
        ? createRemoteSandboxBackend({ url: config.sandbox.url, apiKey: config.sandbox.apiKey })
        : unavailableSandboxBackend("Workers cannot spawn processes; set SANDBOX_URL to a Node tier that runs the sandbox"),
      voice: { transcriber: remote.transcriber ?? unconfigured.transcriber, synthesizer: remote.synthesizer ?? unconfigured.synthesizer },
      ui: createBindingUiAssets(env.ASSETS),
    },
    {
      serviceUrls: {
        redis: redactUrl(config.redisUrl),
        inference: config.inference.endpoints.map((endpoint) => redactUrl(endpoint.url)).join(", "),
        voice: voiceServiceUrl(config),
      },
    },
  );
  return composition.app;
}

let app: App | undefined;

export default {
  fetch(request: Request, env: WorkerEnv, context: unknown): Response | Promise<Response> {
    try {
      app ??= build(env);
    } catch (error) {
      const problem = misconfigured(error instanceof ConfigError ? error.problems.join("; ") : "configuration could not be loaded");
      return new Response(JSON.stringify(toProblem(problem, "none")), { status: 500, headers: { "content-type": "application/problem+json" } });
    }
    return app.fetch(request, env, context as never);
  },
};
