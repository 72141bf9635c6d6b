import { UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Clock } from "../../shared/clock.js";
import type { Config } from "../../shared/config.js";
import type { Logger } from "../../shared/logger.js";
import { openQueue, queueNames, type QueueName } from "../../shared/queues.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { tenantPattern } from "../../shared/tenant.js";
import { withRedis, type RedisProvider } from "../deps.js";
import { jobScope } from "../request-scope.js";
import type { ColdArchive } from "./cold-archive.js";
import { PerplexityUnavailable } from "./perplexity.js";
import { maxAnsweredChars } from "./schema.js";
import type { CaptureJobData, ScoreOutcome, TurnScorer } from "./scorer.js";

/** What a processor reads of a BullMQ job; a real `Job` fits, and so does a plain object in a test. */
export interface JobLike {
  id?: string | undefined;
  name: string;
  data: unknown;
  attemptsMade: number;
}

/** Processors are plain functions; BullMQ merely runs them (see infra/node/job-workers.ts). */
export interface MemoryJobSpec {
  queue: QueueName;
  processor: (job: JobLike) => Promise<unknown>;
  concurrency: number;
}

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
export function createCaptureProcessor(deps: { scoreTurn: TurnScorer; redis: RedisProvider; logger: Logger }) {
  return async function scoreCapturedTurn(job: JobLike): Promise<ScoreOutcome> {
    const parsed = captureJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`memory-capture job ${job.id ?? "?"} has malformed data: ${parsed.error.message}`);
    try {
      const turn = parsed.data;
      return await withRedis(deps.redis, (redis) => deps.scoreTurn(jobScope(redis, turn.tenant, { endUser: turn.endUser, requestId: job.id, logger: deps.logger }), turn));
    } catch (error) {
      if (error instanceof PerplexityUnavailable && !error.isRetryable) {
        deps.logger.warn("memory_turn_unscorable", { jobId: job.id, error });
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  };
}

/** `memory-archive`: the daily run over every tenant. A tenant that failed makes the job fail (and retry). */
export function createArchiveProcessor(deps: { archive: ColdArchive; redis: RedisProvider; clock: Clock }) {
  return async function archiveAllTenants(_job: JobLike) {
    const result = await withRedis(deps.redis, (redis) => deps.archive.runAll(redis, deps.clock.now()));
    if (result.failed > 0) throw new Error(`archival failed for ${result.failed} of ${result.tenants} tenants (see memory_archive_failed logs)`);
    return result;
  };
}

export const archiveSchedulerId = "memory-archive-daily";

/**
 * Registers (or moves, when ARCHIVE_HOUR changed) the daily archival as a BullMQ job scheduler.
 * Upserting is idempotent, so every worker process may call it at start.
 */
export async function scheduleArchival(redis: Redis, keys: RedisKeys, config: Pick<Config, "archive">): Promise<void> {
  const queue = openQueue(queueNames.memoryArchive, redis, keys);
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
