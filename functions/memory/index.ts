import type { Redis } from "ioredis";
import type { Clock, IdGenerator } from "../../shared/clock.js";
import type { MemoryConfig } from "./config.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { Logger } from "../../shared/logger.js";
import type { QueueProvider } from "../../shared/queues.js";
import { memoryQueues } from "./queues.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import type { VectorReplicaCache } from "../../shared/vector-index/index.js";
import type { RedisProvider } from "../platform.js";
import { defineFunction, type FunctionContext, type HttpFunction, type JobSpec } from "../http-function.js";
import { memoryConfig } from "./config.js";
import { createColdArchive, type ColdArchive } from "./cold-archive.js";
import { createTurnCapture, type CaptureOptions } from "./capture.js";
import type { ColdStore } from "./cold-store.js";
import { createArchiveJob, createCaptureJob, scheduleArchival } from "./jobs.js";
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
export { memoryQueues } from "./queues.js";
export type { MemoryConfig } from "./config.js";
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
  config: Pick<MemoryConfig, "memory" | "archive">;
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

/** The HTTP function, plus its services for tests and tools that drive them directly. */
export type MemoryFunction = HttpFunction & { service: MemoryService; coldArchive: ColdArchive };

/**
 * Permanent memory: capture (enqueue only), surprise scoring in a worker, semantic search per
 * tenant, retrieval for chat, and archival to cold storage. Everything is built from injected
 * dependencies; composition roots decide which parts run where.
 */
export function createMemoryFunction(deps: MemoryFunctionDeps): MemoryFunction {
  const service = createMemoryService(deps);
  const coldArchive = createColdArchive(deps);
  const scoreTurn = createTurnScorer(deps);
  // Archival only where a cold store exists (Node); Workers answer its endpoints 501.
  const jobs: JobSpec[] = [createCaptureJob({ scoreTurn, redis: deps.redis, logger: deps.logger })];
  if (deps.coldStore) jobs.push(createArchiveJob({ archive: coldArchive, redis: deps.redis, clock: deps.clock }));
  return {
    name: "memory",
    routes: createMemoryRoutes({ service, coldArchive, clock: deps.clock }),
    needs: ["redis", "inference", "queues", "embedder"],
    jobs,
    metrics: [createMemoryMetricsSource(deps)],
    startWorkers: (redis) => (deps.coldStore ? scheduleArchival(redis, deps.keys, deps.config) : Promise.resolve()),
    provides: {
      retriever: createMemoryRetriever({ service, embedder: deps.embedder, config: deps.config, logger: deps.logger }),
      capture: createTurnCapture(deps),
    },
    service,
    coldArchive,
  };
}

/** Cold storage is the runtime's (files on Node); without one, archival answers 501. */
export interface MemoryAdapter {
  coldStore: ColdStore | undefined;
}

export const memoryFunction = defineFunction({
  name: "memory",
  config: memoryConfig,
  create: ({ platform, adapter }: FunctionContext<MemoryConfig, MemoryAdapter>) => createMemoryFunction({ ...platform, coldStore: adapter.coldStore, capture: platform.config.memory.captureRetry }),
});
