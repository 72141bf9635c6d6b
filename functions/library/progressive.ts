/**
 * Progressive ingestion: a document is committed for keyword search as soon as it is chunked, with
 * a placeholder vector per chunk (marked `vector_pending`, never a vector-search candidate), and
 * its real vectors are filled in behind, a batch about every second. Search is hybrid where
 * vectors exist and lexical elsewhere throughout, and every write goes through the store's lock,
 * so a document deleted or replaced meanwhile never gets chunks back.
 */
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { VectorIndex, VectorUpsert } from "../../shared/vector-index/index.js";
import { chunkId, encodeChunk, type StoredChunk } from "./chunk-data.js";
import type { Chunk } from "./chunk.js";
import type { LibraryParts } from "./parts.js";
import { embedInBatches } from "./embed-batches.js";
import type { LibraryFileType } from "./extract.js";
import type { IngestProgress } from "./schema.js";

/** A unit vector (the index normalizes and checks dimensions); what it points at never matters. */
export function placeholderVector(dimension: number): Float32Array {
  const vector = new Float32Array(dimension);
  vector[0] = 1;
  return vector;
}

export interface DocumentChunks {
  documentId: string;
  fileType: LibraryFileType;
  chunks: readonly Chunk[];
  sections: readonly string[];
}

/** The index entries of chunks [from, from + vectors.length), or of all with placeholders. */
export function chunkUpserts(document: DocumentChunks, vectors: readonly Float32Array[] | { placeholder: Float32Array }, from = 0): VectorUpsert[] {
  const count = Array.isArray(vectors) ? vectors.length : document.chunks.length;
  return Array.from({ length: count }, (_, offset) => {
    const chunk = document.chunks[from + offset]!;
    const stored: StoredChunk = {
      document_id: document.documentId,
      file_type: document.fileType,
      page: chunk.page,
      chunk_index: chunk.index,
      char_start: chunk.charStart,
      char_end: chunk.charEnd,
      total_chunks: document.chunks.length,
      text: chunk.text,
      ...(document.sections[from + offset] ? { section: document.sections[from + offset] } : {}),
      ...(Array.isArray(vectors) ? {} : { vector_pending: true as const }),
    };
    const vector = Array.isArray(vectors) ? (vectors as readonly Float32Array[])[offset]! : (vectors as { placeholder: Float32Array }).placeholder;
    return { id: chunkId(document.documentId, chunk.index), vector, data: encodeChunk(stored) };
  });
}

/** Thrown out of the embedding loop when the document is no longer there to fill. */
class DocumentGone extends Error {}

/**
 * Embeds the chunks and fills their vectors in; false when the document went away meanwhile
 * (the job then ends `superseded`, having written nothing for it).
 */
export async function fillVectorsBehind(
  parts: LibraryParts,
  redis: Redis,
  index: VectorIndex,
  job: Job,
  tenant: string,
  document: DocumentChunks,
  progress: IngestProgress,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const { deps, store } = parts;
  const total = document.chunks.length;
  let filled = 0;
  let filledAt = deps.clock.now();
  try {
    await embedInBatches(deps.embedder, document.chunks.map((chunk) => chunk.text), {
      signal,
      fixedBatchSize: deps.embedBatchSize,
      onProgress: async (done, vectors) => {
        progress.chunks_done = done;
        // Each fill is a locked write and a replicated change: about one a second is plenty.
        if (deps.clock.now() - filledAt < 1000 && done < total) return;
        const last = done === total;
        if (!(await store.fillVectors(redis, index, tenant, document.documentId, chunkUpserts(document, vectors.slice(filled, done), filled), last))) {
          throw new DocumentGone();
        }
        filled = done;
        filledAt = deps.clock.now();
        await job.updateProgress(progress);
      },
    });
  } catch (error) {
    if (error instanceof DocumentGone) return false;
    throw error;
  }
  return true;
}
