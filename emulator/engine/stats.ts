/**
 * Counters that let tests and the emulator see what the engine observed,
 * above all whether a client went away mid-generation.
 */

export interface EngineCounts {
  /** Inference requests received (chat, completions, embeddings), valid or not. */
  readonly requests: number;
  /** Accepted requests still generating. */
  readonly inFlight: number;
  /** Accepted requests whose whole response was produced. */
  readonly completed: number;
  /** Accepted requests whose client disconnected or cancelled before the response was complete. */
  readonly aborted: number;
}

export interface EngineStats extends EngineCounts {
  /** The same counters for one route kind ("chat", "completion", "embedding"), e.g. to tell chat from memory scoring. */
  of(kind: string): EngineCounts;
}

/** One accepted request. The first of complete/abort wins; later calls are no-ops. */
export interface RequestTracker {
  complete(): void;
  abort(): void;
  readonly settled: boolean;
}

export interface StatsRecorder {
  readonly stats: EngineStats;
  countRequest(kind?: string): void;
  begin(kind?: string): RequestTracker;
}

type Counters = { requests: number; inFlight: number; completed: number; aborted: number };

const zero = (): Counters => ({ requests: 0, inFlight: 0, completed: 0, aborted: 0 });

// Getters rather than a copied snapshot so `engine.stats.aborted` is always current.
const live = (counters: Counters): EngineCounts => ({
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
});

export function createStatsRecorder(): StatsRecorder {
  const counters = zero();
  const kinds = new Map<string, Counters>();
  const kindCounters = (kind: string): Counters => {
    let found = kinds.get(kind);
    if (!found) kinds.set(kind, (found = zero()));
    return found;
  };
  const both = (kind: string | undefined): Counters[] => (kind === undefined ? [counters] : [counters, kindCounters(kind)]);
  const stats: EngineStats = Object.assign(live(counters), { of: (kind: string) => live(kindCounters(kind)) });
  return {
    stats,
    countRequest(kind) {
      for (const each of both(kind)) each.requests += 1;
    },
    begin(kind) {
      const owners = both(kind);
      for (const each of owners) each.inFlight += 1;
      let settled = false;
      const settle = (outcome: "completed" | "aborted"): void => {
        if (settled) return;
        settled = true;
        for (const each of owners) {
          each.inFlight -= 1;
          each[outcome] += 1;
        }
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
