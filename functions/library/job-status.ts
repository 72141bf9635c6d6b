import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { notFound } from "../../shared/errors.js";
import { openQueue } from "../../shared/queues.js";
import { libraryIngestQueue } from "./queue.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { ingestJobSchema } from "./jobs.js";
import { jobIdPattern, type IngestProgress, type JobState, type JobStatus } from "./schema.js";

/**
 * Reads an ingestion job's state through BullMQ (its state lives in several structures that only
 * BullMQ's scripts read consistently). Like QueueProvider, one Queue per Redis client: on Node that
 * is one for the process, in workerd one per request, which must not outlive it.
 */
export interface JobStatusReader {
  read(redis: Redis, tenant: string, id: string): Promise<JobStatus>;
}

const states: Record<string, JobState> = {
  waiting: "queued",
  delayed: "queued",
  prioritized: "queued",
  "waiting-children": "queued",
  active: "active",
  completed: "completed",
  failed: "failed",
};

export function createJobStatusReader(keys: RedisKeys): JobStatusReader {
  const queues = new WeakMap<Redis, Queue>();
  const queueFor = (redis: Redis) => {
    let queue = queues.get(redis);
    if (!queue) {
      queue = openQueue(libraryIngestQueue, redis, keys);
      queues.set(redis, queue);
    }
    return queue;
  };

  return {
    async read(redis, tenant, id) {
      const missing = () => notFound(`No ingestion job ${id}`, "job_not_found");
      if (!jobIdPattern.test(id)) throw missing();
      const job = await queueFor(redis).getJob(id);
      const data = ingestJobSchema.safeParse(job?.data);
      // Another tenant's job is indistinguishable from no job: ids must not reveal anything.
      if (!job || !data.success || data.data.tenant !== tenant) throw missing();
      const state = states[await job.getState()];
      if (!state) throw missing();
      // An attempt's error is kept in progress but only reported once no retry is left.
      const { error, ...progress } = readProgress(job.progress);
      const status: JobStatus = { id, state, progress, document_id: data.data.documentId };
      if (state === "failed") status.error = error ?? { code: "ingest_failed", message: "Ingestion failed; the worker log has the details" };
      return status;
    },
  };
}

function readProgress(value: unknown): IngestProgress {
  const initial: IngestProgress = { stage: "queued", pages: null, chunks_searchable: 0, chunks_done: 0, chunks_total: 0 };
  if (typeof value !== "object" || value === null) return initial;
  return { ...initial, ...(value as Partial<IngestProgress>) };
}
