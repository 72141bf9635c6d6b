/**
 * Hybrid ranking over one synchronous replica view: BM25 and exact vector search, fused with RRF.
 * Pure (no I/O): the service brings the view, the query vector and the follower.
 */
import type { VectorIndexView } from "../../shared/vector-index/index.js";
import { decodeChunk, documentIdOf, type StoredChunk } from "./chunk-data.js";
import type { LibraryFileType } from "./extract.js";
import { fuseRankings } from "./fusion.js";
import type { LibraryFollower } from "./follower.js";

export interface HybridQuery {
  text: string;
  /** Unit vector of `text` from the collection's embedder. */
  vector: Float32Array;
  topK: number;
  fileType?: LibraryFileType | undefined;
  documentId?: string | undefined;
}

export interface HybridHit {
  id: string;
  /** Normalized RRF in (0, 1]; orders hits within one query only (see fusion.ts). */
  score: number;
  /** (1 + cosine) / 2 of this chunk to the query, whichever retriever found it. */
  similarity: number;
  /** 1-based rank in each ranking; null where the chunk was not a candidate. */
  ranks: { bm25: number | null; vector: number | null };
  chunk: StoredChunk;
}

/**
 * How many candidates each retriever contributes. Deep enough that a chunk holding an exact rare
 * term, ranked first by BM25 but far down by the embedding, is still in both lists and wins.
 */
export const candidateDepth = (topK: number) => Math.max(50, 4 * topK);

/** Every fused candidate, best first (more than topK: the caller drops hits of vanished documents). */
export function hybridSearch(view: VectorIndexView, follower: LibraryFollower, query: HybridQuery): HybridHit[] {
  const depth = candidateDepth(query.topK);
  const accept = (id: string) =>
    (query.documentId === undefined || documentIdOf(id) === query.documentId) &&
    (query.fileType === undefined || follower.fileType(id) === query.fileType);

  const vectorMatches = view.search(query.vector, { topK: depth, filter: (id) => accept(id) });
  const keywordHits = follower.bm25.search(query.text, { topK: depth, filter: accept });

  const similarity = new Map<string, number>();
  const data = new Map<string, string | undefined>();
  for (const match of vectorMatches) {
    similarity.set(match.id, match.similarity);
    data.set(match.id, match.data);
  }
  // Keyword hits beyond the vector candidates still get an exact similarity and a vector rank
  // after every candidate (their true rank is no better), so fusion never treats them as unranked.
  const extra: { id: string; similarity: number }[] = [];
  for (const hit of keywordHits) {
    if (similarity.has(hit.id)) continue;
    const entry = view.get(hit.id);
    if (!entry) continue;
    const value = Math.min(1, Math.max(0, (1 + dot(entry.vector, query.vector)) / 2));
    similarity.set(hit.id, value);
    data.set(hit.id, entry.data);
    extra.push({ id: hit.id, similarity: value });
  }
  extra.sort((left, right) => right.similarity - left.similarity || (left.id < right.id ? -1 : 1));
  const vectorRanking = [...vectorMatches.map((match) => ({ id: match.id })), ...extra];

  const hits: HybridHit[] = [];
  for (const fused of fuseRankings([keywordHits, vectorRanking])) {
    const chunk = decodeChunk(data.get(fused.id));
    if (!chunk) continue;
    hits.push({
      id: fused.id,
      score: fused.score,
      similarity: similarity.get(fused.id) ?? 0,
      ranks: { bm25: fused.ranks[0] ?? null, vector: fused.ranks[1] ?? null },
      chunk,
    });
  }
  return hits;
}

function dot(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * (right[index] ?? 0);
  return sum;
}
