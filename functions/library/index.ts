import type { Redis } from "ioredis";
import { defineFunction, type FunctionContext, type HttpFunction } from "../http-function.js";
import { withRedis } from "../platform.js";
import { jobScope } from "../request-scope.js";
import { createConfiguredReranker } from "../../shared/retrieval/index.js";
import { libraryConfig, type LibraryConfig } from "./config.js";
import type { PdfExtractor } from "./extract.js";
import { createLibraryParts, type LibraryDeps } from "./parts.js";
import { createIngestJob } from "./jobs.js";
import { createLibraryMetricsSource } from "./metrics.js";
import { createLibraryRetriever } from "./retriever.js";
import { createLibraryRoutes } from "./routes.js";
import { createLibraryService, type LibraryService } from "./service.js";

export type { BlobStore } from "./blobs.js";
export { createRedisBlobStore, defaultBlobTtlSeconds } from "./blobs.js";
export type { LibraryDeps } from "./parts.js";
export type { LibraryConfig } from "./config.js";
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

/** The HTTP function, plus its service for tests and tools that drive it directly. */
export type LibraryFunction = HttpFunction & { service: LibraryService };

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

  const scopeFor = (redis: Redis, tenant: string) => jobScope(redis, tenant, { logger: deps.logger });
  return {
    name: "library",
    routes: createLibraryRoutes({ service, maxUploadBytes }),
    needs: ["redis", "queues", "embedder"],
    ...(uploadLimit > deps.config.maxBodyBytes ? { bodyLimits: [{ pathPrefix: "/library/documents", maxBytes: uploadLimit }] } : {}),
    service,
    jobs: [createIngestJob(parts)],
    metrics: [createLibraryMetricsSource({ metricsKey: parts.metricsKey, searchesServed: () => service.searchesServed })],
    provides: {
      retriever: createLibraryRetriever(service, { topK: deps.config.library.retrievalTopK, minSimilarity: deps.config.library.retrievalMinSimilarity, logger: deps.logger }),
      dropFolder: (tenant) => ({
        ingest: async (relativePath, bytes) => {
          await withRedis(deps.redis, (redis) => service.submit(scopeFor(redis, tenant), { origin: "drop", relativePath }, bytes));
        },
        remove: (relativePath) => withRedis(deps.redis, (redis) => service.removeSource(scopeFor(redis, tenant), { origin: "drop", relativePath })),
        known: () => withRedis(deps.redis, (redis) => service.dropSources(scopeFor(redis, tenant))),
      }),
    },
  };
}

/** Where text extraction runs is the runtime's choice (a worker thread on Node); without one, inline. */
export interface LibraryAdapter {
  extractPdf?: PdfExtractor | undefined;
}

export const libraryFunction = defineFunction({
  name: "library",
  config: libraryConfig,
  create: ({ platform, adapter }: FunctionContext<LibraryConfig, LibraryAdapter | undefined>) =>
    createLibraryFunction({
      ...platform,
      ...(adapter?.extractPdf ? { extractPdf: adapter.extractPdf } : {}),
      reranker: createConfiguredReranker(platform.config.library.rerank, (path, init) => platform.pool.request(path, init)),
    }),
});
