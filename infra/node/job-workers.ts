import { UnrecoverableError, WaitingError, Worker, type Processor } from "bullmq";
import { heartbeatTtlMs, workerHeartbeatKey } from "../../functions/health/index.js";
import type { JobSpec } from "../../functions/http-function.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { createRedisClient } from "./redis.js";

const closeBudgetMs = 4000;
/** Of the close budget, how long running jobs get to finish before they are asked to stop. */
const finishBudgetMs = 1500;

/** The reason handed to processors' abort signals when the process stops. */
export const shutdownReason = "worker shutting down";

/**
 * Runs BullMQ workers for the functions' job specs. A job whose data fails its spec's schema can
 * never succeed: it fails at once (UnrecoverableError) instead of being retried. Each worker
 * announces itself in a heartbeat set so `/health` can tell "jobs waiting, nobody consuming"
 * apart from a merely busy queue.
 */
export function startJobWorkers(options: { redisUrl: string; keys: RedisKeys; logger: Logger; clock: Clock; specs: readonly JobSpec[]; workerId: string }) {
  let stopping = false;
  const heartbeat = createRedisClient(options.redisUrl, options.logger, { maxRetriesPerRequest: 2, connectionName: "archive-heartbeat" });
  const workers = options.specs.map((spec) => {
    // BullMQ needs its own blocking connection per worker.
    const connection = createRedisClient(options.redisUrl, options.logger, { maxRetriesPerRequest: null, connectionName: `archive-worker-${spec.queue}` });
    // A job interrupted by shutdown goes back to the queue untouched (no attempt used, no failure
    // recorded), so the next start resumes it at once instead of after a stall timeout.
    const processor: Processor = async (job, token, signal) => {
      const parsed = spec.schema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`${spec.queue} job ${job.id ?? "?"} has malformed data: ${parsed.error.message}`);
      try {
        return await spec.process(parsed.data, job, signal);
      } catch (error) {
        if (!stopping || !signal?.aborted || !token) throw error;
        await job.moveToWait(token);
        throw new WaitingError();
      }
    };
    const worker = new Worker(spec.queue, processor, {
      connection,
      prefix: options.keys.queuePrefix,
      concurrency: spec.concurrency,
      ...(spec.maxStalledCount === undefined ? {} : { maxStalledCount: spec.maxStalledCount }),
    });
    worker.on("failed", (job, error) =>
      options.logger.warn("job_failed", { queue: spec.queue, jobId: job?.id, attempts: job?.attemptsMade, error }),
    );
    worker.on("error", (error) => {
      // During an outage every reconnect attempt fails again; the connection's own listener has
      // already said so once.
      if (connection.status !== "ready") return;
      options.logger.error("worker_error", { queue: spec.queue, error });
    });
    return { spec, worker, connection };
  });

  const beat = async () => {
    const now = options.clock.now();
    const pipeline = heartbeat.pipeline();
    for (const { spec } of workers) {
      const key = workerHeartbeatKey(options.keys, spec.queue);
      pipeline.zadd(key, now, options.workerId).zremrangebyscore(key, "-inf", now - heartbeatTtlMs);
    }
    await pipeline.exec();
  };
  const timer = setInterval(() => void beat().catch((error: unknown) => options.logger.warn("heartbeat_failed", { error })), heartbeatTtlMs / 3);
  const ready = beat();

  return {
    ready,
    workers: workers.map(({ worker }) => worker),
    async close() {
      clearInterval(timer);
      // A job may run for minutes (a big PDF on the local embedder); shutdown must not wait for it.
      // A job that does not stop when asked (one not watching its signal) is left behind once the
      // budget is spent: the connections are dropped, its lock lapses and BullMQ resumes it as
      // stalled, so nothing is lost. (`close(true)` cannot do this: BullMQ hands a second close the
      // first one's promise.)
      const closing = Promise.all(workers.map(({ worker }) => worker.close()));
      const after = (milliseconds: number) => new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), milliseconds).unref());
      // Short jobs finish; long ones (a big document) are asked to stop and are put back in the queue.
      let outcome = await Promise.race([closing, after(finishBudgetMs)]);
      if (outcome === "timeout") {
        stopping = true;
        for (const { worker } of workers) worker.cancelAllJobs(shutdownReason);
        outcome = await Promise.race([closing, after(closeBudgetMs - finishBudgetMs)]);
      }
      closing.catch(() => undefined); // abandoned after a timeout: its rejection is not news
      if (outcome === "timeout") options.logger.warn("workers_close_timeout", { budget_ms: closeBudgetMs });
      await Promise.all(
        workers.map(({ connection }) => (outcome === "timeout" ? connection.disconnect() : connection.quit().catch(() => connection.disconnect()))),
      );
      const pipeline = heartbeat.pipeline();
      for (const { spec } of workers) pipeline.zrem(workerHeartbeatKey(options.keys, spec.queue), options.workerId);
      await pipeline.exec().catch(() => undefined);
      await heartbeat.quit().catch(() => heartbeat.disconnect());
    },
  };
}
