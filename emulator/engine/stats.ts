/**
 * Counters that let tests and the emulator see what the engine observed,
 * above all whether a client went away mid-generation.
 */

export interface EngineStats {
  /** Inference requests received (chat, completions, embeddings), valid or not. */
  readonly requests: number;
  /** Accepted requests still generating. */
  readonly inFlight: number;
  /** Accepted requests whose whole response was produced. */
  readonly completed: number;
  /** Accepted requests whose client disconnected or cancelled before the response was complete. */
  readonly aborted: number;
}

/** One accepted request. The first of complete/abort wins; later calls are no-ops. */
export interface RequestTracker {
  complete(): void;
  abort(): void;
  readonly settled: boolean;
}

export interface StatsRecorder {
  readonly stats: EngineStats;
  countRequest(): void;
  begin(): RequestTracker;
}

export function createStatsRecorder(): StatsRecorder {
  const counters = { requests: 0, inFlight: 0, completed: 0, aborted: 0 };
  // Getters rather than a copied snapshot so `engine.stats.aborted` is always current.
  const stats: EngineStats = {
    get requests() {
      return counters.requests;
    },
    get inFlight() {
      return counters.inFlight;
    },
    get completed() {
      return counters.completed;
    },
    get aborted() {
      return counters.aborted;
    },
  };
  return {
    stats,
    countRequest() {
      counters.requests += 1;
    },
    begin() {
      counters.inFlight += 1;
      let settled = false;
      const settle = (outcome: "completed" | "aborted"): void => {
        if (settled) return;
        settled = true;
        counters.inFlight -= 1;
        counters[outcome] += 1;
      };
      return {
        complete: () => settle("completed"),
        abort: () => settle("aborted"),
        get settled() {
          return settled;
        },
      };
    },
  };
}
