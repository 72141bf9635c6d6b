/**
 * A bounded FIFO of callers waiting for something (an endpoint slot). Each waiter has a deadline
 * and may be aborted; neither leaves anything behind. Serving is driven from outside: whoever
 * frees a slot calls `serve`, which offers it to the waiters in arrival order.
 */
export interface Waiter<Context> {
  readonly context: Context;
  readonly enqueuedAt: number;
}

export interface WaitQueue<Value, Context> {
  readonly size: number;
  readonly capacity: number;
  /**
   * Wait for a value. Throws `onFull()` at once when the queue is full; rejects with `onTimeout()`
   * after `timeoutMs`, or with the signal's reason when it aborts.
   */
  wait(options: { context: Context; timeoutMs: number; signal?: AbortSignal | undefined }): Promise<Value>;
  /**
   * Offer values to the waiters, oldest first. `match` returns a value for a waiter it can serve
   * (the waiter is then resolved and removed), or undefined to leave it waiting. `more` says
   * whether anything is left to offer, so a long queue is not walked when nothing is.
   */
  serve(match: (waiter: Waiter<Context>) => Value | undefined, more?: () => boolean): void;
  /** Reject waiters for which `select` returns an error (e.g. nothing could ever serve them). */
  rejectWhere(select: (waiter: Waiter<Context>) => Error | undefined): void;
}

export interface WaitQueueOptions {
  capacity: number;
  now: () => number;
  onFull: () => Error;
  onTimeout: (waitedMs: number) => Error;
}

interface Entry<Value, Context> extends Waiter<Context> {
  resolve(value: Value): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export function createWaitQueue<Value, Context>(options: WaitQueueOptions): WaitQueue<Value, Context> {
  // A Set keeps insertion order (FIFO) and removes any entry in O(1), which an array cannot.
  const entries = new Set<Entry<Value, Context>>();

  const settle = (entry: Entry<Value, Context>) => {
    if (!entries.delete(entry)) return false;
    entry.cleanup();
    return true;
  };

  return {
    get size() {
      return entries.size;
    },
    capacity: options.capacity,

    wait({ context, timeoutMs, signal }) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (entries.size >= options.capacity) return Promise.reject(options.onFull());
      return new Promise<Value>((resolve, reject) => {
        const enqueuedAt = options.now();
        const entry: Entry<Value, Context> = {
          context,
          enqueuedAt,
          resolve,
          reject,
          cleanup: () => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
          },
        };
        const onAbort = () => {
          if (settle(entry)) reject(signal?.reason);
        };
        const timer = setTimeout(() => {
          if (settle(entry)) reject(options.onTimeout(options.now() - enqueuedAt));
        }, timeoutMs);
        signal?.addEventListener("abort", onAbort, { once: true });
        entries.add(entry);
      });
    },

    serve(match, more) {
      for (const entry of entries) {
        if (more && !more()) return;
        const value = match(entry);
        if (value !== undefined && settle(entry)) entry.resolve(value);
      }
    },

    rejectWhere(select) {
      for (const entry of entries) {
        const error = select(entry);
        if (error && settle(entry)) entry.reject(error);
      }
    },
  };
}
