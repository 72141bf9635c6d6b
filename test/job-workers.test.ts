/**
 * The one parse policy, on real BullMQ workers started the way every process starts them
 * (infra/node/job-workers.ts via the harness): a job whose data fails its spec's schema can never
 * succeed, so it fails at once — one attempt, however many it was given — with the queue named.
 */
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { libraryIngestQueue } from "../functions/library/queue.js";
import { memoryQueues } from "../functions/memory/index.js";
import { openQueue } from "../shared/queues.js";
import { eventually, startHarness, type Harness } from "./harness.js";
import { createWordHashEmbedder } from "./library/support.js";

let harness: Harness;
const queues: Queue[] = [];

beforeAll(async () => {
  harness = await startHarness({ functions: ["memory", "library"], embedder: createWordHashEmbedder() });
  await harness.startWorkers();
});
afterAll(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await harness?.close();
});

/** Adds a job with room for many retries, and waits until BullMQ has settled it (or gives up waiting). */
async function settle(queueName: string, name: string, data: unknown) {
  const queue = openQueue(queueName, harness.redis, harness.keys);
  queues.push(queue);
  const jobId = `malformed-${crypto.randomUUID().slice(0, 8)}`;
  await queue.add(name, data, { jobId, attempts: 5, backoff: { type: "fixed", delay: 10 } });
  const started = Date.now();
  for (;;) {
    const state = await queue.getJobState(jobId);
    // "failed" is final: a retryable failure with attempts left would be "delayed" or "waiting".
    // The job is read after its state, so its fields are those of the settled job.
    if (state === "failed" || state === "completed") return { job: await queue.getJob(jobId), state };
    if (Date.now() - started > 15_000) throw new Error(`job ${jobId} still ${state} after 15 s (attempts made: ${(await queue.getJob(jobId))?.attemptsMade})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("job workers: malformed data is unrecoverable", () => {
  it.each([
    ["library-ingest", libraryIngestQueue, "ingest", { tenant: "alice", documentId: "../../etc/passwd", filename: "" }],
    ["memory-capture", memoryQueues.capture, "score-turn", { tenant: "not a tenant!", message: "" }],
  ] as const)("fails a %s job with malformed data at once, without retrying", async (_, queueName, name, data) => {
    const { job, state } = await settle(queueName, name, data);
    expect(state).toBe("failed");
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(new RegExp(`^${queueName} job malformed-[0-9a-f]{8} has malformed data`));
    // The worker logs it as a failure, for the operator to see (its "failed" event follows the state change).
    await eventually(() => harness.logs.some((line) => line.event === "job_failed" && line.queue === queueName && line.jobId === job?.id));
  });
});
