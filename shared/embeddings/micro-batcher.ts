/**
 * Coalesces concurrent calls into batches for a model that is faster per item in bulk (the local
 * encoder embeds 16 short texts in a few times the time of one, not 16) and runs up to
 * `maxConcurrentBatches` of them at once (one per model thread). Whatever arrives while every slot
 * is busy waits and goes in a later batch. A caller's items may span batches; its promise settles
 * when all are done.
 *
 * Two rules keep a lone query fast while a document is being ingested:
 * - Shortest remaining call first: a call is queued ahead of every call with more weight left, so
 *   a one-text query overtakes queued ingestion and waits at most for a running batch to finish.
 *   (A steady stream of small calls could starve a big one; in this system small calls are
 *   interactive and sparse, big ones are background jobs.)
 * - A batch's cost is counted as items × the heaviest item's weight, because the model pads every
 *   text to the longest in its batch. `maxBatchWeight` caps it, so no batch runs long enough to
 *   hold a query up; `maxPaddingRatio` keeps texts of very different lengths apart, so a short
 *   query is not padded to (and made to wait for) the chunk queued behind it.
 */
export interface MicroBatcherOptions<Item, Output> {
  maxBatchSize: number;
  /** Batches that may run at once; 1 (the default) serializes them. */
  maxConcurrentBatches?: number;
  /** An item's cost (e.g. text length); 1 each by default. */
  weigh?: (item: Item) => number;
  /** Cap on items × heaviest weight per batch; an item heavier than this still runs, alone. */
  maxBatchWeight?: number;
  /** Cap on items × heaviest weight ÷ the items' own total weight; default: no cap. */
  maxPaddingRatio?: number;
  /** Must return one output per item, in order. */
  run(items: Item[]): Promise<Output[]>;
}

export interface MicroBatcher<Item, Output> {
  submit(items: Item[], signal?: AbortSignal): Promise<Output[]>;
}

interface PendingCall<Item, Output> {
  items: Item[];
  weights: number[];
  /** Weight of the items not yet taken into a batch: the queue's ordering key. */
  remainingWeight: number;
  outputs: Output[];
  taken: number;
  finished: number;
  settled: boolean;
  resolve(outputs: Output[]): void;
  reject(reason: unknown): void;
}

interface Segment<Item, Output> {
  call: PendingCall<Item, Output>;
  from: number;
  count: number;
}

export function createMicroBatcher<Item, Output>(options: MicroBatcherOptions<Item, Output>): MicroBatcher<Item, Output> {
  const maxConcurrent = Math.max(1, options.maxConcurrentBatches ?? 1);
  const weigh = options.weigh ?? (() => 1);
  const maxWeight = options.maxBatchWeight ?? Number.POSITIVE_INFINITY;
  const maxPaddingRatio = options.maxPaddingRatio ?? Number.POSITIVE_INFINITY;
  const queue: PendingCall<Item, Output>[] = [];
  let running = 0;
  let scheduled = false;

  const schedule = () => {
    if (running >= maxConcurrent || scheduled) return;
    scheduled = true;
    // A microtask, not a timer: calls made in the same turn (Promise.all over texts) share a batch
    // without adding a timer's latency to a lone call.
    queueMicrotask(() => {
      scheduled = false;
      startBatches();
    });
  };

  const enqueue = (call: PendingCall<Item, Output>) => {
    let position = queue.length;
    while (position > 0 && queue[position - 1]!.remainingWeight > call.remainingWeight) position--;
    queue.splice(position, 0, call);
  };

  const waitingItems = () => queue.reduce((sum, call) => sum + (call.settled ? 0 : call.items.length - call.taken), 0);

  const takeBatch = (maxItems: number): Segment<Item, Output>[] => {
    const segments: Segment<Item, Output>[] = [];
    let size = 0;
    let heaviest = 0;
    let total = 0;
    const fits = (weight: number) => {
      const padded = (size + 1) * Math.max(heaviest, weight);
      return size === 0 || (padded <= maxWeight && padded <= maxPaddingRatio * (total + weight));
    };
    while (size < maxItems && queue.length > 0) {
      const call = queue[0]!;
      if (call.settled) {
        queue.shift();
        continue;
      }
      const from = call.taken;
      while (size < maxItems && call.taken < call.items.length) {
        const weight = call.weights[call.taken]!;
        if (!fits(weight)) break;
        heaviest = Math.max(heaviest, weight);
        total += weight;
        call.remainingWeight -= weight;
        call.taken++;
        size++;
      }
      if (call.taken > from) segments.push({ call, from, count: call.taken - from });
      if (call.taken < call.items.length) break;
      queue.shift();
    }
    return segments;
  };

  const startBatches = () => {
    while (running < maxConcurrent) {
      const waiting = waitingItems();
      if (waiting === 0) return;
      // Share what is waiting among the free slots, so a burst keeps every thread busy instead of
      // filling one batch while another thread idles.
      const segments = takeBatch(Math.min(options.maxBatchSize, Math.ceil(waiting / (maxConcurrent - running))));
      if (segments.length === 0) return;
      running++;
      void runBatch(segments);
    }
  };

  const runBatch = async (segments: Segment<Item, Output>[]) => {
    try {
      const items = segments.flatMap((segment) => segment.call.items.slice(segment.from, segment.from + segment.count));
      const outputs = await options.run(items);
      if (outputs.length !== items.length) throw new Error(`Batch returned ${outputs.length} outputs for ${items.length} items`);
      let offset = 0;
      for (const { call, from, count } of segments) {
        for (let index = 0; index < count; index++) call.outputs[from + index] = outputs[offset + index]!;
        offset += count;
        call.finished += count;
        if (!call.settled && call.finished === call.items.length) {
          call.settled = true;
          call.resolve(call.outputs);
        }
      }
    } catch (error) {
      // Every caller in the failed batch learns why; their items still queued are dropped with them.
      for (const { call } of segments) {
        if (call.settled) continue;
        call.settled = true;
        call.reject(error);
      }
    } finally {
      running--;
      if (queue.length > 0) schedule();
    }
  };

  return {
    submit(items, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (items.length === 0) return Promise.resolve([]);
      const weights = items.map(weigh);
      return new Promise<Output[]>((resolve, reject) => {
        const onAbort = () => {
          if (call.settled) return;
          call.settled = true;
          reject(signal?.reason);
        };
        const call: PendingCall<Item, Output> = {
          items,
          weights,
          remainingWeight: weights.reduce((sum, weight) => sum + weight, 0),
          outputs: new Array<Output>(items.length),
          taken: 0,
          finished: 0,
          settled: false,
          resolve: (outputs) => {
            signal?.removeEventListener("abort", onAbort);
            resolve(outputs);
          },
          reject: (reason) => {
            signal?.removeEventListener("abort", onAbort);
            reject(reason);
          },
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        enqueue(call);
        schedule();
      });
    },
  };
}
