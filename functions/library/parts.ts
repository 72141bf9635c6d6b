import type { Redis } from "ioredis";
import type { Clock, IdGenerator } from "../../shared/clock.js";
import type { CoreConfig } from "../../shared/config.js";
import type { LibraryConfig } from "./config.js";
import type { Embedder } from "../../shared/embeddings/index.js";
import type { Logger } from "../../shared/logger.js";
import type { QueueProvider } from "../../shared/queues.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import type { Reranker } from "../../shared/retrieval/index.js";
import { createVectorIndex, type VectorIndex, type VectorReplicaCache } from "../../shared/vector-index/index.js";
import type { RedisProvider } from "../platform.js";
import { createRedisBlobStore, type BlobStore } from "./blobs.js";
import type { PdfExtractor } from "./extract.js";
import { libraryKeys, type LibraryKeys } from "./records.js";
import { createLibraryStore, type LibraryStore } from "./store.js";

/** Everything the library needs, built once by a composition root. */
export interface LibraryDeps {
  config: LibraryConfig & Pick<CoreConfig, "maxBodyBytes">;
  keys: RedisKeys;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  embedder: Embedder;
  /** The process's one replica cache (shared with memory; collections keep them apart). */
  replicas: VectorReplicaCache;
  queues: QueueProvider;
  /** How the ingestion job (which has no request) gets Redis. */
  redis: RedisProvider;
  /** Where uploads wait for their job; default: Redis with a 24 h TTL. */
  blobs?: BlobStore;
  /** The pool's cross-encoder when RERANK_MODEL is set (createConfiguredReranker). */
  reranker?: Reranker | undefined;
  /** Pins the chunks per embedder call during ingestion; default: adaptive (embed-batches.ts). */
  embedBatchSize?: number;
  /** Reads PDFs; Node passes one that runs off the event loop (infra/node/pdf-extraction.ts). Default: in-process. */
  extractPdf?: PdfExtractor;
}

/** The pieces routes, jobs, retriever and drop folder share. */
export interface LibraryParts {
  deps: LibraryDeps;
  keys: LibraryKeys;
  store: LibraryStore;
  blobs: BlobStore;
  /** Cheap: an index object per request over the process-wide replica. */
  indexFor(redis: Redis, tenant: string): VectorIndex;
  /** Deployment-wide ingestion counters (aggregates only, never a tenant's data). */
  metricsKey: string;
}

export const libraryCollection = "library";

export function createLibraryParts(deps: LibraryDeps): LibraryParts {
  const keys = libraryKeys(deps.keys);
  return {
    deps,
    keys,
    store: createLibraryStore({ keys, clock: deps.clock }),
    blobs: deps.blobs ?? createRedisBlobStore({ keys }),
    indexFor: (redis, tenant) =>
      createVectorIndex({ redis, keys: deps.keys, tenant, collection: libraryCollection, embedder: deps.embedder, replicas: deps.replicas }),
    metricsKey: deps.keys.global("library", "metrics"),
  };
}
