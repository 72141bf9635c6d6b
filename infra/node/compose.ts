import { composeFunctions, type Composition, type Config } from "../../functions/compose.js";
import { createPoolEmbedderOn } from "../../functions/platform.js";
import { createRemoteSandboxBackend } from "../../functions/sandbox/index.js";
import { voiceServiceUrl, type Synthesizer, type Transcriber } from "../../functions/voice/index.js";
import { countTokens } from "../../functions/library/tokens.js";
import type { InferencePool } from "../../gpu/pool.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import type { Embedder } from "../../shared/embeddings/index.js";
import { createLocalEmbedder } from "./embeddings/local-embedder.js";
import type { Logger } from "../../shared/logger.js";
import { createQueueProvider } from "../../shared/queues.js";
import { redactUrl } from "../../shared/redact.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { version } from "../../shared/version.js";
import { createFileColdStore } from "./cold-store-files.js";
import { watchDropFolder } from "./drop-folder.js";
import { startJobWorkers } from "./job-workers.js";
import { createPdfExtraction } from "./pdf-extraction.js";
import { createNodeProcessMetricsSource } from "./process-metrics.js";
import { createNodePool } from "./pool.js";
import { createSharedRedis } from "./redis.js";
import { createBwrapSandboxBackend } from "./sandbox-bwrap.js";
import { readSystemStats } from "./system-stats.js";
import { createFileUiAssets } from "./ui-assets.js";
import { createNodeVoice } from "./voice.js";

export interface NodeComposition {
  app: Composition<unknown>["app"];
  /** Resolves once the background workers (if any) are consuming. */
  ready: Promise<void>;
  /** Which voice backend does each direction (the emulator's start line says it). */
  voice: { stt: Transcriber["backend"]; tts: Synthesizer["backend"] };
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
}

type NodeEmbedder = Embedder & Required<Pick<Embedder, "embedWithUsage">> & { warm?(): Promise<void>; close(): Promise<void> };

/**
 * The one embedder of a process; `pool` embeddings are the only kind Workers can use too. `close`
 * ends the local model's threads (idle ones would not hold the process open, busy ones would).
 */
export function createEmbedder(config: Config, pool: Pick<InferencePool, "request">): NodeEmbedder {
  if (config.embeddings.provider === "local") return createLocalEmbedder({ threads: config.embeddings.threads });
  const embedder = createPoolEmbedderOn(pool, config.embeddings.model ?? "");
  return Object.assign(embedder, { close: async () => undefined });
}

/**
 * The Node composition root shared by the emulator, `server.ts` and `worker.ts`: builds the
 * platform and the adapters only Node has (bubblewrap, files, threads), then every function
 * through functions/compose.ts.
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
  // Only where ingestion jobs run: an HTTP-only process never reads a PDF.
  const pdfExtraction = options.workers ? createPdfExtraction({ timeoutMs: config.library.extractTimeoutMs }) : undefined;
  // A Node box runs code itself under bubblewrap, unless pointed at a dedicated sandbox tier.
  const sandboxBackend = config.sandbox.url
    ? createRemoteSandboxBackend({ url: config.sandbox.url, apiKey: config.sandbox.apiKey })
    : createBwrapSandboxBackend({ config: config.sandbox, logger, clock });
  const voice = createNodeVoice({ config, logger, clock });
  // This process's RSS, CPU, event-loop delay and embedder threads, in /metrics.
  const processMetrics = createNodeProcessMetricsSource({ embedder });

  const composition = composeFunctions(
    {
      config, logger, clock, keys, pool, embedder, version,
      ids,
      redis: shared.provider,
      startedAt: clock.now(),
      systemStats: readSystemStats,
      replicas: createVectorReplicaCache(),
      queues: createQueueProvider(keys),
    },
    {
      memory: { coldStore: createFileColdStore({ dataDir: config.dataDir }) },
      library: { extractPdf: pdfExtraction?.extract },
      sandbox: sandboxBackend,
      voice,
      ui: createFileUiAssets(),
    },
    {
      metrics: [processMetrics],
      serviceUrls: {
        redis: redactUrl(options.redisUrl),
        inference: (options.endpoints ?? config.inference.endpoints).map((endpoint) => redactUrl(endpoint.url)).join(", ") || "modal",
        voice: voiceServiceUrl(config),
      },
    },
  );

  const workers = options.workers
    ? startJobWorkers({ redisUrl: options.redisUrl, keys, logger, clock, specs: composition.jobs, workerId: `node-${ids.next()}` })
    : undefined;
  const ready = workers ? Promise.all([workers.ready, composition.startWorkers(shared.redis)]).then(() => undefined) : Promise.resolve();
  ready.catch((error: unknown) => logger.error("workers_start_failed", { error }));

  // One watcher per deployment is enough; it runs wherever the workers run.
  const { dropDir, dropTenant, maxUploadBytes } = config.library;
  const dropSink = composition.seams.dropFolder;
  const dropFolder =
    options.workers && dropDir && dropSink
      ? watchDropFolder({ dir: dropDir, tenant: dropTenant, logger, maxBytes: maxUploadBytes, ...dropSink(dropTenant) })
      : undefined;
  dropFolder?.ready.catch((error: unknown) => logger.error("drop_folder_start_failed", { error }));

  return {
    app: composition.app,
    ready,
    voice: { stt: voice.transcriber.backend, tts: voice.synthesizer.backend },
    warmed,
    async close() {
      stopProbing();
      processMetrics.close();
      await voice.close();
      await dropFolder?.close();
      await workers?.close();
      await pdfExtraction?.close();
      await embedder.close();
      await sandboxBackend.close();
      pool.close();
      await shared.close();
    },
  };
}
