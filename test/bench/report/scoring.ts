import type { Redis } from "ioredis";
import { memoryQueues } from "../../../functions/memory/index.js";
import { round } from "../load.js";
import { createSentences, memoryFor } from "../memory.js";
import { deploymentKeys, queueSettled, unfinishedJobs } from "./requests.js";
import { sampled, type Sampler, type UsageSample } from "./sampler.js";

export interface ScoringResult {
  turns: number;
  seconds: number;
  turns_per_s: number;
  /** Whether every turn was scored within the wait (else the rate counts those that were). */
  complete: boolean;
  usage: UsageSample;
}

/**
 * Memory scoring, the work every chat turn leaves for the workers: `turns` captured turns are
 * enqueued at once (as a burst of chat would), then timed until the workers have scored them all
 * (embedding, perplexity from the engine, novelty, the write). Sustained chat with memory cannot
 * exceed this rate without the capture queue growing.
 */
export async function measureScoring(redis: Redis, sampler: Sampler, turns: number, timeoutMs: number): Promise<ScoringResult> {
  const capture = memoryFor(redis, deploymentKeys).capture;
  const sentence = createSentences(17);
  const run = crypto.randomUUID().slice(0, 8);
  const { result, usage } = await sampled(sampler, async () => {
    const started = performance.now();
    for (let index = 0; index < turns; index++) {
      const turn = { tenant: "default", endUser: "default", sessionId: "", message: `${sentence(18)} (${run} ${index})`, answered: sentence(40) };
      await capture.capture({ ...turn, turnId: `turn${run}${index.toString(16).padStart(8, "0")}`, capturedAt: Date.now() }, redis);
    }
    await queueSettled(redis, memoryQueues.capture, timeoutMs);
    return (performance.now() - started) / 1000;
  });
  const left = await unfinishedJobs(redis, memoryQueues.capture);
  return { turns, seconds: round(result), turns_per_s: round((turns - left) / result), complete: left === 0, usage };
}
