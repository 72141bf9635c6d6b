export { createBm25Index, type Bm25Hit, type Bm25Index, type Bm25Options, type Bm25SearchOptions } from "./bm25.js";
export { fuseRankings, fuseScores, type FusedHit, type FuseOptions, type RankedId, type ScoredList } from "./fusion.js";
export {
  candidateDepth,
  createHybridIndex,
  defaultFusion,
  hybridRank,
  similarityOf,
  type FusionMethod,
  type FusionSettings,
  type HybridHit,
  type HybridIndex,
  type HybridQuery,
  type HybridSources,
  type LexicalRanker,
  type RetrievalDocument,
  type VectorCandidates,
} from "./hybrid.js";
export { queryLean, type QueryLean } from "./query-kind.js";
export { lexicalTerms, termGroups, type TermGroup } from "./terms.js";
export { TopK, type ScoredId } from "./top-k.js";
export { stemWord, stemWords } from "./stem.js";
