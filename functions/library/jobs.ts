/**
 * The ingestion job: bytes → pages → chunks → one atomic keyword-searchable commit → vectors
 * filled in behind (progressive.ts). BullMQ only runs it.
 * A user's mistake (corrupt, encrypted or empty file) fails at once and for good, with its code in
 * the job's progress for `GET /library/jobs/:id`; anything else (Redis, the embedder) is retried.
 * Nothing is written before the commit, and the commit is all-or-nothing, so a failed job leaves
 * nothing half-ingested: before the commit nothing is visible, after it the whole document is
 * (keyword-searchable, then hybrid as its vectors arrive). A job interrupted by a restart is resumed,
 * however often, until it is done or LIBRARY_INGEST_DEADLINE_MS after its upload; a job that fails
 * leaves no pending marker and no upload copy.
 */
import { UnrecoverableError, type Job } from "bullmq";
import type { JobSpec } from "../http-function.js";
import { libraryIngestQueue } from "./queue.js";
import type { Redis } from "ioredis";
import { z } from "zod";
import { AppError, isAppError } from "../../shared/errors.js";
import { tenantPattern } from "../../shared/tenant.js";
import { withRedis } from "../platform.js";
import { chunkDocument, type Chunk, type ChunkablePage } from "./chunk.js";
import type { LibraryParts } from "./parts.js";
import { identifyDocument } from "./document-id.js";
import { extractDocument } from "./extract.js";
import { chunkUpserts, fillVectorsBehind, placeholderVector } from "./progressive.js";
import { documentIdPattern, limits, type IngestProgress } from "./schema.js";
import { sectionPaths } from "./sections.js";

export const ingestJobName = "ingest";

/** What the service queues (service.ts), checked again: the data lives in Redis, which others may write. */
export const ingestJobSchema = z.object({
  tenant: z.string().regex(tenantPattern),
  documentId: z.string().regex(documentIdPattern),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  // `upload:<file name>` or `drop:<relative path>` (see document-id.ts); no file system allows a longer path.
  source: z.string().regex(/^(?:upload|drop):./).max(4096),
  // safeFilename allows at most 255 bytes, so at most 255 characters.
  filename: z.string().min(1).max(255),
  sizeBytes: z.number().int().nonnegative(),
  /** When it was queued, on the injected clock (the deadline's start); absent in jobs queued before it existed. */
  queuedAt: z.number().int().nonnegative().optional(),
});

export type IngestJobData = z.output<typeof ingestJobSchema>;

export interface IngestResult {
  document_id: string;
  outcome: "ingested" | "attached" | "superseded";
  chunks: number;
}

const failure = (code: string, detail: string) => new AppError({ code, status: 422, title: "Ingestion Failed", detail });

/**
 * `library-ingest`: one at a time, since one document's chunks already keep every embedding
 * thread busy (and duplicate uploads become a cheap "attach" when run in order). Resumed after
 * any number of restarts: the job's own deadline (LIBRARY_INGEST_DEADLINE_MS) bounds it.
 */
export function createIngestJob(parts: LibraryParts): JobSpec<IngestJobData> {
  return { queue: libraryIngestQueue, schema: ingestJobSchema, concurrency: 1, maxStalledCount: 1_000_000, process: (data, job, signal) => runIngestJob(parts, data, job, signal) };
}

async function runIngestJob(parts: LibraryParts, data: IngestJobData, job: Job<IngestJobData, IngestResult>, signal: AbortSignal | undefined): Promise<IngestResult> {
  const { deps } = parts;
  const progress: IngestProgress = { stage: "extracting", pages: null, chunks_searchable: 0, chunks_done: 0, chunks_total: 0 };
  return withRedis(deps.redis, async (redis) => {
    try {
      // Restarts resume a job (see maxStalledCount) until its own deadline, counted from the upload
      // (BullMQ's own wall-clock stamp only for jobs queued before they carried the time).
      if (deps.clock.now() - (data.queuedAt ?? job.timestamp) > deps.config.library.ingestDeadlineMs) {
        throw failure("ingest_deadline", `"${data.filename}" could not be ingested within ${deps.config.library.ingestDeadlineMs} ms of its upload (LIBRARY_INGEST_DEADLINE_MS); upload it again`);
      }
      return await ingest(parts, redis, job, data, progress, signal);
    } catch (error) {
      // Stopped by shutdown: not a failure; the worker puts the job back and the next start resumes it.
      if (signal?.aborted) throw error;
      throw await recordFailure(parts, redis, job, data, progress, error);
    }
  });
}

async function ingest(
  parts: LibraryParts,
  redis: Redis,
  job: Job<IngestJobData, IngestResult>,
  data: IngestJobData,
  progress: IngestProgress,
  signal: AbortSignal | undefined,
): Promise<IngestResult> {
  const { deps, store, blobs } = parts;
  const jobId = job.id ?? "";
  const index = parts.indexFor(redis, data.tenant);
  const finish = async (outcome: IngestResult["outcome"]): Promise<IngestResult> => {
    await blobs.delete(redis, data.tenant, jobId);
    await job.updateProgress({ ...progress, stage: outcome === "superseded" ? "superseded" : "completed" });
    if (outcome === "ingested") {
      await redis.multi().hincrby(parts.metricsKey, "documents_ingested", 1).hincrby(parts.metricsKey, "chunks_indexed", progress.chunks_total).exec();
    }
    return { document_id: data.documentId, outcome, chunks: progress.chunks_total };
  };

  // The same bytes may have been ingested since this job was queued (a double upload, a rename):
  // pointing the source at that document is all there is to do — unless its vectors were never
  // all filled in (an earlier job failed after the keyword commit, or this one was interrupted
  // after its own and is resumed), which this job then finishes.
  const attached = await store.attach(redis, index, data.tenant, data.documentId, data.source, jobId);
  const existing = attached === "missing" ? undefined : await store.read(redis, data.tenant, data.documentId);
  if (attached !== "missing" && (attached === "superseded" || !existing?.vectorsPending)) {
    progress.pages = existing?.pages ?? null;
    progress.chunks_done = progress.chunks_searchable = progress.chunks_total = existing?.chunks ?? 0;
    return finish(attached);
  }

  await job.updateProgress(progress);
  const bytes = await blobs.get(redis, data.tenant, jobId);
  if (!bytes) throw failure("upload_expired", "The uploaded bytes expired before the job ran; upload the file again");
  const identity = await identifyDocument(data.tenant, bytes);
  if (identity.documentId !== data.documentId) throw failure("upload_mismatch", "The stored upload does not match its document id; upload the file again");

  const extracted = await extractDocument(
    { filename: data.filename, bytes, maxBytes: deps.config.library.maxUploadBytes, pdfBudget: deps.config.library.pdfBudget },
    deps.extractPdf,
  );
  progress.pages = extracted.fileType === "pdf" ? extracted.pages.length : null;
  const chunks = await chunkWithPauses(extracted.pages);
  if (chunks.length === 0) throw failure("no_text", `"${data.filename}" has no text to index`);
  if (chunks.length > limits.chunksPerDocument) {
    throw failure("document_too_large", `"${data.filename}" makes ${chunks.length} chunks; one document may have at most ${limits.chunksPerDocument}`);
  }
  const document = { documentId: data.documentId, fileType: extracted.fileType, chunks, sections: sectionPaths(extracted.pages, chunks, extracted.fileType === "md") };
  progress.chunks_total = chunks.length;

  let outcome: IngestResult["outcome"] = "attached";
  if (attached === "missing") {
    // Keyword-searchable now: one commit with placeholder vectors, the real ones follow.
    progress.stage = "indexing";
    await job.updateProgress(progress);
    // A remote embedder learns its dimension from its first answer; the placeholders need it.
    if (deps.embedder.dimension === 0) await deps.embedder.embed([chunks[0]!.text], signal);
    outcome = await store.commit(
      redis,
      index,
      data.tenant,
      {
        documentId: data.documentId,
        contentHash: identity.contentHash,
        source: data.source,
        fileType: extracted.fileType,
        sizeBytes: bytes.length,
        pages: progress.pages,
        chunks: chunkUpserts(document, { placeholder: placeholderVector(deps.embedder.dimension) }),
        vectorsPending: true,
      },
      jobId,
    );
    if (outcome !== "ingested") return finish(outcome);
  }
  progress.chunks_searchable = chunks.length;
  progress.stage = "embedding";
  await job.updateProgress(progress);
  const filled = await fillVectorsBehind(parts, redis, index, job, data.tenant, document, progress, signal);
  return finish(filled ? outcome : "superseded");
}

/**
 * Puts the error where job status can show it and decides whether BullMQ retries. Only an AppError
 * a user can act on is shown verbatim; anything else is described without internals (the log has
 * the details).
 */
async function recordFailure(
  parts: LibraryParts,
  redis: Redis,
  job: Job<IngestJobData, IngestResult>,
  data: IngestJobData,
  progress: IngestProgress,
  error: unknown,
): Promise<unknown> {
  const userError = isAppError(error) && error.status < 500;
  const retryable = !userError && !(error instanceof UnrecoverableError);
  const final = !retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const shown =
    isAppError(error) && error.expose
      ? { code: error.code, message: error.message }
      : { code: "ingest_failed", message: "Ingestion failed unexpectedly; the worker log has the details" };
  const logger = parts.deps.logger.child({ queue: job.queueName, jobId: job.id, tenant: data.tenant });
  try {
    await job.updateProgress({ ...progress, stage: final ? "failed" : progress.stage, error: shown });
    if (final) {
      // Keyword-searchable but never to be embedded: take it back out, so a failed job leaves nothing.
      if ((await parts.store.read(redis, data.tenant, data.documentId))?.vectorsPending) {
        await parts.store.remove(redis, parts.indexFor(redis, data.tenant), data.tenant, data.documentId);
      }
      await parts.blobs.delete(redis, data.tenant, job.id ?? "");
      await parts.store.clearPending(redis, data.tenant, data.source, job.id ?? "");
      await redis.hincrby(parts.metricsKey, "ingest_failures", 1);
    }
  } catch (cleanupError) {
    // Redis itself may be what failed; the original error is the one worth reporting.
    logger.warn("library_ingest_cleanup_failed", { error: cleanupError });
  }
  if (userError) {
    logger.info("library_ingest_rejected", { code: shown.code, detail: shown.message });
    return new UnrecoverableError(shown.message);
  }
  logger.error("library_ingest_failed", { error, final });
  return error;
}

/**
 * chunkDocument page by page (chunks never cross pages, so the result is the same), letting the
 * event loop run every ~20 ms: 500 pages take ~0.3 s, which HTTP sharing the process should not wait.
 */
async function chunkWithPauses(pages: readonly ChunkablePage[]): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  let sliceStarted = performance.now();
  for (const page of pages) {
    for (const chunk of chunkDocument([page])) chunks.push({ ...chunk, index: chunks.length });
    if (performance.now() - sliceStarted > 20) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      sliceStarted = performance.now();
    }
  }
  return chunks;
}
