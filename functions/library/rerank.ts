/**
 * The optional last stage of library search: the fused top N re-scored by the pool's cross-encoder
 * (RERANK_MODEL). Within its time budget or not at all — on any failure the fused order stands,
 * and search answers as if no reranker were configured.
 */
import type { Logger } from "../../shared/logger.js";
import type { Reranker } from "../../shared/retrieval/index.js";

export interface RerankOutcome<T> {
  hits: T[];
  reranked: boolean;
}

export async function rerankHits<T extends { score: number; chunk: { text: string } }>(
  reranker: Reranker | undefined,
  query: string,
  hits: readonly T[],
  options: { topN: number; logger: Logger; signal?: AbortSignal | undefined },
): Promise<RerankOutcome<T>> {
  const head = hits.slice(0, options.topN);
  if (!reranker || head.length < 2) return { hits: [...hits], reranked: false };
  let scores: number[];
  try {
    scores = await reranker.rerank(query, head.map((hit) => hit.chunk.text), options.signal);
  } catch (error) {
    // The caller going away is not the reranker's fault and needs no warning.
    if (!options.signal?.aborted) options.logger.warn("library_rerank_skipped", { model: reranker.model, error });
    return { hits: [...hits], reranked: false };
  }
  // Cross-encoder scores are what the order now means; the fused order breaks their ties.
  const rescored = head
    .map((hit, position) => ({ hit: { ...hit, score: clampUnit(scores[position]!) }, position, relevance: scores[position]! }))
    .sort((left, right) => right.relevance - left.relevance || left.position - right.position)
    .map((entry) => entry.hit);
  return { hits: [...rescored, ...hits.slice(head.length).map((hit) => ({ ...hit, score: 0 }))], reranked: true };
}

const clampUnit = (value: number) => (value >= 1 ? 1 : value > 0 ? value : 0);
