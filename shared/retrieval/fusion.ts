/**
 * How the lexical and vector rankings of one query become one.
 *
 * - `rrf` — weighted reciprocal rank fusion (Cormack et al., 2009): each ranking contributes
 *   weight / (k + rank), rank 1-based. Rank-only, so it needs no calibration, but a hit that is
 *   middling in both rankings can beat one ranking's clear winner.
 * - `normalized` — a convex combination of scores normalized per query (Bruch et al., 2023, "An
 *   Analysis of Fusion Functions for Hybrid Retrieval"): lexical score / the query's best lexical
 *   score, vector similarity min-max scaled over the candidates. A decisive BM25 winner keeps its
 *   margin instead of being flattened to "rank 1".
 *
 * `score` is in [0, 1] for both: 1 means "the best possible in every ranking" (weights summed). It
 * orders results within one query; it is not a similarity and not comparable across queries.
 */

export interface RankedId {
  id: string;
}

export interface FusedHit {
  id: string;
  /** In [0, 1]; see the module comment. */
  score: number;
  /** The unnormalized fused value (RRF sum, or weighted score sum). */
  rrf: number;
  /** 1-based rank in each input list, null where absent — shows which retriever found it. */
  ranks: (number | null)[];
}

export interface FuseOptions {
  /** Dampens the head of each list; 60 is the value from the original paper. */
  k?: number;
  topK?: number;
  /** One weight per list (default 1 each). */
  weights?: readonly number[];
}

export function fuseRankings(lists: readonly (readonly RankedId[])[], options: FuseOptions = {}): FusedHit[] {
  const k = options.k ?? 60;
  if (!(k >= 0)) throw new RangeError("k must be >= 0");
  const weights = lists.map((_, index) => options.weights?.[index] ?? 1);
  const maximum = weights.reduce((sum, weight) => sum + weight, 0) / (k + 1);
  return fuse(lists, (listIndex, position) => weights[listIndex]! / (k + position + 1), maximum, options.topK);
}

export interface ScoredList {
  /** Best first; each hit's score from its own retriever. */
  hits: readonly { id: string; score: number }[];
  weight: number;
  /** `max`: score / best score (BM25, whose floor is 0); `minmax`: scaled to [0, 1] over the list. */
  normalize: "max" | "minmax";
  /** `minmax` with a given floor: scores at or below it normalize to 0. */
  floor?: number | undefined;
}

/** The `normalized` method: Σ weight × normalized score, over lists given best first. */
export function fuseScores(lists: readonly ScoredList[], options: { topK?: number } = {}): FusedHit[] {
  const totalWeight = lists.reduce((sum, list) => sum + list.weight, 0);
  const scales = lists.map((list) => {
    const scores = list.hits.map((hit) => hit.score);
    const best = Math.max(...scores);
    const floor = list.normalize === "max" ? 0 : (list.floor ?? Math.min(...scores));
    return { floor, span: best - floor };
  });
  const contribution = (listIndex: number, position: number) => {
    const list = lists[listIndex]!;
    const { floor, span } = scales[listIndex]!;
    // A list whose hits all score alike says nothing about their order: each gets the full share.
    const normalized = span > 0 ? Math.max(0, (list.hits[position]!.score - floor) / span) : 1;
    return list.weight * normalized;
  };
  return fuse(lists.map((list) => list.hits), contribution, totalWeight, options.topK);
}

/**
 * What both methods share: every list adds `contribution` to each hit it holds (an id repeated
 * within one list counts once, at its best rank); `score` is the sum over the best possible sum.
 */
function fuse(
  lists: readonly (readonly RankedId[])[],
  contribution: (listIndex: number, position: number) => number,
  maximum: number,
  topK: number | undefined,
): FusedHit[] {
  const fused = new Map<string, FusedHit>();
  lists.forEach((list, listIndex) => {
    list.forEach(({ id }, position) => {
      let hit = fused.get(id);
      if (!hit) {
        hit = { id, score: 0, rrf: 0, ranks: lists.map(() => null) };
        fused.set(id, hit);
      }
      if (hit.ranks[listIndex] !== null) return;
      hit.ranks[listIndex] = position + 1;
      hit.rrf += contribution(listIndex, position);
    });
  });
  const hits = [...fused.values()];
  for (const hit of hits) hit.score = maximum > 0 ? Math.min(1, hit.rrf / maximum) : 0;
  hits.sort(compareFused);
  return topK === undefined ? hits : hits.slice(0, topK);
}

/**
 * Equal sums are common (rank 1 in one list ties rank 1 in the other), so ties go to the hit found by
 * more retrievers, then the better best rank, then the id — the same order in every process.
 */
function compareFused(left: FusedHit, right: FusedHit): number {
  if (left.rrf !== right.rrf) return right.rrf - left.rrf;
  const found = (hit: FusedHit) => hit.ranks.filter((rank) => rank !== null).length;
  if (found(left) !== found(right)) return found(right) - found(left);
  const best = (hit: FusedHit) => Math.min(...hit.ranks.map((rank) => rank ?? Number.POSITIVE_INFINITY));
  if (best(left) !== best(right)) return best(left) - best(right);
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}
