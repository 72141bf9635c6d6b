import type { Clock } from "../shared/clock.js";
import type { Endpoint } from "./endpoint.js";

/**
 * Notices an engine whose generation route hangs while its `/health` still answers (a wedged
 * scheduler, a stuck GPU). The periodic probe tick asks an idle, ready endpoint that has generated
 * nothing for clients lately to generate one token; live traffic is the probe for a busy one, so a
 * busy GPU is never asked for extra work. An endpoint that failed it stays out of rotation, however
 * often `/health` passes, until a generation succeeds again. Not part of `check` (GET /health must
 * stay quick).
 */
export interface GenerationWatchOptions {
  clock: Clock;
  /** One-token completion; resolves undefined when it worked, else why not. */
  send(endpoint: Endpoint, model: string): Promise<string | undefined>;
  model(): Promise<string>;
  markSuccess(endpoint: Endpoint): void;
  markFailure(endpoint: Endpoint, problem: string): void;
}

/** An endpoint that has generated nothing for clients this long gets a one-token probe. */
export const generationProbeAfterIdleMs = 30_000;

export function createGenerationWatch(options: GenerationWatchOptions) {
  const lastGeneration = new WeakMap<Endpoint, number>();
  const running = new Map<Endpoint, Promise<void>>();
  const hung = new WeakSet<Endpoint>();

  return {
    /** A client's generation on this endpoint succeeded. */
    generated(endpoint: Endpoint) {
      lastGeneration.set(endpoint, options.clock.now());
      hung.delete(endpoint);
    },
    isHung: (endpoint: Endpoint) => hung.has(endpoint),
    probe(endpoint: Endpoint) {
      const idleFor = options.clock.now() - (lastGeneration.get(endpoint) ?? 0);
      const due = hung.has(endpoint) || (endpoint.state === "ready" && idleFor >= generationProbeAfterIdleMs);
      if (running.has(endpoint) || endpoint.inFlight > 0 || !due) return;
      const probe = options
        .model()
        .then((name) => options.send(endpoint, name))
        .then((problem) => {
          if (problem === undefined) {
            lastGeneration.set(endpoint, options.clock.now());
            hung.delete(endpoint);
            options.markSuccess(endpoint);
          } else {
            hung.add(endpoint);
            options.markFailure(endpoint, problem);
          }
        })
        // No model known yet (the engine lists none): nothing to probe with; the health probe covers it.
        .catch(() => undefined)
        .finally(() => running.delete(endpoint));
      running.set(endpoint, probe);
    },
  };
}
