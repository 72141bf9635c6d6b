import { UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Clock } from "../../shared/clock.js";
import type { MemoryConfig } from "./config.js";
import type { Logger } from "../../shared/logger.js";
import { tenantPattern } from "../../shared/tenant.js";
import { openQueue } from "../../shared/queues.js";
import { memoryQueues } from "./queues.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import type { JobSpec } from "../http-function.js";
import { withRedis, type RedisProvider } from "../platform.js";
import { jobScope } from "../request-scope.js";
import type { ColdArchive } from "./cold-archive.js";
import { PerplexityUnavailable } from "./perplexity.js";
import { maxAnsweredChars } from "./schema.js";
import type { CaptureJobData, ScoreOutcome, TurnScorer } from "./scorer.js";

const captureJobSchema = z.object({
  tenant: z.string().regex(tenantPattern),
  endUser: z.string().min(1).max(256).optional(),
  sessionId: z.string().max(256),
  message: z.string().min(1),
  answered: z.string().max(maxAnsweredChars).optional(),
  turnId: z.string().min(1).max(128),
  capturedAt: z.number().int().nonnegative(),
}) satisfies z.ZodType<CaptureJobData>;

/**
 * `memory-capture`: score one turn. An engine or embedder that is down throws, and BullMQ retries
 * with backoff; only a job that can never succeed (malformed data, an engine that rejects this
 * text or has no prompt logprobs) is an UnrecoverableError.
 */
export function createCaptureJob(deps: { scoreTurn: TurnScorer; redis: RedisProvider; logger: Logger }): JobSpec<CaptureJobData> {
  return {
    queue: memoryQueues.capture,
    schema: captureJobSchema,
    concurrency: 4,
    process: (data, job) => scoreCapturedTurn(deps, data, job.id),
  };
}

async function scoreCapturedTurn(deps: { scoreTurn: TurnScorer; redis: RedisProvider; logger: Logger }, data: CaptureJobData, jobId: string | undefined): Promise<ScoreOutcome> {
  try {
    return await withRedis(deps.redis, (redis) => deps.scoreTurn(jobScope(redis, data.tenant, { endUser: data.endUser, requestId: jobId, logger: deps.logger }), data));
  } catch (error) {
    if (error instanceof PerplexityUnavailable && !error.isRetryable) {
      deps.logger.warn("memory_turn_unscorable", { jobId, error });
      throw new UnrecoverableError(error.message);
    }
    throw error;
  }
}

/** `memory-archive`: the daily run over every tenant. A tenant that failed makes the job fail (and retry). */
export function createArchiveJob(deps: { archive: ColdArchive; redis: RedisProvider; clock: Clock }): JobSpec<Record<string, never>> {
  return {
    queue: memoryQueues.archive,
    schema: z.object({}).strict(),
    concurrency: 1,
    async process() {
      const result = await withRedis(deps.redis, (redis) => deps.archive.runAll(redis, deps.clock.now()));
      if (result.failed > 0) throw new Error(`archival failed for ${result.failed} of ${result.tenants} tenants (see memory_archive_failed logs)`);
      return result;
    },
  };
}

export const archiveSchedulerId = "memory-archive-daily";

/**
 * Registers (or moves, when ARCHIVE_HOUR changed) the daily archival as a BullMQ job scheduler.
 * Upserting is idempotent, so every worker process may call it at start.
 */
export async function scheduleArchival(redis: Redis, keys: RedisKeys, config: Pick<MemoryConfig, "archive">): Promise<void> {
  const queue = openQueue(memoryQueues.archive, redis, keys);
  try {
    await queue.upsertJobScheduler(
      archiveSchedulerId,
      { pattern: `0 ${config.archive.hour} * * *`, tz: "UTC" },
      {
        name: "archive-all-tenants",
        data: {},
        opts: { attempts: 3, backoff: { type: "exponential", delay: 60_000 }, removeOnComplete: 30, removeOnFail: 100 },
      },
    );
  } finally {
    // The connection is the caller's (BullMQ does not close a client it was handed).
    await queue.close();
  }
}
