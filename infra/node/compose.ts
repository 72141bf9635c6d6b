import { createApp } from "../../functions/app.js";
import { createChatFunction } from "../../functions/chat/index.js";
import { createLibraryFunction } from "../../functions/library/index.js";
import { countTokens } from "../../functions/library/tokens.js";
import { createMemoryFunction } from "../../functions/memory/index.js";
import { createRemoteSandboxBackend, createSandboxFunction } from "../../functions/sandbox/index.js";
import { createVoiceFunction, voiceServiceUrl, type VoiceFunction } from "../../functions/voice/index.js";
import { createUiFunction } from "../../functions/ui/index.js";
import type { InferencePool } from "../../gpu/pool.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import type { Config } from "../../shared/config.js";
import { createPoolEmbedder, type Embedder } from "../../shared/embeddings/index.js";
import { createLocalEmbedder, localEmbedderId } from "./embeddings/local-embedder.js";
import { createOpenAIFunction } from "../../functions/openai/index.js";
import type { Logger } from "../../shared/logger.js";
import { createQueueProvider } from "../../shared/queues.js";
import { createConfiguredReranker } from "../../shared/retrieval/index.js";
import { redactUrl } from "../../shared/redact.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { version } from "../../shared/version.js";
import { createFileColdStore } from "./cold-store-files.js";
import { watchDropFolder } from "./drop-folder.js";
import { startJobWorkers } from "./job-workers.js";
import { createPdfExtraction } from "./pdf-extraction.js";
import { createNodePool } from "./pool.js";
import { createSharedRedis } from "./redis.js";
import { createBwrapSandboxBackend } from "./sandbox-bwrap.js";
import { readSystemStats } from "./system-stats.js";
import { createNodeVoice } from "./voice.js";
import { createFileUiAssets } from "./ui-assets.js";

export interface NodeComposition {
  app: ReturnType<typeof createApp>;
  /** Resolves once the background workers (if any) are consuming. */
  ready: Promise<void>;
  /** Which voice backend does each direction (the emulator's start line says it). */
  voice: VoiceFunction["backends"];
  /** Resolves once the embedder is loaded (never rejects; a failure is logged). Serve after it. */
  warmed: Promise<void>;
  close(): Promise<void>;
}

export interface NodeCompositionOptions {
  config: Config;
  redisUrl: string;
  logger: Logger;
  /** Overrides the configured endpoints (the emulator's resolved engine). */
  endpoints?: Config["inference"]["endpoints"] | undefined;
  /** Also run the BullMQ workers and the scheduler in this process (emulator, worker entry). */
  workers?: boolean;
  /** How long retrieval may hold up a chat reply (chat's default: 300 ms); tests on a busy box give more. */
  retrievalBudgetMs?: number;
}

/**
 * The one embedder of a process; `pool` embeddings are the only kind Workers can use too. `close`
 * ends the local model's threads (idle ones would not hold the process open, busy ones would).
 */
export function createEmbedder(config: Config, pool: Pick<InferencePool, "request">): Embedder & Required<Pick<Embedder, "embedWithUsage">> & { warm?(): Promise<void>; close(): Promise<void> } {
  if (config.embeddings.provider === "local") return createLocalEmbedder({ threads: config.embeddings.threads });
  const embedder = createPoolEmbedder({
    request: (path, init) => pool.request(path, { method: init.method, body: init.body, signal: init.signal }),
    model: config.embeddings.model ?? "",
  });
  return Object.assign(embedder, { close: async () => undefined });
}

/**
 * The Node composition root shared by the emulator, `server.ts` and `worker.ts`: builds every
 * dependency once and hands it down.
 */
export function composeNode(options: NodeCompositionOptions): NodeComposition {
  const { config, logger } = options;
  const clock = systemClock;
  const keys = createRedisKeys(config.redisPrefix);
  const ids = createIdGenerator(clock);
  const shared = createSharedRedis(options.redisUrl, logger);
  const pool = createNodePool({ config, logger, clock, endpoints: options.endpoints });
  const stopProbing = pool.startProbing();
  const embedder = createEmbedder(config, pool);
  const warmStarted = clock.now();
  // Where ingestion runs, the chunker's tokenizer too: building it blocks the event loop for a few
  // hundred ms, which belongs before the port opens, not in the middle of serving.
  if (options.workers) countTokens("warm-up");
  const warmed = (embedder.warm?.() ?? Promise.resolve()).then(
    () => logger.info("embedder_ready", { embedder: embedder.id, ms: clock.now() - warmStarted }),
    (error: unknown) => logger.warn("embedder_warm_up_failed", { error }),
  );
  const replicas = createVectorReplicaCache();
  const queues = createQueueProvider(keys);

  const memory = createMemoryFunction({
    keys, clock, ids, config, logger, pool, embedder, replicas, queues,
    redis: shared.provider,
    coldStore: createFileColdStore({ dataDir: config.dataDir }),
  });
  // Only where ingestion jobs run: an HTTP-only process never reads a PDF.
  const pdfExtraction = options.workers ? createPdfExtraction({ timeoutMs: config.library.extractTimeoutMs }) : undefined;
  const library = createLibraryFunction({
    config, keys, clock, ids, logger, embedder, replicas, queues, redis: shared.provider,
    ...(pdfExtraction ? { extractPdf: pdfExtraction.extract } : {}),
    reranker: createConfiguredReranker(config.library.rerank, (path, init) => pool.request(path, init)),
  });
  // A Node box runs code itself under bubblewrap, unless pointed at a dedicated sandbox tier.
  const sandbox = createSandboxFunction({
    config: config.sandbox,
    clock,
    backend: config.sandbox.url
      ? createRemoteSandboxBackend({ url: config.sandbox.url, apiKey: config.sandbox.apiKey })
      : createBwrapSandboxBackend({ config: config.sandbox, logger, clock }),
  });
  const chat = createChatFunction({
    pool, keys, clock, ids, config, logger,
    retrievers: [memory.retriever, library.retriever],
    retrievalBudgetMs: options.retrievalBudgetMs ?? config.chat.retrievalBudgetMs,
    engineRequestTimeoutMs: config.inference.requestTimeoutMs,
    capture: memory.capture,
    codeRunner: sandbox.service,
  });
  const openai = createOpenAIFunction({
    chat: chat.service, pool, keys, clock, ids, config, startedAt: clock.now(),
    embeddings: { embedder, model: config.embeddings.provider === "local" ? localEmbedderId : config.embeddings.model ?? "" },
  });
  const voiceBackends = createNodeVoice({ config, logger, clock });
  // A voice turn is a chat turn: the same service (memory, retrieval, capture), called in-process.
  const voice = createVoiceFunction({ ...voiceBackends, chat: chat.service, config, clock });

  const app = createApp({
    config,
    logger,
    clock,
    ids,
    keys,
    redis: shared.provider,
    version,
    startedAt: clock.now(),
    systemStats: readSystemStats,
    pool,
    functions: [chat, openai, memory.fn, library.fn, sandbox.fn, voice.fn, createUiFunction({ assets: createFileUiAssets() })],
    metricsSources: [memory.metricsSource, library.metricsSource, sandbox.metricsSource, voice.metricsSource],
    extraChecks: [sandbox.check],
    serviceUrls: {
      redis: redactUrl(options.redisUrl),
      inference: (options.endpoints ?? config.inference.endpoints).map((endpoint) => redactUrl(endpoint.url)).join(", ") || "modal",
      voice: voiceServiceUrl(config),
    },
  });

  const workers = options.workers
    ? startJobWorkers({ redisUrl: options.redisUrl, keys, logger, specs: [...memory.jobs, ...library.jobs], workerId: `node-${ids.next()}` })
    : undefined;
  const ready = workers
    ? Promise.all([workers.ready, memory.schedule(shared.redis)]).then(() => undefined)
    : Promise.resolve();
  ready.catch((error: unknown) => logger.error("workers_start_failed", { error }));

  // One watcher per deployment is enough; it runs wherever the workers run.
  const dropTenant = config.library.dropTenant;
  const dropFolder =
    options.workers && config.library.dropDir
      ? watchDropFolder({ dir: config.library.dropDir, tenant: dropTenant, logger, maxBytes: config.library.maxUploadBytes, ...library.dropFolder(dropTenant) })
      : undefined;
  dropFolder?.ready.catch((error: unknown) => logger.error("drop_folder_start_failed", { error }));

  return {
    app,
    ready,
    voice: voice.backends,
    warmed,
    async close() {
      stopProbing();
      await voiceBackends.close();
      await dropFolder?.close();
      await workers?.close();
      await pdfExtraction?.close();
      await embedder.close();
      await sandbox.service.backend.close();
      pool.close();
      await shared.close();
    },
  };
}
