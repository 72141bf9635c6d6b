/**
 * Hybrid ranking of library chunks over one synchronous replica view, through the shared retriever
 * (shared/retrieval): BM25 from the view's follower, exact vectors from the view itself.
 * Pure (no I/O): the service brings the view, the query vector and the follower.
 */
import { hybridRank, similarityOf, type FusionSettings, type VectorCandidates } from "../../shared/retrieval/index.js";
import type { VectorIndexView } from "../../shared/vector-index/index.js";
import { decodeChunk, documentIdOf, type StoredChunk } from "./chunk-data.js";
import type { LibraryFileType } from "./extract.js";
import type { LibraryFollower } from "./follower.js";
import { navigationPrior } from "./navigation.js";

export interface HybridQuery {
  text: string;
  /** Unit vector of `text` from the collection's embedder. */
  vector: Float32Array;
  topK: number;
  fileType?: LibraryFileType | undefined;
  documentId?: string | undefined;
  fusion?: Partial<FusionSettings> | undefined;
}

export interface HybridHit {
  id: string;
  /** Fused score in [0, 1]; orders hits within one query only (see shared/retrieval/fusion.ts). */
  score: number;
  /** (1 + cosine) / 2 of this chunk to the query, whichever retriever found it. */
  similarity: number;
  /** 1-based rank in each ranking; null where the chunk was not a candidate. */
  ranks: { bm25: number | null; vector: number | null };
  chunk: StoredChunk;
}

/** Every fused candidate, best first (more than topK: the caller drops hits of vanished documents). */
export function hybridSearch(view: VectorIndexView, follower: LibraryFollower, query: HybridQuery): HybridHit[] {
  const accept = (id: string) =>
    (query.documentId === undefined || documentIdOf(id) === query.documentId) &&
    (query.fileType === undefined || follower.fileType(id) === query.fileType);

  // Hits carry the replica's data (the chunk); remember it so a hit costs no second lookup.
  const data = new Map<string, string | undefined>();
  const vectors: VectorCandidates = {
    search(vector, topK, filter) {
      const matches = view.search(vector, { topK, filter: (id) => filter(id) });
      for (const match of matches) data.set(match.id, match.data);
      return matches;
    },
    similarity(id, vector) {
      const entry = view.get(id);
      if (!entry) return undefined;
      data.set(id, entry.data);
      return similarityOf(entry.vector, vector);
    },
  };

  const hits: HybridHit[] = [];
  const chunkOf = (id: string) => {
    if (!data.has(id)) data.set(id, view.get(id)?.data);
    return decodeChunk(data.get(id));
  };
  const ranked = hybridRank(
    { lexical: follower.bm25, vectors, textOf: (id) => chunkOf(id)?.text },
    { ...query, filter: accept, prior: (id) => (follower.isNavigational(id) ? navigationPrior : 1) },
  );
  for (const fused of ranked) {
    const chunk = chunkOf(fused.id);
    if (!chunk) continue;
    hits.push({
      id: fused.id,
      score: fused.score,
      similarity: fused.vector?.similarity ?? 0,
      ranks: { bm25: fused.lexical?.rank ?? null, vector: fused.vector?.rank ?? null },
      chunk,
    });
  }
  return hits;
}
