/**
 * Reciprocal rank fusion (Cormack et al., 2009): each ranking contributes 1 / (k + rank), rank 1-based.
 * Ranks, not raw scores, are fused because BM25 scores are unbounded and cosine similarities live in
 * [-1, 1]; no weighting of the two could stay calibrated across queries.
 *
 * The `score` the search API returns is `score` below: the RRF sum divided by its maximum possible
 * value (every list ranking the chunk first), so it lies in (0, 1]. 1 means "first in every ranking",
 * 0.5 with two rankings means e.g. "first in one, absent from the other". It orders results within
 * one query; it is not a similarity or probability and is not comparable across queries, so never
 * threshold on it.
 */

export interface RankedId {
  id: string;
}

export interface FusedHit {
  id: string;
  /** Normalized RRF in (0, 1]; see the module comment. */
  score: number;
  /** Raw RRF sum, Σ 1 / (k + rank). */
  rrf: number;
  /** 1-based rank in each input list, null where absent — shows which retriever found it. */
  ranks: (number | null)[];
}

export interface FuseOptions {
  /** Dampens the head of each list; 60 is the value from the original paper. */
  k?: number;
  topK?: number;
}

export function fuseRankings(lists: readonly (readonly RankedId[])[], options: FuseOptions = {}): FusedHit[] {
  const k = options.k ?? 60;
  if (!(k >= 0)) throw new RangeError("k must be >= 0");
  const fused = new Map<string, FusedHit>();
  lists.forEach((list, listIndex) => {
    list.forEach(({ id }, position) => {
      let hit = fused.get(id);
      if (!hit) {
        hit = { id, score: 0, rrf: 0, ranks: lists.map(() => null) };
        fused.set(id, hit);
      }
      // An id repeated within one list counts once, at its best rank.
      if (hit.ranks[listIndex] !== null) return;
      hit.ranks[listIndex] = position + 1;
      hit.rrf += 1 / (k + position + 1);
    });
  });
  const maximum = lists.length / (k + 1);
  const hits = [...fused.values()];
  for (const hit of hits) hit.score = hit.rrf / maximum;
  hits.sort(compareFused);
  return options.topK === undefined ? hits : hits.slice(0, options.topK);
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
