/**
 * The hybrid retriever shared by the library and memory: BM25 over texts plus exact vector search,
 * fused into one ranking. Pure and synchronous; callers bring the indexes (usually fed by a vector
 * replica's follower) and the query vector.
 *
 * A document may have no vector yet (the library indexes text first and embeds behind): it is
 * ranked by its lexical score alone, and a query without a vector is lexical-only.
 */
import { createBm25Index, type Bm25Index, type Bm25Options } from "./bm25.js";
import { fuseRankings, fuseScores, type FusedHit } from "./fusion.js";
import { queryLean } from "./query-kind.js";
import { lexicalTerms, stopwords, termGroups } from "./terms.js";

export interface RetrievalDocument {
  id: string;
  text: string;
  /** Unit vector; absent while it is still being embedded. */
  vector?: Float32Array | undefined;
}

export type FusionMethod = "rrf" | "normalized";

export interface FusionSettings {
  method: FusionMethod;
  /** Share of the lexical ranking in [0, 1]; the vector ranking gets the rest. */
  lexicalWeight: number;
  /** The lexical share for a quoted phrase or an identifier-looking query (see query-kind.ts). */
  exactLexicalWeight: number;
  /**
   * Added to the fused score (before rescaling to [0, 1]) of a document holding the query's terms
   * in order, for queries of 3+ terms: the passage someone quotes or paraphrases word for word.
   */
  phraseBonus: number;
  /**
   * `normalized` only: min-max the vector scores over the vector candidates alone, so lexical hits
   * appended after them (their similarity is lower) score 0 there instead of pulling the floor down
   * and flattening the candidates' differences (memory: LoCoMo dev recall@10 .784 → .805).
   */
  candidateFloor?: boolean | undefined;
}

/** Rank fusion with equal weights: the neutral starting point; callers pass tuned settings. */
export const defaultFusion: FusionSettings = { method: "rrf", lexicalWeight: 0.5, exactLexicalWeight: 0.5, phraseBonus: 0 };

export interface LexicalRanker {
  search(query: string, options: { topK: number; filter?: (id: string) => boolean }): { id: string; score: number }[];
}

export interface VectorCandidates {
  /** The `topK` closest accepted vectors, best first; similarity is (1 + cosine) / 2. */
  search(vector: Float32Array, topK: number, filter: (id: string) => boolean): { id: string; similarity: number }[];
  /** Exact similarity of one id to `vector`; undefined when the id has no vector. */
  similarity(id: string, vector: Float32Array): number | undefined;
}

export interface HybridQuery {
  text: string;
  /** Unit vector of `text`; without it the ranking is lexical only. */
  vector?: Float32Array | undefined;
  topK: number;
  /** Applied before ranking in both retrievers. */
  filter?: ((id: string) => boolean) | undefined;
  fusion?: Partial<FusionSettings> | undefined;
  /**
   * A multiplier in [0, 1] on a document's fused score: a prior belief about it regardless of the
   * query (the library demotes tables of contents and indexes; memory may weigh importance).
   */
  prior?: ((id: string) => number) | undefined;
}

export interface HybridSources {
  lexical: LexicalRanker;
  vectors?: VectorCandidates | undefined;
  /** A document's indexed text; enables the phrase bonus. */
  textOf?: ((id: string) => string | undefined) | undefined;
}

export interface HybridHit {
  id: string;
  /** In [0, 1]; orders hits within one query only (see fusion.ts). */
  score: number;
  /** BM25 rank (1-based) and score; null when not a lexical candidate. */
  lexical: { rank: number; score: number } | null;
  /** Vector rank and similarity; null when the document has no vector or the query none. */
  vector: { rank: number; similarity: number } | null;
}

/**
 * How many candidates each retriever contributes. Deep enough that a chunk holding an exact rare
 * term, ranked first by BM25 but far down by the embedding, is still in both lists and wins.
 */
export const candidateDepth = (topK: number) => Math.max(50, 4 * topK);

/** Every fused candidate, best first (more than topK: callers may drop some after ranking). */
export function hybridRank(sources: HybridSources, query: HybridQuery): HybridHit[] {
  const fusion = { ...defaultFusion, ...query.fusion };
  const depth = candidateDepth(query.topK);
  const accept = query.filter ?? (() => true);
  const lexicalHits = sources.lexical.search(query.text, { topK: depth, filter: accept });
  const vectors = query.vector === undefined ? undefined : sources.vectors;
  const { ranking: vectorRanking, floor: candidateFloor } = vectors ? vectorCandidates(vectors, query.vector!, depth, accept, lexicalHits) : { ranking: [], floor: undefined };

  const requested = queryLean(query.text) === undefined ? fusion.lexicalWeight : fusion.exactLexicalWeight;
  const lexicalWeight = vectorRanking.length === 0 ? 1 : Math.min(1, Math.max(0, requested));
  const fused: FusedHit[] =
    fusion.method === "rrf"
      ? fuseRankings([lexicalHits, vectorRanking], { weights: [lexicalWeight, 1 - lexicalWeight] })
      : fuseScores([
          { hits: lexicalHits, weight: lexicalWeight, normalize: "max" },
          {
            hits: vectorRanking.map((hit) => ({ id: hit.id, score: hit.similarity })),
            weight: 1 - lexicalWeight,
            normalize: "minmax",
            floor: fusion.candidateFloor ? candidateFloor : undefined,
          },
        ]);

  const lexicalScore = new Map(lexicalHits.map((hit) => [hit.id, hit.score]));
  const similarity = new Map(vectorRanking.map((hit) => [hit.id, hit.similarity]));
  const phrase = fusion.phraseBonus > 0 && sources.textOf ? phraseMatcher(query.text) : undefined;
  const hits = fused.map((hit): HybridHit => {
    const [lexicalRank, vectorRank] = hit.ranks;
    let score = hit.score;
    // Only lexical candidates can hold every query term, so only they are read.
    if (phrase && lexicalRank != null && phrase(sources.textOf!(hit.id))) score += fusion.phraseBonus;
    score = (score / (1 + Math.max(0, fusion.phraseBonus))) * (query.prior ? clampUnit(query.prior(hit.id)) : 1);
    return {
      id: hit.id,
      score,
      lexical: lexicalRank == null ? null : { rank: lexicalRank, score: lexicalScore.get(hit.id)! },
      vector: vectorRank == null ? null : { rank: vectorRank, similarity: similarity.get(hit.id)! },
    };
  });
  // Fusion's order already breaks ties deterministically; a stable sort keeps it among equals.
  return hits.sort((left, right) => right.score - left.score);
}

const clampUnit = (value: number) => (value >= 1 ? 1 : value > 0 ? value : 0);

/**
 * Whether a text holds the query's words consecutively, as the tokenizer would see them: any
 * punctuation and stopwords may stand between two words. One regular expression per query, because
 * tokenizing every candidate's text cost 25–50 ms per search on a loaded machine.
 */
function phraseMatcher(query: string): ((text: string | undefined) => boolean) | undefined {
  if (lexicalTerms(query).length < 3) return undefined;
  const gap = `[^\\p{L}\\p{N}]+(?:(?:${[...stopwords].join("|")})[^\\p{L}\\p{N}]+)*`;
  const words = termGroups(query).map((group) => (group.whole === undefined ? group.parts.map(escapeRegExp).join(gap) : escapeRegExp(group.whole)));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${words.join(gap)}(?![\\p{L}\\p{N}])`, "iu");
  return (text) => text !== undefined && pattern.test(text);
}

// Only what is special outside a class: the "u" flag rejects needless escapes such as "\-".
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The vector ranking. Lexical hits beyond the vector candidates still get their exact similarity
 * and a rank after every candidate (their true rank is no better), so fusion never treats them as
 * unranked; documents without a vector stay out of it.
 */
function vectorCandidates(
  vectors: VectorCandidates,
  vector: Float32Array,
  depth: number,
  accept: (id: string) => boolean,
  lexicalHits: readonly { id: string }[],
): { ranking: { id: string; similarity: number }[]; floor: number | undefined } {
  const matches = vectors.search(vector, depth, accept);
  const seen = new Set(matches.map((match) => match.id));
  const extra: { id: string; similarity: number }[] = [];
  for (const hit of lexicalHits) {
    if (seen.has(hit.id)) continue;
    const value = vectors.similarity(hit.id, vector);
    if (value !== undefined) extra.push({ id: hit.id, similarity: value });
  }
  extra.sort((left, right) => right.similarity - left.similarity || (left.id < right.id ? -1 : 1));
  return { ranking: [...matches, ...extra], floor: matches.at(-1)?.similarity };
}

/** (1 + cosine) / 2 of two unit vectors, clamped to [0, 1]. */
export function similarityOf(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * (right[index] ?? 0);
  return Math.min(1, Math.max(0, (1 + sum) / 2));
}

/** A self-contained hybrid index over documents held in memory (exact vector scan). */
export interface HybridIndex {
  upsert(document: RetrievalDocument): void;
  remove(id: string): boolean;
  clear(): void;
  has(id: string): boolean;
  readonly size: number;
  readonly lexical: Bm25Index;
  readonly vectors: VectorCandidates;
  search(query: HybridQuery): HybridHit[];
}

export function createHybridIndex(options: Bm25Options = {}): HybridIndex {
  const lexical = createBm25Index(options);
  const stored = new Map<string, Float32Array>();
  const texts = new Map<string, string>();
  const vectors: VectorCandidates = {
    search(vector, topK, filter) {
      const scored: { id: string; similarity: number }[] = [];
      for (const [id, entry] of stored) if (filter(id)) scored.push({ id, similarity: similarityOf(entry, vector) });
      scored.sort((left, right) => right.similarity - left.similarity || (left.id < right.id ? -1 : 1));
      return scored.slice(0, topK);
    },
    similarity(id, vector) {
      const entry = stored.get(id);
      return entry === undefined ? undefined : similarityOf(entry, vector);
    },
  };
  return {
    upsert(document) {
      lexical.add(document.id, document.text);
      texts.set(document.id, document.text);
      if (document.vector) stored.set(document.id, document.vector);
      else stored.delete(document.id);
    },
    remove(id) {
      stored.delete(id);
      texts.delete(id);
      return lexical.remove(id);
    },
    clear() {
      lexical.clear();
      stored.clear();
      texts.clear();
    },
    has: (id) => lexical.has(id),
    get size() {
      return lexical.size;
    },
    lexical,
    vectors,
    search: (query) => hybridRank({ lexical, vectors, textOf: (id) => texts.get(id) }, query),
  };
}
