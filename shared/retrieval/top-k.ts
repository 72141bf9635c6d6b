/**
 * Picks the best `limit` of many scored ids without sorting them all (10 of 100k candidates is the
 * common case in search). Any ranking that uses it orders ties the same way, by id.
 */

export interface ScoredId {
  id: string;
  score: number;
}

/** Higher score first; equal scores by id, so the order is the same in every process. */
const ranksBefore = (left: ScoredId, right: ScoredId) =>
  left.score > right.score || (left.score === right.score && left.id < right.id);

/** Bounded min-heap whose root is the worst hit kept so far. */
export class TopK {
  private readonly heap: ScoredId[] = [];
  constructor(private readonly limit: number) {}

  offer(hit: ScoredId): void {
    const heap = this.heap;
    if (this.limit <= 0) return;
    if (heap.length < this.limit) {
      heap.push(hit);
      this.siftUp(heap.length - 1);
    } else if (ranksBefore(hit, heap[0]!)) {
      heap[0] = hit;
      this.siftDown(0);
    }
  }

  sorted(): ScoredId[] {
    return [...this.heap].sort((left, right) => (ranksBefore(left, right) ? -1 : 1));
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!ranksBefore(heap[parent]!, heap[index]!)) break;
      [heap[parent], heap[index]] = [heap[index]!, heap[parent]!];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      let worst = index;
      for (const child of [2 * index + 1, 2 * index + 2]) {
        if (child < heap.length && ranksBefore(heap[worst]!, heap[child]!)) worst = child;
      }
      if (worst === index) return;
      [heap[worst], heap[index]] = [heap[index]!, heap[worst]!];
      index = worst;
    }
  }
}
