/**
 * Exact top-k selection over precomputed scores (see dot-kernel.ts for the scoring). A size-k
 * min-heap means most rows are rejected by one comparison with the current k-th best, so selection
 * costs little next to scoring even at k = 100.
 */
export interface TopKOptions {
  /** Score of row `slot` at `scores[slot]`. */
  scores: Float64Array;
  rows: number;
  k: number;
  /** Rows below this score are never returned. */
  minScore: number;
  /** Asked only about rows that would enter the top k, so an expensive filter costs little. */
  accept?: (slot: number) => boolean;
}

export interface ScoredSlot {
  slot: number;
  score: number;
}

export function selectTopK(options: TopKOptions): ScoredSlot[] {
  const { scores, rows, minScore, accept } = options;
  const k = Math.min(options.k, rows);
  if (k <= 0) return [];
  const heapScores = new Float64Array(k);
  const heapSlots = new Int32Array(k);
  let size = 0;
  for (let slot = 0; slot < rows; slot++) {
    const score = scores[slot]!;
    if (score < minScore) continue;
    if (size === k && score <= heapScores[0]!) continue;
    if (accept && !accept(slot)) continue;
    if (size < k) {
      siftUp(heapScores, heapSlots, size, score, slot);
      size++;
    } else {
      siftDown(heapScores, heapSlots, size, score, slot);
    }
  }
  const result: ScoredSlot[] = [];
  for (let index = 0; index < size; index++) result.push({ slot: heapSlots[index]!, score: heapScores[index]! });
  return result.sort((left, right) => right.score - left.score);
}

function siftUp(scores: Float64Array, slots: Int32Array, at: number, score: number, slot: number): void {
  let index = at;
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (scores[parent]! <= score) break;
    scores[index] = scores[parent]!;
    slots[index] = slots[parent]!;
    index = parent;
  }
  scores[index] = score;
  slots[index] = slot;
}

/** Replaces the root (the current k-th best) and restores the heap. */
function siftDown(scores: Float64Array, slots: Int32Array, size: number, score: number, slot: number): void {
  let index = 0;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= size) break;
    const right = left + 1;
    const smaller = right < size && scores[right]! < scores[left]! ? right : left;
    if (scores[smaller]! >= score) break;
    scores[index] = scores[smaller]!;
    slots[index] = slots[smaller]!;
    index = smaller;
  }
  scores[index] = score;
  slots[index] = slot;
}
