import type { Processor } from "bullmq";
import type { Retriever } from "../chat/index.js";
import { withRedis } from "../deps.js";
import type { MetricsSource } from "../health/metrics-source.js";
import type { ArchiveFunction } from "../function.js";
import { jobScope } from "../request-scope.js";
import { queueNames } from "../../shared/queues.js";
import { createLibraryParts, type LibraryDeps } from "./parts.js";
import { createIngestProcessor } from "./jobs.js";
import { createLibraryMetricsSource } from "./metrics.js";
import { createLibraryRetriever } from "./retriever.js";
import { createLibraryRoutes } from "./routes.js";
import { createLibraryService, type LibraryService } from "./service.js";

export type { BlobStore } from "./blobs.js";
export { createRedisBlobStore, defaultBlobTtlSeconds } from "./blobs.js";
export type { LibraryDeps } from "./parts.js";
export { fileTypeFromName, safeFilename, type LibraryFileType } from "./extract.js";
export type { LibraryDocument } from "./records.js";
export type { IngestProgress, JobStatus, SearchChunk, SearchResponse } from "./schema.js";
export type { CitedHit, LibraryService, LibraryStats, SearchOptions, SubmitResult } from "./service.js";

/** Where the drop-folder watcher (infra/node/drop-folder.ts) hands files; paths are relative, "/"-separated. */
export interface DropFolderSink {
  ingest(relativePath: string, bytes: Uint8Array): Promise<void>;
  remove(relativePath: string): Promise<void>;
  /** Paths the library holds from the folder, so files deleted while nobody watched are removed too. */
  known(): Promise<string[]>;
}

export interface LibraryFunction {
  fn: ArchiveFunction;
  service: LibraryService;
  /** Chat's "library" retriever: best LIBRARY_RETRIEVAL_TOP_K passages with citations. */
  retriever: Retriever;
  /** Run on Node by infra/node/job-workers.ts (workerd only enqueues). */
  jobs: { queue: typeof queueNames.libraryIngest; processor: Processor; concurrency: number; maxStalledCount: number }[];
  metricsSource: MetricsSource;
  /** The drop folder's view of the library for one tenant (uses deps.redis, like the jobs). */
  dropFolder(tenant: string): DropFolderSink;
}

/** Multipart framing around the file: boundaries, headers, the other (small) fields. */
const multipartEnvelopeBytes = 64 * 1024;

/**
 * The library: uploads and drop-folder files become ingestion jobs (extract → chunk → embed →
 * one atomic commit); search is hybrid (BM25 + exact vectors, RRF) with citations.
 */
export function createLibraryFunction(deps: LibraryDeps): LibraryFunction {
  const parts = createLibraryParts(deps);
  const service = createLibraryService(parts);
  const maxUploadBytes = deps.config.library.maxUploadBytes;
  const uploadLimit = maxUploadBytes + multipartEnvelopeBytes;

  return {
    fn: {
      name: "library",
      routes: createLibraryRoutes({ service, maxUploadBytes }),
      checks: ["redis", "queues"],
      ...(uploadLimit > deps.config.maxBodyBytes ? { bodyLimits: [{ pathPrefix: "/library/documents", maxBytes: uploadLimit }] } : {}),
    },
    service,
    retriever: createLibraryRetriever(service, { topK: deps.config.library.retrievalTopK, minSimilarity: deps.config.library.retrievalMinSimilarity, logger: deps.logger }),
    // One at a time: one document's chunks already keep every embedding thread busy, so a second
    // job would only slow the first (and duplicate uploads become a cheap "attach" when run in order).
    // Resumed after any number of restarts: the job's own deadline (LIBRARY_INGEST_DEADLINE_MS) bounds it.
    jobs: [{ queue: queueNames.libraryIngest, processor: createIngestProcessor(parts), concurrency: 1, maxStalledCount: 1_000_000 }],
    metricsSource: createLibraryMetricsSource({ metricsKey: parts.metricsKey, searchesServed: () => service.searchesServed }),
    dropFolder: (tenant) => ({
      ingest: async (relativePath, bytes) => {
        await withRedis(deps.redis, (redis) => service.submit(jobScope(redis, tenant, { logger: deps.logger }), { origin: "drop", relativePath }, bytes));
      },
      remove: (relativePath) => withRedis(deps.redis, (redis) => service.removeSource(jobScope(redis, tenant, { logger: deps.logger }), { origin: "drop", relativePath })),
      known: () => withRedis(deps.redis, (redis) => service.dropSources(jobScope(redis, tenant, { logger: deps.logger }))),
    }),
  };
}
