/**
 * `npm run bench -- report`: the capacity report (issue 16), measured in one run on this machine
 * and written to test/bench/results/capacity.md and capacity.json. What it does, in order:
 *  1. describes the machine and loads the local model once, for its memory;
 *  2. measures Redis bytes per item (memory, history message, queued job, library chunk) and
 *     cold-store bytes per archived memory, and computes the growth table from them;
 *  3. starts the self-hosted deployment (Redis, emulated engine, one HTTP and one worker
 *     process, each its own process) over a seeded corpus and samples it idle;
 *  4. steps the concurrency of each request type until p99 breaks its budget;
 *  5. measures memory scoring throughput (the workers' share of every chat turn);
 *  6. changes one knob at a time and measures the capacity it should move;
 *  7. works out from those figures what N HTTP processes and M workers need from one Redis.
 * REPORT_QUICK=1 runs fewer, shorter steps (a check that it works, not a report to keep).
 */
import { writeFile } from "node:fs/promises";
import { runLoad } from "../load.js";
import { findCapacity, type CapacityResult } from "./capacity.js";
import { seedCorpus } from "./corpus.js";
import { startDeployment, type Deployment } from "./deployment.js";
import { measureFullRedis } from "./full-redis.js";
import { computeGrowth } from "./growth.js";
import { knobEffect, knobs, type KnobEffect } from "./knobs.js";
import { describeMachine, measureModelMemory } from "./machine.js";
import { renderReadmeSection } from "./render-readme.js";
import { renderReport, type CapacityReport } from "./render.js";
import { requestTypes, synthesizeSample } from "./requests.js";
import { createSampler, residentMb, sampled } from "./sampler.js";
import { computeScale } from "./scale.js";
import { measureScoring, type ScoringResult } from "./scoring.js";
import { measureStorage } from "./storage.js";

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchReport() {
  const quick = process.env.REPORT_QUICK === "1";
  const began = performance.now();
  const run = describeMachine();
  const machine = run.start;
  const corpus = { memories: 10_000, chunks: 10_000 };
  log(`capacity report on ${machine.cores} cores, commit ${machine.commit}${quick ? " (REPORT_QUICK: short steps)" : ""}`);
  const model = await measureModelMemory();
  const deployment = await startDeployment();
  try {
    log("storage per item");
    const storage = await measureStorage(deployment.redis, deployment.redisUrl, deployment.engineUrl, { memories: quick ? 1000 : 4000, log });
    await seedCorpus(deployment.redis, corpus);
    await deployment.restart();
    const sampler = createSampler(() => deployment.components(), deployment.redis);
    const idle = (await sampled(sampler, () => sleep(3000))).usage;
    const voice = await synthesizeSample(deployment.baseUrl);

    // What each HTTP process holds for a tenant it serves: the replicas its first searches load.
    const types = (current: Deployment) => requestTypes({ baseUrls: current.http.map((tier) => tier.baseUrl), engineUrl: current.engineUrl, redis: current.redis, voice, quick });
    const httpPid = deployment.http[0]!.pid;
    const rssIdle = await residentMb(httpPid);
    await warm(types(deployment), ["memory-search"]);
    const rssMemories = await residentMb(httpPid);
    await warm(types(deployment), ["library-search"]);
    const rssChunks = await residentMb(httpPid);
    const replicas = {
      http_rss_idle_mb: rssIdle,
      memory_replica_mb: Math.round((rssMemories - rssIdle) * 10) / 10,
      library_replica_mb: Math.round((rssChunks - rssMemories) * 10) / 10,
      bytes_per_memory: Math.round(((rssMemories - rssIdle) * 2 ** 20) / corpus.memories),
      bytes_per_chunk: Math.round(((rssChunks - rssMemories) * 2 ** 20) / corpus.chunks),
    };
    await warm(types(deployment), ["chat", "ingestion", "sandbox", "transcription", "synthesis"]);

    log("capacity per request type");
    const incidents: string[] = [];
    // A process that dies mid-run is restarted and its request type measured once more; the report says so.
    const measured = async (key: string, restart: Parameters<Deployment["restart"]>[0]) => {
      const find = () => findCapacity(types(deployment).find((candidate) => candidate.key === key)!, sampler, log);
      const recover = async (incident: string) => {
        incidents.push(`a process of the deployment (${deployment.components().map((component) => component.name).join(", ")}) exited during the ${key} steps${incident}`);
        log(`  ${incidents[incidents.length - 1]}`);
        await deployment.restart(restart);
        await warm(types(deployment), ["memory-search", "library-search", key]);
      };
      let result = await find();
      if (deployment.alive()) return result;
      await recover(`; it was restarted and ${key} measured again`);
      result = await find();
      if (!deployment.alive()) await recover(" again; its figures include the failed steps");
      return result;
    };
    const capacity: CapacityResult[] = [];
    for (const type of types(deployment)) capacity.push(await measured(type.key, {}));
    const scoringTurns = quick ? 60 : 200;
    const scoring = await measureScoring(deployment.redis, sampler, scoringTurns, 60_000);
    log(`  scoring: ${scoring.turns_per_s} turns/s`);

    log("one knob at a time");
    const effects: KnobEffect[] = [];
    const scoringAfter: Record<string, ScoringResult> = {};
    for (const knob of knobs) {
      await deployment.restart(knob.restart);
      // Chat retrieves from both replicas: load them before its first measured step, as for the first run.
      await warm(types(deployment), ["memory-search", "library-search", knob.request]);
      log(`  ${knob.knob} ${knob.from} → ${knob.to}`);
      const after = await measured(knob.request, knob.restart);
      const before = capacity.find((result) => result.key === knob.request)!;
      if (knob.scoring) scoringAfter[knob.knob] = await measureScoring(deployment.redis, sampler, scoringTurns, 60_000);
      const scoringPair = scoringAfter[knob.knob] ? { before: scoring, after: scoringAfter[knob.knob]! } : undefined;
      effects.push(knobEffect(knob, before, after, scoringPair));
    }
    const fragmentation = (await sampled(sampler, async () => undefined)).usage.redis.mem_fragmentation_ratio;
    log("a full Redis (maxmemory reached)");
    const fullRedis = await measureFullRedis(deployment.redis, deployment.baseUrl);
    const report: CapacityReport = {
      machine: { ...machine, ...run.end() },
      duration_s: Math.round((performance.now() - began) / 1000),
      quick,
      corpus,
      model_memory: model,
      baselines: { idle, replicas },
      storage,
      growth: computeGrowth(storage, { fragmentation }),
      capacity,
      scoring,
      knobs: effects,
      scale: computeScale({ idle, capacity, scoring, storage, replicas, effects }),
      voice_seconds: voice.seconds,
      incidents,
      full_redis: fullRedis,
    };
    const markdown = renderReport(report);
    await writeFile(new URL("../results/capacity.md", import.meta.url), markdown);
    await writeFile(new URL("../results/README-section.md", import.meta.url), `${renderReadmeSection(report)}\n`);
    log(`done in ${report.duration_s} s: test/bench/results/capacity.md, README-section.md (npm run docs puts its summary into README.md)`);
    return { name: "capacity", ...report, table: markdown };
  } finally {
    await deployment.stop();
  }
}

/**
 * Unmeasured requests of each named type until a few have been answered and a second has passed:
 * JIT, connections, replicas and models loaded. A first search after a start loads the tenant's
 * replicas, which on a busy machine takes seconds; a fixed duration could end before it did.
 */
async function warm(types: ReturnType<typeof requestTypes>, keys: readonly string[]) {
  for (const type of types.filter((candidate) => keys.includes(candidate.key))) {
    if (type.baseline) await runLoad(2, 500, type.baseline);
    const started = performance.now();
    let answered = 0;
    while ((answered < 3 || performance.now() - started < 1000) && performance.now() - started < 30_000) {
      answered += (await runLoad(1, 1, type.request)).requests;
    }
    await type.afterStep?.();
  }
}

