/**
 * The library's logic, free of HTTP: submit (upload or drop folder), hybrid search, documents,
 * stats, job status. Every call gets the scope of its request (or job): tenant, Redis, signal, logger.
 */
import type { Redis } from "ioredis";
import { notFound } from "../../shared/errors.js";
import { libraryIngestQueue } from "./queue.js";
import type { FusionSettings } from "../../shared/retrieval/index.js";
import type { VectorIndex } from "../../shared/vector-index/index.js";
import type { RequestScope } from "../request-scope.js";
import type { LibraryParts } from "./parts.js";
import { identifyDocument, sourceKey, type DocumentSource } from "./document-id.js";
import { safeFilename, type LibraryFileType } from "./extract.js";
import { createLibraryFollower, followerName } from "./follower.js";
import { ingestJobName, type IngestJobData } from "./jobs.js";
import { createJobStatusReader } from "./job-status.js";
import { decodeRecord, toApiDocument, type LibraryDocument } from "./records.js";
import type { JobStatus, SearchChunk, SearchResponse } from "./schema.js";
import { hybridSearch, type HybridHit } from "./search.js";
import { rerankHits } from "./rerank.js";
import { precheckDocument } from "./upload.js";

export type SubmitResult =
  | { status: "ready"; documentId: string; document: LibraryDocument }
  | { status: "queued"; documentId: string; jobId: string };

export interface SearchOptions {
  query: string;
  topK: number;
  fileType?: LibraryFileType | undefined;
  documentId?: string | undefined;
  /** Overrides the configured fusion (the eval's experiments). */
  fusion?: Partial<FusionSettings> | undefined;
}

/** A hit with its document's current file name. */
export interface CitedHit extends HybridHit {
  filename: string;
  /** Ordered (and scored) by the reranker rather than by fusion. */
  reranked: boolean;
}

export interface LibraryStats {
  documents: number;
  chunks: number;
  by_type: Record<LibraryFileType, number>;
}

export interface LibraryService {
  /** Same content already there → attached at once; otherwise queued for ingestion. */
  submit(scope: RequestScope, source: DocumentSource, bytes: Uint8Array): Promise<SubmitResult>;
  /** The scope's signal abandons the query embedding (a client gone, chat's retrieval budget spent). */
  search(scope: RequestScope, options: SearchOptions): Promise<SearchResponse>;
  searchHits(scope: RequestScope, options: SearchOptions): Promise<CitedHit[]>;
  listDocuments(scope: RequestScope, page: { limit: number; offset: number }): Promise<{ documents: LibraryDocument[]; total: number }>;
  getDocument(scope: RequestScope, id: string): Promise<LibraryDocument>;
  deleteDocument(scope: RequestScope, id: string): Promise<{ document_id: string; deleted: true; chunks_removed: number }>;
  stats(scope: RequestScope): Promise<LibraryStats>;
  jobStatus(scope: RequestScope, id: string): Promise<JobStatus>;
  /** A source is gone (a deleted drop-folder file): its document goes if nothing else points to it. */
  removeSource(scope: RequestScope, source: DocumentSource): Promise<void>;
  /** Relative paths the library holds (or is ingesting) from the drop folder. */
  dropSources(scope: RequestScope): Promise<string[]>;
  /** Searches served by this process (aggregate, for /metrics). */
  readonly searchesServed: number;
}

const jobOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5000 },
  // Status stays readable for a week after success and a month after failure, then BullMQ trims it.
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
};

export function createLibraryService(parts: LibraryParts): LibraryService {
  const { deps, keys, store, blobs } = parts;
  const jobs = createJobStatusReader(deps.keys);
  let searchesServed = 0;
  const documentMissing = (id: string) => notFound(`No document ${id} in your library`, "document_not_found");

  async function readDocument(redis: Redis, tenant: string, id: string): Promise<LibraryDocument | undefined> {
    const record = await store.read(redis, tenant, id);
    if (record?.state !== "ready") return undefined;
    return toApiDocument(record, await store.sourcesOf(redis, tenant, id));
  }

  async function searchHits(scope: RequestScope, options: SearchOptions): Promise<CitedHit[]> {
    searchesServed += 1;
    const { tenant } = scope;
    const redis = await scope.redis();
    const index = parts.indexFor(redis, tenant);
    // An empty library needs no query embedding (the chat retriever asks on every turn).
    if ((await index.view()).count === 0) return [];
    const [vector] = await deps.embedder.embed([options.query], scope.signal);
    let found = await nameHits(redis, tenant, index, options, vector!);
    // A document replaced after the view was taken has lost its record by the time its name is read;
    // the next view holds its successor. Bounded: a writer replacing it nonstop must not hold the search.
    for (let retry = 0; retry < 2 && found.replaced; retry++) found = await nameHits(redis, tenant, index, options, vector!);
    const { rerank } = deps.config.library;
    const outcome = await rerankHits(deps.reranker, options.query, found.cited, { topN: rerank.topN, logger: scope.logger, signal: scope.signal });
    return outcome.hits.slice(0, options.topK).map((hit) => ({ ...hit, reranked: outcome.reranked }));
  }

  /** Ranks on a fresh view (it also holds whatever was committed while the query was embedded) and names the hits. */
  async function nameHits(redis: Redis, tenant: string, index: VectorIndex, options: SearchOptions, vector: Float32Array): Promise<{ cited: CitedHit[]; replaced: boolean }> {
    const view = await index.view();
    const follower = view.follow(followerName, createLibraryFollower);
    const hits = hybridSearch(view, follower, {
      text: options.query,
      vector,
      topK: options.topK,
      fileType: options.fileType,
      documentId: options.documentId,
      fusion: { ...deps.config.library.fusion, ...options.fusion },
    });
    // A chunk is shown only while its document record exists: that hides chunks a crash orphaned,
    // and it is where the (renamable) file name comes from.
    const documentIds = [...new Set(hits.map((hit) => hit.chunk.document_id))];
    const names = new Map<string, string>();
    if (documentIds.length > 0) {
      const pipeline = redis.pipeline();
      for (const id of documentIds) pipeline.hget(keys.doc(tenant, id), "filename");
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, name], position) => {
        if (error) throw error;
        if (typeof name === "string") names.set(documentIds[position]!, name);
      });
    }
    const wanted = deps.reranker ? Math.max(options.topK, deps.config.library.rerank.topN) : options.topK;
    const cited: CitedHit[] = [];
    const unnamed: string[] = [];
    for (const hit of hits) {
      const filename = names.get(hit.chunk.document_id);
      if (filename === undefined) unnamed.push(hit.id);
      else cited.push({ ...hit, filename, reranked: false });
      if (cited.length === wanted) break;
    }
    if (unnamed.length === 0) return { cited, replaced: false };
    // A crash's orphans stay in the index; a replaced document's chunks are gone from it by now.
    const current = await index.view();
    return { cited, replaced: unnamed.some((id) => current.get(id) === undefined) };
  }

  return {
    async submit(scope, source, bytes) {
      const { tenant } = scope;
      const redis = await scope.redis();
      const key = sourceKey(source);
      const filename = safeFilename(source.origin === "upload" ? source.filename : source.relativePath.split("/").at(-1) ?? "");
      precheckDocument(filename, bytes, deps.config.library.maxUploadBytes);
      const { documentId, contentHash } = await identifyDocument(tenant, bytes);
      const index = parts.indexFor(redis, tenant);
      if ((await store.attach(redis, index, tenant, documentId, key)) === "attached") {
        const document = await readDocument(redis, tenant, documentId);
        // Still embedding (or an earlier job failed midway): a job finishes it, and reports progress.
        if (document && !document.vectors_pending) return { status: "ready", documentId, document };
      }
      const jobId = deps.ids.next();
      const data: IngestJobData = { tenant, documentId, contentHash, source: key, filename, sizeBytes: bytes.length, queuedAt: deps.clock.now() };
      await blobs.put(redis, tenant, jobId, bytes);
      await store.markPending(redis, tenant, key, jobId);
      try {
        await deps.queues.get(libraryIngestQueue, redis).add(ingestJobName, data, { ...jobOptions, jobId });
      } catch (error) {
        await blobs.delete(redis, tenant, jobId);
        await store.clearPending(redis, tenant, key, jobId);
        throw error;
      }
      return { status: "queued", documentId, jobId };
    },

    searchHits,

    async search(scope, options) {
      const hits = await searchHits(scope, options);
      return { chunks: hits.map(toSearchChunk), total: hits.length, query: options.query, reranked: hits.some((hit) => hit.reranked) };
    },

    async listDocuments(scope, page) {
      const { tenant } = scope;
      const redis = await scope.redis();
      const ids = await redis.zrevrange(keys.docs(tenant), page.offset, page.offset + page.limit - 1);
      const pipeline = redis.pipeline().zcard(keys.docs(tenant));
      for (const id of ids) pipeline.hgetall(keys.doc(tenant, id)).smembers(keys.docSources(tenant, id));
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
      const documents: LibraryDocument[] = [];
      ids.forEach((_, position) => {
        const record = decodeRecord(replies[1 + 2 * position]?.[1] as Record<string, string>);
        const sources = replies[2 + 2 * position]?.[1] as string[];
        if (record?.state === "ready") documents.push(toApiDocument(record, sources));
      });
      return { documents, total: Number(replies[0]?.[1] ?? 0) };
    },

    async getDocument(scope, id) {
      const document = await readDocument(await scope.redis(), scope.tenant, id);
      if (!document) throw documentMissing(id);
      return document;
    },

    async deleteDocument(scope, id) {
      const { tenant } = scope;
      const redis = await scope.redis();
      const removed = await store.remove(redis, parts.indexFor(redis, tenant), tenant, id);
      if (removed === undefined) throw documentMissing(id);
      return { document_id: id, deleted: true, chunks_removed: removed };
    },

    async stats(scope) {
      const redis = await scope.redis();
      const [documents, chunks, pdf, txt, md] = await redis.hmget(keys.stats(scope.tenant), "documents", "chunks", "pdf", "txt", "md");
      return { documents: Number(documents ?? 0), chunks: Number(chunks ?? 0), by_type: { pdf: Number(pdf ?? 0), txt: Number(txt ?? 0), md: Number(md ?? 0) } };
    },

    jobStatus: async (scope, id) => jobs.read(await scope.redis(), scope.tenant, id),

    async removeSource(scope, source) {
      const redis = await scope.redis();
      await store.detach(redis, parts.indexFor(redis, scope.tenant), scope.tenant, sourceKey(source));
    },

    async dropSources(scope) {
      const { tenant } = scope;
      const redis = await scope.redis();
      const [mapped, pending] = await Promise.all([redis.hkeys(keys.sources(tenant)), redis.hkeys(keys.pending(tenant))]);
      const paths = new Set([...mapped, ...pending].filter((key) => key.startsWith("drop:")).map((key) => key.slice("drop:".length)));
      return [...paths].sort();
    },

    get searchesServed() {
      return searchesServed;
    },
  };
}

function toSearchChunk(hit: CitedHit): SearchChunk {
  const { chunk } = hit;
  return {
    text: chunk.text,
    score: hit.score,
    document_id: chunk.document_id,
    filename: hit.filename,
    file_type: chunk.file_type,
    page: chunk.page,
    chunk_index: chunk.chunk_index,
    char_start: chunk.char_start,
    char_end: chunk.char_end,
    total_chunks: chunk.total_chunks,
  };
}
