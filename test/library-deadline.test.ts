/**
 * The ingestion deadline runs on the injected clock: a job counts LIBRARY_INGEST_DEADLINE_MS from
 * when the service queued it (by that clock), not from BullMQ's wall-clock stamp. The clock here
 * starts in the past, so a deadline taken from the wall clock would never expire.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobStatus } from "../functions/library/index.js";
import { jobScope } from "../functions/request-scope.js";
import { silentLogger } from "../shared/logger.js";
import { createTestClock, startHarness, type Harness } from "./harness.js";
import { createWordHashEmbedder } from "./library/support.js";

const start = Date.UTC(2026, 0, 1);
const clock = createTestClock(start);
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ functions: ["library"], clock, embedder: createWordHashEmbedder(), env: { LIBRARY_INGEST_DEADLINE_MS: "60000" } });
});
afterAll(() => harness?.close());

const library = () => harness.fn("library");
const scope = () => jobScope(harness.redis, "alice", { logger: silentLogger });

async function finished(jobId: string): Promise<JobStatus> {
  const started = Date.now();
  for (;;) {
    const status = await library().service.jobStatus(scope(), jobId);
    if (status.state === "completed" || status.state === "failed") return status;
    if (Date.now() - started > 30_000) throw new Error(`job ${jobId} still ${status.state} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const upload = async (filename: string, text: string) => {
  const submitted = await library().service.submit(scope(), { origin: "upload", filename }, new TextEncoder().encode(text));
  if (submitted.status !== "queued") throw new Error("expected a job");
  return submitted.jobId;
};

describe("library ingestion deadline (injected clock)", () => {
  it("fails a job that waited longer than LIBRARY_INGEST_DEADLINE_MS and ingests one that did not", async () => {
    // No worker runs while the clock moves on: the first upload waits 61 s, the second 30 s.
    const late = await upload("late.txt", "The harbour master logged every ship that came in after dark.");
    clock.set(start + 31_000);
    const timely = await upload("timely.txt", "The lighthouse keeper rowed out every Thursday with the mail.");
    clock.set(start + 61_000);
    const workers = await harness.startWorkers();
    try {
      expect(await finished(late)).toMatchObject({ state: "failed", error: { code: "ingest_deadline" } });
      expect(await finished(timely)).toMatchObject({ state: "completed" });
      const { documents } = await library().service.listDocuments(scope(), { limit: 10, offset: 0 });
      expect(documents.map((document) => document.filename)).toEqual(["timely.txt"]);
    } finally {
      await workers.close();
    }
  });
});
