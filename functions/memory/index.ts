import type { Redis } from "ioredis";
import type { Clock, IdGenerator } from "../../shared/clock.js";
import type { Config } from "../../shared/config.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { Logger } from "../../shared/logger.js";
import { queueNames, type QueueProvider } from "../../shared/queues.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import type { VectorReplicaCache } from "../../shared/vector-index/index.js";
import type { Retriever, TurnCapture } from "../chat/index.js";
import type { RedisProvider } from "../deps.js";
import type { ArchiveFunction } from "../function.js";
import type { MetricsSource } from "../health/metrics-source.js";
import { createColdArchive, type ColdArchive } from "./cold-archive.js";
import { createTurnCapture, type CaptureOptions } from "./capture.js";
import type { ColdStore } from "./cold-store.js";
import { createArchiveProcessor, createCaptureProcessor, scheduleArchival, type MemoryJobSpec } from "./jobs.js";
import { createMemoryMetricsSource } from "./metrics.js";
import type { PerplexityPool } from "./perplexity.js";
import { createMemoryRetriever } from "./retrieval.js";
import { createMemoryRoutes } from "./routes.js";
import { createTurnScorer } from "./scorer.js";
import { createMemoryService, type MemoryService } from "./service.js";

export type { ColdArchiveRunResult } from "./cold-archive-run.js";
export type { ColdArchive, ColdArchiveStats } from "./cold-archive.js";
export { coldArchiveUnavailable } from "./cold-archive.js";
export type { CaptureOptions } from "./capture.js";
export { fromArchivedLine, toArchivedLine, type ArchivedLine } from "./archived-codec.js";
export type { ArchivedMemory, ColdEntry, ColdMatch, ColdStore, ColdStoreStats } from "./cold-store.js";
export type { JobLike, MemoryJobSpec } from "./jobs.js";
export { archiveSchedulerId } from "./jobs.js";
export type { MemoryItem } from "./records.js";
export type { CaptureJobData, ScoreOutcome } from "./scorer.js";
export { normalizedPerplexity, noveltyFrom, perplexityFromCompletion, surpriseScore } from "./scoring.js";
export type { MemoryService, MemoryStats } from "./service.js";
export { maxListLimit, maxMessageChars, maxMetadataBytes, maxQueryChars, maxRestoreIds, maxTopK } from "./schema.js";

export interface MemoryFunctionDeps {
  keys: RedisKeys;
  clock: Clock;
  ids: IdGenerator;
  config: Pick<Config, "memory" | "archive">;
  logger: Logger;
  /** Perplexity (`/v1/completions` with echo logprobs). */
  pool: PerplexityPool;
  embedder: Embedder;
  /** The process's one replica cache (see shared/vector-index). */
  replicas: VectorReplicaCache;
  queues: QueueProvider;
  /** Redis for jobs (HTTP requests bring their own lease). */
  redis: RedisProvider;
  /** Node only; without it the archive endpoints answer 501 and no archive job is offered. */
  coldStore?: ColdStore | undefined;
  capture?: CaptureOptions;
}

export interface MemoryFunction {
  fn: ArchiveFunction;
  /** Chat's `retrievers` entry. */
  retriever: Retriever;
  /** Chat's `capture`. */
  capture: TurnCapture;
  /** For the BullMQ workers (Node): scoring, and archival where a cold store exists. */
  jobs: MemoryJobSpec[];
  metricsSource: MetricsSource;
  /** Registers the daily archival job scheduler (idempotent; call once per worker process at start). */
  schedule(redis: Redis): Promise<void>;
  service: MemoryService;
  coldArchive: ColdArchive;
}

/**
 * Permanent memory: capture (enqueue only), surprise scoring in a worker, semantic search per
 * tenant, retrieval for chat, and archival to cold storage. Everything is built from injected
 * dependencies; composition roots decide which parts run where.
 */
export function createMemoryFunction(deps: MemoryFunctionDeps): MemoryFunction {
  const service = createMemoryService(deps);
  const coldArchive = createColdArchive(deps);
  const scoreTurn = createTurnScorer(deps);
  const jobs: MemoryJobSpec[] = [
    { queue: queueNames.memoryCapture, processor: createCaptureProcessor({ scoreTurn, redis: deps.redis, logger: deps.logger }), concurrency: 4 },
  ];
  if (deps.coldStore) {
    jobs.push({ queue: queueNames.memoryArchive, processor: createArchiveProcessor({ archive: coldArchive, redis: deps.redis, clock: deps.clock }), concurrency: 1 });
  }
  return {
    fn: {
      name: "memory",
      routes: createMemoryRoutes({ service, coldArchive, clock: deps.clock }),
      checks: ["redis", "inference", "queues"],
    },
    retriever: createMemoryRetriever({ service, embedder: deps.embedder, config: deps.config, logger: deps.logger }),
    capture: createTurnCapture(deps),
    jobs,
    metricsSource: createMemoryMetricsSource(deps),
    schedule: (redis) => scheduleArchival(redis, deps.keys, deps.config),
    service,
    coldArchive,
  };
}
