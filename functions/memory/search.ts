/**
 * Memory search: one hybrid ranking (shared/retrieval) over a user's hot memories and, where a cold
 * store exists, their archived ones — BM25 over each memory's message and the message it answered,
 * exact vectors, score-normalized fusion, plus a little of each memory's importance. Pure and
 * synchronous: the service brings an up-to-date replica view, its follower and the query vector.
 */
import { hybridRank, similarityOf, type LexicalRanker, type VectorCandidates } from "../../shared/retrieval/index.js";
import type { VectorIndexView } from "../../shared/vector-index/index.js";
import { coldPrefix, isQuestion, lexicalQuery, type MemoryFollower } from "./lexical.js";

export interface MemoryQuery {
  text: string;
  /** Unit vector of `text`. */
  vector: Float32Array;
  topK: number;
  sessionId?: string | undefined;
  /** Epoch ms, inclusive / exclusive: the time the memory was said. */
  after?: number | undefined;
  before?: number | undefined;
  /** A memory id never to return (the turn being answered). */
  exclude?: string | undefined;
  tier?: "hot" | "cold" | undefined;
}

export interface RankingSettings {
  lexicalWeight: number;
  importanceWeight: number;
}

export interface RankedMemory {
  /** The memory id (without the cold prefix). */
  id: string;
  tier: "hot" | "cold";
  /** Fused score plus importance; orders one query's hits, not comparable across queries. */
  score: number;
  /** Exact (1 + cosine) / 2 of the memory to the query. */
  similarity: number;
  /** BM25 score relative to the query's best lexical hit (0 when not a lexical hit). */
  lexical: number;
}

/**
 * How far a question-shaped memory falls in the vector ranking of a question (on the 0..1 scale).
 * Sentence embeddings put a question next to other questions; on the LoCoMo dev split most misses
 * of dense search were question turns. The similarity reported stays exact.
 */
const questionPenalty = 0.075;

export function rankMemories(view: VectorIndexView, follower: MemoryFollower, query: MemoryQuery, settings: RankingSettings): RankedMemory[] {
  const accept = (id: string) => {
    const meta = follower.meta(id);
    if (!meta) return false;
    if (query.exclude !== undefined && (id === query.exclude || id === coldPrefix + query.exclude)) return false;
    if (query.tier !== undefined && id.startsWith(coldPrefix) !== (query.tier === "cold")) return false;
    if (query.sessionId !== undefined && meta.session !== query.sessionId) return false;
    if (query.after !== undefined && meta.createdAt < query.after) return false;
    if (query.before !== undefined && meta.createdAt >= query.before) return false;
    return true;
  };
  const asking = isQuestion(query.text);
  const exactSimilarity = (id: string, vector: Float32Array): number | undefined => {
    const cold = follower.cold(id);
    if (cold) return similarityOf(cold.record.embedding, vector);
    const entry = view.get(id);
    return entry ? similarityOf(entry.vector, vector) : undefined;
  };
  const ranked = (id: string, similarity: number) => (asking && follower.meta(id)?.question ? similarity - questionPenalty : similarity);

  const lexical: LexicalRanker = { search: (text, options) => follower.bm25.search(lexicalQuery(text), options) };
  const vectors: VectorCandidates = {
    search(vector, topK, filter) {
      // A little deeper than asked, so the question penalty can reorder what it is given.
      const depth = topK + 16;
      const candidates = view.search(vector, { topK: Math.min(depth, 10_000), filter: (id) => filter(id) }).map((match) => ({ id: match.id, similarity: match.similarity }));
      for (const id of follower.coldIds()) {
        if (!filter(id)) continue;
        candidates.push({ id, similarity: similarityOf(follower.cold(id)!.record.embedding, vector) });
      }
      return candidates
        .map((candidate) => ({ id: candidate.id, similarity: ranked(candidate.id, candidate.similarity) }))
        .sort((left, right) => right.similarity - left.similarity || (left.id < right.id ? -1 : 1))
        .slice(0, topK);
    },
    similarity(id, vector) {
      const value = exactSimilarity(id, vector);
      return value === undefined ? undefined : ranked(id, value);
    },
  };

  const hits = hybridRank({ lexical, vectors }, {
    text: query.text,
    vector: query.vector,
    topK: query.topK,
    filter: accept,
    fusion: { method: "normalized", lexicalWeight: settings.lexicalWeight },
  });
  const bestLexical = Math.max(0, ...hits.map((hit) => hit.lexical?.score ?? 0));
  const seen = new Set<string>();
  const results: RankedMemory[] = [];
  for (const hit of hits) {
    const tier = hit.id.startsWith(coldPrefix) ? "cold" : "hot";
    const id = tier === "cold" ? hit.id.slice(coldPrefix.length) : hit.id;
    // Mid-archive a memory can be in both tiers for a moment: it is one memory.
    if (seen.has(id)) continue;
    seen.add(id);
    results.push({
      id,
      tier,
      score: hit.score + settings.importanceWeight * (follower.meta(hit.id)?.importance ?? 0),
      similarity: exactSimilarity(hit.id, query.vector) ?? 0,
      lexical: hit.lexical && bestLexical > 0 ? hit.lexical.score / bestLexical : 0,
    });
  }
  return results.sort((left, right) => right.score - left.score || (left.id < right.id ? -1 : 1));
}
