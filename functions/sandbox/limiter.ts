import { createWaitQueue } from "../../gpu/wait-queue.js";
import { tooManyRequests } from "../../shared/errors.js";

/**
 * At most `concurrency` runs at once, each holding a numbered slot; up to `queueSize` more wait
 * (oldest first) at most `queueTimeoutMs`; beyond that 429 with a Retry-After guessed from the
 * typical run time — like the inference pool, a burst never piles up unbounded.
 */
export interface SlotLimiter {
  acquire(signal?: AbortSignal): Promise<number>;
  release(slot: number): void;
  readonly inFlight: number;
  readonly queued: number;
}

export function createSlotLimiter(options: {
  concurrency: number;
  queueSize: number;
  queueTimeoutMs: number;
  now: () => number;
  /** Typical run time (ms) for Retry-After; 0 when nothing has run yet. */
  typicalMs: () => number;
}): SlotLimiter {
  const free = Array.from({ length: options.concurrency }, (_, slot) => options.concurrency - 1 - slot);
  const retryAfter = () => {
    const waves = (queue.size + 1) / options.concurrency;
    const seconds = Math.ceil(((options.typicalMs() || 1000) * (1 + waves)) / 1000);
    return Math.min(Math.max(1, Math.ceil(options.queueTimeoutMs / 1000)), Math.max(1, seconds));
  };
  const queue = createWaitQueue<number, null>({
    capacity: options.queueSize,
    now: options.now,
    onFull: () => tooManyRequests(`Every sandbox slot is busy and ${options.queueSize} runs are already waiting`, retryAfter()),
    onTimeout: (waitedMs) => tooManyRequests(`No sandbox slot was free within ${Math.round(waitedMs)} ms`, retryAfter()),
  });
  return {
    get inFlight() {
      return options.concurrency - free.length;
    },
    get queued() {
      return queue.size;
    },
    acquire(signal) {
      const slot = free.pop();
      if (slot !== undefined) return Promise.resolve(slot);
      return queue.wait({ context: null, timeoutMs: options.queueTimeoutMs, signal });
    },
    release(slot) {
      let handed = false;
      // The oldest waiter takes the slot over directly; only when nobody waits does it go back.
      queue.serve(() => (handed ? undefined : ((handed = true), slot)), () => !handed);
      if (!handed) free.push(slot);
    },
  };
}
