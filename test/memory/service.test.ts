import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdGenerator } from "../../shared/clock.js";
import { silentLogger } from "../../shared/logger.js";
import { createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { jobScope } from "../../functions/request-scope.js";
import { createCaptureJob } from "../../functions/memory/jobs.js";
import { createTurnScorer, type CaptureJobData, type ScoreOutcome } from "../../functions/memory/scorer.js";
import { createMemoryService } from "../../functions/memory/service.js";
import { openMemoryStore } from "../../functions/memory/store.js";
import { startHarness, type Harness } from "../harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ functions: ["memory"] });
});
afterAll(async () => {
  await harness?.close();
});

const memoryFunction = () => harness.fn("memory");
const service = () => memoryFunction().service;
const retriever = () => {
  const found = memoryFunction().provides?.retriever;
  if (!found) throw new Error("memory provides no retriever");
  return found;
};
const scope = (tenant = "alice") => jobScope(harness.redis, tenant, { logger: silentLogger });
const unique = () => crypto.randomUUID().slice(0, 8);
const turn = (message: string, overrides: Partial<CaptureJobData> = {}): CaptureJobData => ({
  tenant: "alice",
  sessionId: "session-1",
  message,
  turnId: crypto.randomUUID().replaceAll("-", ""),
  capturedAt: Date.now(),
  ...overrides,
});
/** A fresh scoring worker, as another process would run it: its own replica cache. */
const processor = (capture: "all" | "surprising" = "all") => {
  const config = { ...harness.config, memory: { ...harness.config.memory, capture } };
  const scoreTurn = createTurnScorer({ ...harness, config, replicas: createVectorReplicaCache() });
  const spec = createCaptureJob({ scoreTurn, redis: { acquire: async () => ({ redis: harness.redis, release: async () => undefined }) }, logger: silentLogger });
  // What the worker hands a processor: the parsed data and the job (only its id is read).
  return (data: CaptureJobData) => spec.process(spec.schema.parse(data), { id: data.turnId, name: "score-turn", data, attemptsMade: 0 } as Job, undefined) as Promise<ScoreOutcome>;
};
const job = (data: CaptureJobData) => data;

describe("capture scoring", () => {
  it("keeps every turn by default: small talk too, its surprise as importance, with what it answered", async () => {
    const tenant = `t-${unique()}`;
    const smallTalk = await processor()(job(turn("Yes, the red one please.", { tenant, answered: "Do you want the red or the blue bike?" })));
    expect(smallTalk).toMatchObject({ stored: true, reason: "stored", novelty: 1 });
    const [memory] = (await service().list(scope(tenant), { limit: 10, offset: 0 })).memories;
    expect(memory).toMatchObject({ message: "Yes, the red one please.", answered: "Do you want the red or the blue bike?" });
    expect(memory!.importance).toBeCloseTo((smallTalk as { surprise: number }).surprise, 4);
    expect(memory!.importance).toBe(memory!.surprise_score);
  });

  it("with MEMORY_CAPTURE=surprising, stores a surprising turn and skips small talk, with the original's numbers", async () => {
    const tenant = `t-${unique()}`;
    const run = processor("surprising");
    const smallTalk = await run(job(turn("Hello! How are you today?", { tenant })));
    expect(smallTalk).toMatchObject({ stored: false, reason: "below_threshold", novelty: 1 });
    expect((smallTalk as { surprise: number }).surprise).toBeCloseTo(0.599, 2);
    const rare = await run(job(turn("My sister Margarethe lives in Tromsø and keeps bees.", { tenant })));
    expect(rare).toMatchObject({ stored: true, reason: "stored", novelty: 1 });
    const { memories, total } = await service().list(scope(tenant), { limit: 10, offset: 0 });
    expect(total).toBe(1);
    expect(memories[0]).toMatchObject({ message: "My sister Margarethe lives in Tromsø and keeps bees.", session_id: "session-1", metadata: null });
    expect(memories[0]!.perplexity).toBeGreaterThan(40);
    expect(memories[0]!.surprise_score).toBeGreaterThanOrEqual(0.7);
  });

  it("is idempotent: the same job run twice (a retry) stores one memory", async () => {
    const tenant = `t-${unique()}`;
    const data = turn(`Quantum flibbertigibbet zamboni ${unique()}`, { tenant });
    const [first, second] = [await processor()(job(data)), await processor()(job(data))];
    expect(first).toMatchObject({ stored: true, reason: "stored" });
    expect(second).toMatchObject({ stored: true, reason: "already_stored", id: (first as { id: string }).id });
    expect((await service().stats(scope(tenant))).hot).toBe(1);
  });

  it("never stores an exact duplicate, even from different turns at the same moment", async () => {
    const tenant = `t-${unique()}`;
    const text = `Zorblax the cat guards locker 4417 ${unique()}`;
    const outcomes = await Promise.all([
      processor()(job(turn(text, { tenant }))),
      processor()(job(turn(`  ${text.replace(" ", "   ")} `, { tenant }))),
      processor()(job(turn(text, { tenant }))),
    ]);
    expect(outcomes.filter((outcome) => outcome.stored)).toHaveLength(1);
    expect((await service().stats(scope(tenant))).hot).toBe(1);
    // Nor may a duplicate's vector linger: exactly one vector for the one memory.
    expect(await openMemoryStore({ ...harness, replicas: createVectorReplicaCache() }, harness.redis, { tenant, endUser: "default" }).index.count()).toBe(1);
  });

  it("stores a retried turn whose first attempt crashed after writing the vector (its own vector is not 'nearest')", async () => {
    const tenant = `t-${unique()}`;
    const data = turn(`Flibbertigibbet ${unique()} zamboni`, { tenant });
    const first = (await processor()(job(data))) as { id: string };
    // Simulate the crash: the record goes, the vector stays — then the job is retried.
    await harness.redis.del(`${harness.prefix}:t:${tenant}:memory:${first.id}`, `${harness.prefix}:t:${tenant}:memories`, `${harness.prefix}:t:${tenant}:memory-hashes`);
    expect(await processor()(job(data))).toMatchObject({ stored: true, reason: "stored", novelty: 1 });
  });
});

describe("memory service", () => {
  it("adds explicitly (always stored, scored), and answers an exact duplicate with the existing memory", async () => {
    const tenant = `t-${unique()}`;
    const added = await service().add(scope(tenant), { message: "Hello! How are you today?", metadata: { from: "test" }, sessionId: "s1" });
    expect(added.created).toBe(true);
    expect(added.memory).toMatchObject({ message: "Hello! How are you today?", session_id: "s1", metadata: { from: "test" } });
    expect(added.memory.perplexity).toBeGreaterThan(3.5);
    expect(added.memory.surprise_score).toBeCloseTo(0.599, 2);
    expect(new Date(added.memory.created_at).toISOString()).toBe(added.memory.created_at);
    const again = await service().add(scope(tenant), { message: "Hello!   How are you today? " });
    expect(again).toEqual({ created: false, memory: added.memory });
  });

  it("stores an explicit add unscored while the engine cannot answer", async () => {
    // Embeddings still work (same engine); only perplexity fails, because the model is unknown.
    const pool = { request: harness.pool.request, model: async () => "no-such-model" };
    const { keys, clock, config, embedder } = harness;
    const service = createMemoryService({ keys, clock, config, embedder, replicas: createVectorReplicaCache(), ids: createIdGenerator(), pool });
    const { memory, created } = await service.add(scope(`t-${unique()}`), { message: `Unscored ${unique()} memory` });
    expect(created).toBe(true);
    expect(memory).toMatchObject({ perplexity: null, surprise_score: null });
  });

  it("lists newest first with total, bounded by limit and offset", async () => {
    const tenant = `t-${unique()}`;
    const messages = ["first kumquat", "second rutabaga", "third persimmon"].map((text) => `${text} ${unique()}`);
    for (const message of messages) await service().add(scope(tenant), { message });
    const page = await service().list(scope(tenant), { limit: 2, offset: 0 });
    expect(page.total).toBe(3);
    expect(page.memories.map((memory) => memory.message)).toEqual([messages[2], messages[1]]);
    const rest = await service().list(scope(tenant), { limit: 2, offset: 2 });
    expect(rest.memories.map((memory) => memory.message)).toEqual([messages[0]]);
  });

  it("searches semantically with similarity in 0..1, best first; delete removes the memory and its vector", async () => {
    const tenant = `t-${unique()}`;
    const bees = await service().add(scope(tenant), { message: "My sister Margarethe keeps bees in Tromsø." });
    await service().add(scope(tenant), { message: "The passport number is X7741-QZ." });
    const found = await service().search(scope(tenant), "Where does Margarethe keep her bees?", { topK: 5 });
    expect(found.memories[0]?.id).toBe(bees.memory.id);
    expect(found.total).toBe(2);
    for (const memory of found.memories) expect(memory.similarity).toBeGreaterThanOrEqual(0);
    expect(found.memories[0]!.similarity).toBeGreaterThan(found.memories[1]!.similarity!);
    expect(found.memories[0]!.similarity).toBeLessThanOrEqual(1);

    await service().remove(scope(tenant), bees.memory.id);
    const after = await service().search(scope(tenant), "Where does Margarethe keep her bees?", { topK: 5 });
    expect(after.memories.map((memory) => memory.id)).not.toContain(bees.memory.id);
    await expect(service().get(scope(tenant), bees.memory.id)).rejects.toMatchObject({ status: 404 });
    // Deleting frees the words: adding them again is a new memory.
    expect((await service().add(scope(tenant), { message: "My sister Margarethe keeps bees in Tromsø." })).created).toBe(true);
  });

  it("limits a search to one session when asked", async () => {
    const tenant = `t-${unique()}`;
    await service().add(scope(tenant), { message: "Bees in the garden", sessionId: "a" });
    const other = await service().add(scope(tenant), { message: "Bees on the balcony", sessionId: "b" });
    const found = await service().search(scope(tenant), "bees", { topK: 5, sessionId: "b" });
    expect(found.memories.map((memory) => memory.id)).toEqual([other.memory.id]);
  });

  it("keeps tenants apart: B can neither list, search, read, delete nor retrieve A's memories", async () => {
    const [alice, bob] = [`a-${unique()}`, `b-${unique()}`];
    const { memory } = await service().add(scope(alice), { message: "Alice's locker code is 4417." });
    expect((await service().list(scope(bob), { limit: 50, offset: 0 })).total).toBe(0);
    expect((await service().search(scope(bob), "locker code 4417", { topK: 10 })).memories).toEqual([]);
    await expect(service().get(scope(bob), memory.id)).rejects.toMatchObject({ status: 404, code: "memory_not_found" });
    await expect(service().remove(scope(bob), memory.id)).rejects.toMatchObject({ status: 404 });
    const retrieved = await retriever().retrieve({ tenant: bob, endUser: "default", sessionId: "", query: "locker code 4417", redis: harness.redis });
    expect(retrieved).toEqual([]);
    // …and A still has it.
    expect((await service().get(scope(alice), memory.id)).id).toBe(memory.id);
    const mine = await retriever().retrieve({ tenant: alice, endUser: "default", sessionId: "", query: "What is my locker code?", redis: harness.redis });
    expect(mine[0]).toMatchObject({ source: "memory", id: memory.id, text: "Alice's locker code is 4417.", citation: { memory_id: memory.id, created_at: memory.created_at } });
  });

  it("retrieval for a turn leaves out the memory that very turn became while it was answered", async () => {
    const tenant = `t-${unique()}`;
    const asked = turn(`Quantum flibbertigibbet zamboni xylophone ${unique()}`, { tenant });
    // Scoring was quicker than retrieval: the question is already a memory when retrieval runs.
    expect(await processor()(job(asked))).toMatchObject({ stored: true });
    const request = { tenant, endUser: "default", sessionId: "session-1", query: asked.message, redis: harness.redis };
    const unaware = await retriever().retrieve(request);
    expect(unaware.map((passage) => passage.text)).toEqual([asked.message]);
    const retrieved = await retriever().retrieve({ ...request, turn: { turnId: asked.turnId, capturedAt: asked.capturedAt } });
    expect(retrieved).toEqual([]);
  });

  it("writes through one process and finds it through another right after (two clients, two replica caches)", async () => {
    const second = await startHarness({ functions: ["memory"], engineUrl: harness.engineUrl, prefix: harness.prefix });
    try {
      const tenant = `t-${unique()}`;
      // Warm B's replica first, so the write must reach it as a change, not a first load.
      expect((await second.fn("memory").service.search(scope(tenant), "anything", { topK: 3 })).memories).toEqual([]);
      const { memory } = await service().add(scope(tenant), { message: "The spare key is under the blue flowerpot." });
      const found = await second.fn("memory").service.search(jobScope(second.redis, tenant, { logger: silentLogger }), "Where is the spare key?", { topK: 3 });
      expect(found.memories[0]?.id).toBe(memory.id);
      // The lexical half follows the same replica: an exact word is found through B at once too.
      const { memory: parcel } = await service().add(scope(tenant), { message: "Parcel ZX-4471-QB arrives Monday." });
      const byWord = await second.fn("memory").service.search(jobScope(second.redis, tenant, { logger: silentLogger }), "ZX-4471-QB", { topK: 3 });
      expect(byWord.memories[0]).toMatchObject({ id: parcel.id, lexical: 1 });
      // …and a delete through A is gone from B's lexical index.
      await service().remove(scope(tenant), parcel.id);
      expect((await second.fn("memory").service.search(jobScope(second.redis, tenant, { logger: silentLogger }), "ZX-4471-QB", { topK: 3 })).memories.map((hit) => hit.id)).not.toContain(parcel.id);
      expect((await second.fn("memory").service.get(jobScope(second.redis, tenant, { logger: silentLogger }), memory.id)).message).toBe(memory.message);
    } finally {
      await second.close();
    }
  });

  it("skips a vector whose record was never listed (a crash between the two writes)", async () => {
    const tenant = `t-${unique()}`;
    const store = await service().open(scope(tenant));
    const [vector] = await harness.embedder.embed(["An orphaned thought about lanterns"]);
    await store.index.apply({ upsert: [{ id: "01JORPHAN0000000000000000A", vector: vector! }] });
    const found = await service().search(scope(tenant), "An orphaned thought about lanterns", { topK: 5 });
    expect(found).toEqual({ memories: [], total: 0 });
  });
});
