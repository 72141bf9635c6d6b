import type { JobsOptions } from "bullmq";
import { assertTenant } from "../../shared/redis-keys.js";
import type { QueueProvider } from "../../shared/queues.js";
import { memoryQueues } from "./queues.js";
import type { Logger } from "../../shared/logger.js";
import type { TurnCapture } from "../chat/index.js";
import type { CaptureJobData } from "./scorer.js";
import { maxAnsweredChars, maxMessageChars } from "./schema.js";

export interface CaptureOptions {
  /** Tries per turn before it is given up (default 8: with 2 s doubling, ~4 minutes of engine outage). */
  attempts?: number;
  /** First retry delay; each further retry doubles it (default 2000 ms). */
  backoffMs?: number;
}

export interface TurnCaptureDeps {
  queues: QueueProvider;
  logger: Logger;
  capture?: CaptureOptions;
}

/** BullMQ refuses custom ids containing ":"; turn ids are hex, this is the guard for anything else. */
const jobIdPattern = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Memory capture as chat sees it: one `add` to the `memory-capture` queue with the turn id as
 * job id (BullMQ ignores a second add of the same id, so a retried request is one job). Scoring
 * happens in the worker; the job is retried with exponential backoff, so an engine outage delays
 * turns instead of losing them. Finished jobs are kept only in bounded numbers.
 */
export function createTurnCapture(deps: TurnCaptureDeps): TurnCapture {
  const options: JobsOptions = {
    attempts: deps.capture?.attempts ?? 8,
    backoff: { type: "exponential", delay: deps.capture?.backoffMs ?? 2000 },
    removeOnComplete: { count: 10_000, age: 24 * 3600 },
    removeOnFail: { count: 10_000, age: 14 * 24 * 3600 },
  };
  return {
    async capture(turn, redis) {
      assertTenant(turn.tenant);
      if (turn.message.trim() === "") return;
      // Longer than a memory may be: that is a document (the library's business), not something to remember verbatim.
      if (turn.message.length > maxMessageChars) {
        deps.logger.debug("memory_capture_skipped", { reason: "too_long", chars: turn.message.length });
        return;
      }
      if (!jobIdPattern.test(turn.turnId)) throw new Error("turn ids must be 1 to 128 letters, digits, _ or -");
      const data: CaptureJobData = {
        tenant: turn.tenant,
        endUser: turn.endUser,
        sessionId: turn.sessionId,
        message: turn.message,
        turnId: turn.turnId,
        capturedAt: turn.capturedAt,
      };
      // The end of a long reply is what the user answered (its question, its last offer).
      if (turn.answered?.trim()) data.answered = turn.answered.slice(-maxAnsweredChars);
      await deps.queues.get(memoryQueues.capture, redis).add("score-turn", data, { ...options, jobId: turn.turnId });
    },
  };
}
