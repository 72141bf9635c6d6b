/**
 * The ingestion deadline runs on the injected clock: a job counts LIBRARY_INGEST_DEADLINE_MS from
 * when the service queued it (by that clock), not from BullMQ's wall-clock stamp. The clock here
 * starts in the past, so a deadline taken from the wall clock would never expire.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createLibraryFunction, type JobStatus } from "../functions/library/index.js";
import { createWordHashEmbedder } from "../functions/library/test-harness.js";
import { jobScope } from "../functions/request-scope.js";
import { startJobWorkers } from "../infra/node/job-workers.js";
import { createIdGenerator } from "../shared/clock.js";
import { loadConfig } from "../shared/config.js";
import { silentLogger } from "../shared/logger.js";
import { createQueueProvider } from "../shared/queues.js";
import { createRedisKeys } from "../shared/redis-keys.js";
import { createVectorReplicaCache } from "../shared/vector-index/index.js";
import { testRedis } from "./redis.js";

const { redis, prefix, url } = testRedis();
const start = Date.UTC(2026, 0, 1);
let now = start;
const clock = { now: () => now };
const keys = createRedisKeys(prefix);
const library = createLibraryFunction({
  config: loadConfig({ REDIS_PREFIX: prefix, LIBRARY_INGEST_DEADLINE_MS: "60000" }),
  keys,
  clock,
  ids: createIdGenerator(clock),
  logger: silentLogger,
  embedder: createWordHashEmbedder(),
  replicas: createVectorReplicaCache(),
  queues: createQueueProvider(keys),
  redis: { acquire: async () => ({ redis, release: async () => undefined }) },
});
const scope = jobScope(redis, "alice", { logger: silentLogger });
afterAll(() => redis.quit());

async function finished(jobId: string): Promise<JobStatus> {
  const started = Date.now();
  for (;;) {
    const status = await library.service.jobStatus(scope, jobId);
    if (status.state === "completed" || status.state === "failed") return status;
    if (Date.now() - started > 30_000) throw new Error(`job ${jobId} still ${status.state} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const upload = async (filename: string, text: string) => {
  const submitted = await library.service.submit(scope, { origin: "upload", filename }, new TextEncoder().encode(text));
  if (submitted.status !== "queued") throw new Error("expected a job");
  return submitted.jobId;
};

describe("library ingestion deadline (injected clock)", () => {
  it("fails a job that waited longer than LIBRARY_INGEST_DEADLINE_MS and ingests one that did not", async () => {
    // No worker runs while the clock moves on: the first upload waits 61 s, the second 30 s.
    const late = await upload("late.txt", "The harbour master logged every ship that came in after dark.");
    now = start + 31_000;
    const timely = await upload("timely.txt", "The lighthouse keeper rowed out every Thursday with the mail.");
    now = start + 61_000;
    const workers = startJobWorkers({ redisUrl: url, keys, logger: silentLogger, specs: library.jobs, workerId: "deadline-test" });
    await workers.ready;
    try {
      expect(await finished(late)).toMatchObject({ state: "failed", error: { code: "ingest_deadline" } });
      expect(await finished(timely)).toMatchObject({ state: "completed" });
      const { documents } = await library.service.listDocuments(scope, { limit: 10, offset: 0 });
      expect(documents.map((document) => document.filename)).toEqual(["timely.txt"]);
    } finally {
      await workers.close();
    }
  });
});
