import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngineServer } from "../engine-server.js";
import { silentLogger } from "../../shared/logger.js";
import type { CapturedTurn } from "../../functions/chat/index.js";
import { jobScope } from "../../functions/request-scope.js";
import { archiveSchedulerId, memoryQueues } from "../../functions/memory/index.js";
import { startHarness, type Harness } from "../harness.js";

let engine: Awaited<ReturnType<typeof startEngineServer>>;
let harness: Harness;
let queue: Queue;

beforeAll(async () => {
  engine = await startEngineServer();
  harness = await startHarness({ functions: ["memory"], engineUrl: engine.url, workers: true, env: { ARCHIVE_HOUR: "5", MEMORY_CAPTURE_ATTEMPTS: "30", MEMORY_CAPTURE_BACKOFF_MS: "50" } });
  queue = new Queue(memoryQueues.capture, { connection: harness.redis, prefix: harness.keys.queuePrefix });
});
afterAll(async () => {
  await queue?.close();
  await harness?.close();
  await engine?.close();
});

const memoryFunction = () => harness.fn("memory");
const service = () => memoryFunction().service;
const capture = () => {
  const found = memoryFunction().provides?.capture;
  if (!found) throw new Error("memory provides no capture");
  return found;
};
/** Memory's one metrics source (counts, queue depth, lag). */
const metrics = () => {
  const [source] = memoryFunction().metrics ?? [];
  if (!source) throw new Error("memory reports no metrics");
  return source;
};
const unique = () => crypto.randomUUID().slice(0, 8);
const turnOf = (tenant: string, message: string): CapturedTurn => ({
  tenant,
  endUser: "default",
  sessionId: "s",
  message,
  turnId: crypto.randomUUID().replaceAll("-", ""),
  capturedAt: Date.now(),
});
const until = async (condition: () => Promise<boolean>, timeoutMs = 10_000) => {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe("memory jobs on real BullMQ workers", () => {
  it("scores every captured turn after an engine outage: the jobs retry with backoff, none is lost", async () => {
    const tenant = `t-${unique()}`;
    const port = engine.port;
    await engine.close();
    const turns = [
      turnOf(tenant, "My sister Margarethe lives in Tromsø and keeps bees."),
      turnOf(tenant, "Hello! How are you today?"),
      turnOf(tenant, `Quantum flibbertigibbet zamboni ${unique()}`),
      turnOf(tenant, "I am fine, thanks."),
    ];
    for (const turn of turns) await capture().capture(turn, harness.redis);
    // The same turn captured twice (a client retrying its request) is one job.
    await capture().capture(turns[0]!, harness.redis);
    expect(await queue.getJobCountByTypes("waiting", "active", "delayed", "completed", "failed")).toBe(turns.length);

    await until(async () => ((await queue.getJob(turns[0]!.turnId))?.attemptsMade ?? 0) >= 2);
    const during = await metrics().collect(async () => harness.redis);
    expect(during.json).toMatchObject({ scoring_lag_seconds: expect.any(Number) });
    expect((during.json as { capture_queue: { waiting: number; delayed: number; active: number } }).capture_queue).toSatisfy(
      (counts: { waiting: number; delayed: number; active: number }) => counts.waiting + counts.delayed + counts.active >= 1,
    );

    engine = await startEngineServer({}, port);
    const { failed } = await harness.scoringIdle({ finished: turns.length, timeoutMs: 30_000 });
    expect(failed).toBe(0);
    const outcomes = await Promise.all(turns.map(async (turn) => (await queue.getJob(turn.turnId))?.returnvalue as { stored: boolean; reason: string }));
    expect(outcomes.map((outcome) => outcome.reason)).toEqual(["stored", "stored", "stored", "stored"]);
    expect((await service().stats(jobScope(harness.redis, tenant, { logger: silentLogger }))).hot).toBe(4);
  });

  it("gives up at once on a job that can never succeed (UnrecoverableError), without retrying", async () => {
    await queue.add("score-turn", { tenant: "not a tenant!", message: "" }, { jobId: `bad-${unique()}`, attempts: 30, backoff: { type: "fixed", delay: 10 } });
    await until(async () => (await queue.getFailedCount()) >= 1);
    const [failed] = await queue.getFailed();
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/malformed data/);
  });

  it("reports aggregate figures only: counts, queue depth, lag — never a tenant", async () => {
    const { json, gauges } = await metrics().collect(async () => harness.redis);
    expect(json).toMatchObject({
      total_memories: expect.any(Number),
      hot_memories: expect.any(Number),
      archived_memories: 0,
      storage_threshold: 0.7,
      embedding_dim: 384,
      index_type: "exact",
      capture_queue: { waiting: 0, active: 0, delayed: 0, failed: 1 },
      scoring_lag_seconds: 0,
    });
    expect((json as { total_memories: number }).total_memories).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify({ json, gauges })).not.toMatch(/t-[0-9a-f]{8}/);
    expect(gauges.map((gauge) => gauge.name)).toEqual(["archive_memories", "archive_memory_capture_jobs", "archive_memory_scoring_lag_seconds"]);
  });

  it("registers the daily archival at ARCHIVE_HOUR UTC as one job scheduler, however often it is called", async () => {
    await memoryFunction().startWorkers!(harness.redis);
    await memoryFunction().startWorkers!(harness.redis);
    const archive = new Queue(memoryQueues.archive, { connection: harness.redis, prefix: harness.keys.queuePrefix });
    try {
      const scheduler = await archive.getJobScheduler(archiveSchedulerId);
      expect(scheduler).toMatchObject({ pattern: "0 5 * * *", tz: "UTC" });
      expect(await archive.getJobSchedulersCount()).toBe(1);
      const next = new Date(scheduler!.next!);
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([5, 0]);
    } finally {
      await archive.close();
    }
  });
});
