import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ArchivedMemory } from "../../functions/memory/index.js";
import { createIdGenerator } from "../../shared/clock.js";
import { createRandomVectors } from "../../shared/vector-index/random-vectors.js";
import { createFileColdStore } from "./cold-store-files.js";

let dataDir: string;
const ids = createIdGenerator();
const random = createRandomVectors(11);

const memory = (overrides: Partial<ArchivedMemory> = {}): ArchivedMemory => ({
  id: ids.next(),
  message: "A lighthouse keeper named Abbie Burgess kept the lamps lit in 1856.",
  perplexity: 42.5,
  surpriseScore: 0.81,
  createdAt: Date.UTC(2025, 0, 1),
  sessionId: "s-1",
  metadata: { topic: "history" },
  contentHash: "ab".repeat(32),
  source: "chat",
  restoredAt: null,
  importance: 0.81,
  answered: null,
  archivedAt: Date.UTC(2025, 3, 1),
  embedder: "model-a",
  embedding: random(16),
  ...overrides,
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "archive-cold-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("file cold store", () => {
  it("keeps a batch pending (invisible) until it is committed, then serves exactly the committed ids", async () => {
    const store = createFileColdStore({ dataDir });
    const [first, second] = [memory(), memory()];
    const batch = ids.next();
    await store.append("alice", batch, [first, second]);
    expect(await store.get("alice", [first.id])).toEqual([]);
    expect(await store.pending("alice")).toEqual([{ batchId: batch, ids: [first.id, second.id] }]);
    expect((await store.stats("alice")).pendingBatches).toBe(1);

    await store.commit("alice", batch, [first.id]);
    expect(await store.pending("alice")).toEqual([]);
    expect((await store.get("alice", [first.id, second.id])).map((entry) => entry.record.id)).toEqual([first.id]);
    expect(await store.list("alice")).toEqual([{ id: first.id, batchId: batch }]);
    expect(await store.stats("alice")).toMatchObject({ memories: 1, committedBatches: 1, pendingBatches: 0 });
  });

  it("brings embeddings back bit for bit and writes gzip JSONL under archive/<tenant>/", async () => {
    const store = createFileColdStore({ dataDir });
    const original = memory({ embedding: new Float32Array([0.1, -0.2, 1e-30, 0.333333343267]) });
    const batch = ids.next();
    await store.append("alice", batch, [original]);
    await store.commit("alice", batch, [original.id]);
    // A second process reading the same directory (no shared cache).
    const [entry] = await createFileColdStore({ dataDir }).get("alice", [original.id]);
    expect(entry?.record).toEqual(original);
    expect(Array.from(entry!.record.embedding)).toEqual(Array.from(original.embedding));

    const files = await readdir(join(dataDir, "archive", "alice"));
    expect(files.sort()).toEqual([`${batch}.commit.json`, `${batch}.jsonl.gz`]);
    const lines = gunzipSync(await readFile(join(dataDir, "archive", "alice", `${batch}.jsonl.gz`))).toString("utf8").trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ v: 1, id: original.id, message: original.message, embedder: "model-a" });
  });

  it("treats a second append of a batch as done and a second commit as the same commit", async () => {
    const store = createFileColdStore({ dataDir });
    const record = memory();
    const batch = ids.next();
    await store.append("alice", batch, [record]);
    await store.append("alice", batch, [memory()]);
    await store.commit("alice", batch, [record.id]);
    await store.commit("alice", batch, [record.id]);
    expect((await store.get("alice", [record.id])).map((entry) => entry.record.message)).toEqual([record.message]);
    expect((await store.stats("alice")).memories).toBe(1);
  });

  it("answers an id held by two batches from the newest, and removes per batch", async () => {
    const store = createFileColdStore({ dataDir });
    const older = memory({ message: "older copy" });
    const newer = { ...older, message: "newer copy" };
    const [batchA, batchB] = [ids.next(), ids.next()];
    await store.append("alice", batchA, [older]);
    await store.commit("alice", batchA, [older.id]);
    await store.append("alice", batchB, [newer]);
    await store.commit("alice", batchB, [newer.id]);
    expect((await store.get("alice", [older.id]))[0]).toMatchObject({ batchId: batchB, record: { message: "newer copy" } });
    expect((await store.stats("alice")).memories).toBe(1);

    await store.remove("alice", [{ id: older.id, batchId: batchA }]);
    expect((await store.get("alice", [older.id]))[0]?.batchId).toBe(batchB);
    await store.remove("alice", [{ id: older.id, batchId: batchB }]);
    expect(await store.get("alice", [older.id])).toEqual([]);
    // Emptied batches are deleted entirely.
    expect(await readdir(join(dataDir, "archive", "alice"))).toEqual([]);
  });

  it("searches semantically over the embeddings: exact cosine ranking, similarity in 0..1, one embedder only", async () => {
    const store = createFileColdStore({ dataDir });
    const unit = (vector: Float32Array) => {
      const norm = Math.hypot(...vector);
      return vector.map((value) => value / norm);
    };
    const query = random(16);
    const near = memory({ embedding: unit(query.map((value, index) => value + (index === 0 ? 0.05 : 0))) });
    const far = memory({ embedding: query.map((value) => -value) });
    const middle = memory({ embedding: random(16) });
    const otherModel = memory({ embedding: query, embedder: "model-b" });
    const batch = ids.next();
    await store.append("alice", batch, [near, far, middle, otherModel]);
    await store.commit("alice", batch, [near.id, far.id, middle.id, otherModel.id]);
    const matches = await store.search("alice", { vector: query, embedder: "model-a", topK: 10 });
    expect(matches.map((match) => match.record.id)).toEqual([near.id, middle.id, far.id]);
    expect(matches[0]!.similarity).toBeGreaterThan(0.95);
    expect(matches[2]!.similarity).toBeCloseTo(0, 5);
    expect(await store.search("alice", { vector: query, embedder: "model-a", topK: 1 })).toHaveLength(1);
  });

  it("keeps tenants apart and refuses names that are not plain path segments", async () => {
    const store = createFileColdStore({ dataDir });
    const record = memory();
    const batch = ids.next();
    await store.append("alice", batch, [record]);
    await store.commit("alice", batch, [record.id]);
    expect(await store.get("bob", [record.id])).toEqual([]);
    expect(await store.search("bob", { vector: record.embedding, embedder: "model-a", topK: 5 })).toEqual([]);
    await expect(store.append("../etc", ids.next(), [record])).rejects.toThrow(/invalid tenant/);
    await expect(store.append("alice", "../../x", [record])).rejects.toThrow(/invalid batch/);
  });

  it("discards a pending batch without touching committed ones", async () => {
    const store = createFileColdStore({ dataDir });
    const kept = memory();
    const [committed, pending] = [ids.next(), ids.next()];
    await store.append("alice", committed, [kept]);
    await store.commit("alice", committed, [kept.id]);
    await store.append("alice", pending, [memory()]);
    await store.discard("alice", pending);
    expect(await store.pending("alice")).toEqual([]);
    expect((await store.stats("alice")).memories).toBe(1);
  });
});
