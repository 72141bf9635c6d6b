/**
 * The keyword half of hybrid search, derived from the vector replica: the replica calls this
 * follower synchronously with every change it applies (and resets it on a reload), so the BM25
 * index always holds exactly the chunks the vectors do — in every process, right after any
 * process's write, with no second source of truth to drift.
 */
import type { VectorFollower } from "../../shared/vector-index/index.js";
import { createBm25Index, type Bm25Index } from "../../shared/retrieval/index.js";
import { decodeChunk, documentIdOf } from "./chunk-data.js";
import { isNavigational } from "./navigation.js";
import type { LibraryFileType } from "./extract.js";

export interface LibraryFollower extends VectorFollower {
  readonly bm25: Bm25Index;
  /** Type of an indexed chunk, for filters; the document id is the chunk id's prefix. */
  fileType(id: string): LibraryFileType | undefined;
  /** A table-of-contents or index chunk (navigation.ts). */
  isNavigational(id: string): boolean;
}

/** Registered under this name on each library replica (see VectorIndexView.follow). */
export const followerName = "library-bm25";

export function createLibraryFollower(): LibraryFollower {
  const bm25 = createBm25Index();
  // Only the type is kept: the text already lives in the replica's data, parsed again for hits only.
  const types = new Map<string, LibraryFileType>();
  const navigational = new Set<string>();
  const forget = (id: string) => {
    bm25.remove(id);
    types.delete(id);
    navigational.delete(id);
  };
  return {
    bm25,
    fileType: (id) => types.get(id),
    isNavigational: (id) => navigational.has(id),
    reset() {
      bm25.clear();
      types.clear();
      navigational.clear();
    },
    upsert(id, data) {
      const chunk = decodeChunk(data);
      // Not a chunk we wrote (or damaged): keep it out of keyword search rather than index noise.
      if (!chunk || chunk.document_id !== documentIdOf(id)) return forget(id);
      bm25.add(id, chunk.section ? `${chunk.section}\n${chunk.text}` : chunk.text);
      types.set(id, chunk.file_type);
      if (isNavigational(chunk.text)) navigational.add(id);
      else navigational.delete(id);
    },
    remove: forget,
  };
}
