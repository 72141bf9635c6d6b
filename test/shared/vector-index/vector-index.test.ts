import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { testRedis } from "../../redis.js";
import { isAppError } from "../../../shared/errors.js";
import { createRedisKeys } from "../../../shared/redis-keys.js";
import { createRandomVectors } from "../../../shared/vector-index/random-vectors.js";
import { createVectorReplicaCache } from "../../../shared/vector-index/replica-cache.js";
import type { VectorFollower } from "../../../shared/vector-index/replica.js";
import { createVectorIndex, type VectorIndex } from "../../../shared/vector-index/vector-index.js";

const modelA = { id: "model-a", dimension: 8 };
const clients: Redis[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.quit()));
});

/** One "process": its own Redis connection and its own replica cache, sharing only the server. */
function openProcess(url: string) {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  clients.push(redis);
  return { redis, replicas: createVectorReplicaCache() };
}

function setup() {
  const { redis, prefix, url } = testRedis();
  clients.push(redis);
  const keys = createRedisKeys(prefix);
  const processA = openProcess(url);
  const processB = openProcess(url);
  const index = (
    process: ReturnType<typeof openProcess>,
    options: { tenant?: string; collection?: string; embedder?: { id: string; dimension: number }; maxChanges?: number } = {},
  ): VectorIndex =>
    createVectorIndex({
      redis: process.redis,
      replicas: process.replicas,
      keys,
      tenant: options.tenant ?? "alice",
      collection: options.collection ?? "memories",
      embedder: options.embedder ?? modelA,
      ...(options.maxChanges === undefined ? {} : { maxChanges: options.maxChanges }),
    });
  return { redis, url, keys, processA, processB, index };
}

async function caught(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("vector index", () => {
  it("finds exactly the brute-force top k after a round trip through Redis", async () => {
    const { processA, processB, index } = setup();
    const random = createRandomVectors(7);
    const vectors = Array.from({ length: 2000 }, (_, position) => ({ id: `v${position}`, vector: random(64) }));
    const embedder = { id: "model-a", dimension: 64 };
    await index(processA, { embedder }).apply({ upsert: vectors.slice(0, 1000) });
    await index(processA, { embedder }).apply({ upsert: vectors.slice(1000) });
    const reader = index(processB, { embedder });
    for (let round = 0; round < 10; round++) {
      const query = random(64);
      const expected = vectors
        .map(({ id, vector }) => ({ id, cosine: vector.reduce((sum, value, position) => sum + value * query[position]!, 0) }))
        .sort((left, right) => right.cosine - left.cosine)
        .slice(0, 10);
      const actual = await reader.search(query, { topK: 10 });
      expect(actual.map((match) => match.id)).toEqual(expected.map((entry) => entry.id));
      for (const [position, match] of actual.entries()) {
        expect(match.cosine).toBeCloseTo(expected[position]!.cosine, 5);
        expect(match.similarity).toBeCloseTo((1 + expected[position]!.cosine) / 2, 5);
      }
    }
  });

  it("reports similarity in 0..1 (1 = same direction, 0 = opposite) and honours minSimilarity and filter", async () => {
    const { processA, index } = setup();
    const writer = index(processA);
    await writer.apply({
      upsert: [
        { id: "same", vector: [1, 0, 0, 0, 0, 0, 0, 0], data: "keep" },
        { id: "orthogonal", vector: [0, 1, 0, 0, 0, 0, 0, 0], data: "keep" },
        { id: "opposite", vector: [-2, 0, 0, 0, 0, 0, 0, 0], data: "keep" },
        { id: "near", vector: [3, 1, 0, 0, 0, 0, 0, 0], data: "drop" },
      ],
    });
    const all = await writer.search([5, 0, 0, 0, 0, 0, 0, 0], { topK: 10 });
    expect(all.map((match) => [match.id, Number(match.similarity.toFixed(4))])).toEqual([
      ["same", 1],
      ["near", Number(((1 + 3 / Math.sqrt(10)) / 2).toFixed(4))],
      ["orthogonal", 0.5],
      ["opposite", 0],
    ]);
    const close = await writer.search([1, 0, 0, 0, 0, 0, 0, 0], { topK: 10, minSimilarity: 0.6 });
    expect(close.map((match) => match.id)).toEqual(["same", "near"]);
    const filtered = await writer.search([1, 0, 0, 0, 0, 0, 0, 0], { topK: 2, filter: (_id, data) => data === "keep" });
    expect(filtered.map((match) => match.id)).toEqual(["same", "orthogonal"]);
    expect((await writer.nearest([0, 0.1, 0, 0, 0, 0, 0, 0]))?.id).toBe("orthogonal");
    expect(await writer.get("near")).toMatchObject({ id: "near", data: "drop" });
  });

  it("shows a write through process A to a search through process B as soon as A's write returns", async () => {
    const { processA, processB, index } = setup();
    const writer = index(processA);
    const reader = index(processB);
    const random = createRandomVectors(3);
    expect(await reader.count()).toBe(0); // B's replica exists and is "current" before the write
    for (let round = 0; round < 20; round++) {
      const vector = random(8);
      await writer.apply({ upsert: [{ id: `m${round}`, vector, data: `memory ${round}` }] });
      const [match] = await reader.search(vector, { topK: 1 });
      expect(match).toMatchObject({ id: `m${round}`, data: `memory ${round}` });
      expect(match!.similarity).toBeCloseTo(1, 6);
    }
    await writer.apply({ remove: ["m5"] });
    expect(await reader.get("m5")).toBeUndefined();
    expect(await reader.count()).toBe(19);
    expect((await reader.search(random(8), { topK: 50 })).map((match) => match.id)).not.toContain("m5");
  });

  it("never lets a reader in another process see half of an apply", async () => {
    const { processA, processB, index, url } = setup();
    const writer = index(processA);
    const random = createRandomVectors(11);
    const generation = (number: number, size: number) =>
      Array.from({ length: size }, (_, position) => ({ id: `g${number}-${position}`, vector: random(8), data: `g${number}` }));
    let current = generation(0, 50);
    await writer.apply({ upsert: current });
    let done = false;
    const seen = new Set<string>();
    const checkSnapshots = async (reader: () => VectorIndex) => {
      while (!done) {
        const view = await reader().view();
        const matches = view.search(random(8), { topK: 10_000 });
        const generations = new Set(matches.map((match) => match.data ?? "(no data)"));
        expect(generations.size, `mixed generations ${[...generations].join(",")}`).toBe(1);
        expect(matches.length).toBe(view.count);
        seen.add([...generations][0]!);
      }
    };
    // B keeps one warm replica (incremental catch-up); C starts cold every time (full load + replay).
    const readers = Promise.all([
      checkSnapshots(() => index(processB)),
      checkSnapshots(() => index(openProcess(url))),
    ]);
    for (let number = 1; number <= 61; number++) {
      // Sizes vary so catch-ups cross the per-read id budget and full loads need several HSCAN pages.
      const next = generation(number, number % 10 === 0 ? 2500 : 50);
      await writer.apply({ remove: current.map((entry) => entry.id), upsert: next });
      current = next;
    }
    done = true;
    await readers;
    expect(seen.size).toBeGreaterThan(3);
    const final = await index(processB).view();
    expect(final.count).toBe(50);
    expect(final.search(random(8), { topK: 100 }).every((match) => match.data === "g61")).toBe(true);
  }, 60_000);

  it("repairs a full load that races with a write (scan pages from before and after an apply)", async () => {
    const { processA, index, url } = setup();
    const writer = index(processA);
    const random = createRandomVectors(13);
    const generation = (number: number) =>
      Array.from({ length: 300 }, (_, position) => ({ id: `g${number}-${position}`, vector: random(8), data: `g${number}` }));
    const old = generation(0);
    await writer.apply({ upsert: old });
    const cold = openProcess(url);
    // The apply lands after the load has noted its position and scanned the data, before it scans vectors.
    const scanVectors = cold.redis.hscanBuffer.bind(cold.redis);
    let raced = false;
    cold.redis.hscanBuffer = (async (...args: Parameters<typeof scanVectors>) => {
      if (!raced) {
        raced = true;
        await writer.apply({ remove: old.map((entry) => entry.id), upsert: generation(1) });
      }
      return scanVectors(...args);
    }) as typeof cold.redis.hscanBuffer;
    const view = await index(cold).view();
    expect(raced).toBe(true);
    expect(view.count).toBe(300);
    const generations = new Set(view.search(random(8), { topK: 1000 }).map((match) => match.data ?? "(no data)"));
    expect([...generations]).toEqual(["g1"]);
  });

  it("keeps tenants apart: the same collection of another tenant is never seen", async () => {
    const { processA, processB, index } = setup();
    await index(processA, { tenant: "alice" }).apply({ upsert: [{ id: "secret", vector: [1, 2, 3, 4, 5, 6, 7, 8], data: "alice's" }] });
    const bob = index(processB, { tenant: "bob" });
    expect(await bob.count()).toBe(0);
    expect(await bob.search([1, 2, 3, 4, 5, 6, 7, 8], { topK: 5 })).toEqual([]);
    expect(await bob.get("secret")).toBeUndefined();
    await bob.apply({ upsert: [{ id: "secret", vector: [8, 7, 6, 5, 4, 3, 2, 1], data: "bob's" }] });
    expect((await index(processB, { tenant: "alice" }).get("secret"))?.data).toBe("alice's");
    expect((await bob.get("secret"))?.data).toBe("bob's");
    await bob.apply({ remove: ["secret"] });
    expect(await index(processA, { tenant: "alice" }).count()).toBe(1);
  });

  it("refuses to mix embedders with a 409 naming both and the way out, and never returns garbage", async () => {
    const { processA, processB, index } = setup();
    await index(processA).apply({ upsert: [{ id: "a", vector: [1, 0, 0, 0, 0, 0, 0, 0] }] });
    for (const other of [{ id: "model-b", dimension: 8 }, { id: "model-a", dimension: 4 }]) {
      const wrong = index(processB, { embedder: other });
      const vector = new Array(other.dimension).fill(1);
      for (const attempt of [wrong.apply({ upsert: [{ id: "b", vector }] }), wrong.search(vector, { topK: 3 })]) {
        const error = await caught(attempt);
        expect(isAppError(error) && error.status).toBe(409);
        expect(isAppError(error) && error.code).toBe("embedder_mismatch");
        expect(String(error)).toContain(`"model-a" (8-d)`);
        expect(String(error)).toContain(`"${other.id}" (${other.dimension}-d)`);
        expect(String(error)).toMatch(/re-embed/);
      }
    }
    expect(await index(processA).count()).toBe(1); // the refused write left nothing behind
    // Removing compares nothing, so it works across embedders; an emptied collection adopts the new one.
    const modelB = index(processB, { embedder: { id: "model-b", dimension: 8 } });
    await modelB.apply({ remove: ["a"] });
    await modelB.apply({ upsert: [{ id: "b", vector: [0, 1, 0, 0, 0, 0, 0, 0] }] });
    expect((await modelB.view()).recorded).toEqual({ embedder: "model-b", dimension: 8 });
    const stale = await caught(index(processA).search([0, 1, 0, 0, 0, 0, 0, 0], { topK: 1 }));
    expect(isAppError(stale) && stale.code).toBe("embedder_mismatch");
  });

  it("reloads fully when the change log was trimmed past a replica's position", async () => {
    const { processA, processB, index, redis, keys } = setup();
    const writer = index(processA, { maxChanges: 10 });
    const random = createRandomVectors(5);
    await writer.apply({ upsert: [{ id: "gone", vector: random(8) }, { id: "kept", vector: random(8) }] });
    const reader = index(processB);
    expect(await reader.count()).toBe(2);
    await writer.apply({ remove: ["gone"] });
    for (let round = 0; round < 300; round++) await writer.apply({ upsert: [{ id: `n${round % 40}`, vector: random(8) }] });
    const [[firstId]] = (await redis.xrange(keys.tenant("alice", "vec", "memories", "changes"), "-", "+", "COUNT", 1)) as [[string, string[]]];
    expect(Number(firstId.split("-")[0])).toBeGreaterThan(3); // the removal of "gone" is no longer in the log
    expect(await reader.get("gone")).toBeUndefined();
    expect(await reader.count()).toBe(41);
    const latest = random(8);
    await writer.apply({ upsert: [{ id: "n7", vector: latest }] });
    expect((await reader.search(latest, { topK: 1 }))[0]?.id).toBe("n7");
  });

  it("keeps a follower (e.g. BM25) in step with the replica, across processes and a drop", async () => {
    const { processA, processB, index } = setup();
    const texts = new Map<string, string | undefined>();
    let resets = 0;
    const createFollower = (): VectorFollower => ({
      reset: () => {
        resets++;
        texts.clear();
      },
      upsert: (id, data) => texts.set(id, data),
      remove: (id) => texts.delete(id),
    });
    const writer = index(processA);
    await writer.apply({ upsert: [{ id: "a", vector: [1, 0, 0, 0, 0, 0, 0, 0], data: "alpha" }] });
    const reader = index(processB);
    const follower = (await reader.view()).follow("texts", createFollower);
    expect(Object.fromEntries(texts)).toEqual({ a: "alpha" });
    await writer.apply({ remove: ["a"], upsert: [{ id: "b", vector: [0, 1, 0, 0, 0, 0, 0, 0], data: "beta" }] });
    const view = await reader.view();
    expect(view.follow("texts", createFollower)).toBe(follower); // one follower per replica
    expect(Object.fromEntries(texts)).toEqual({ b: "beta" });
    await writer.drop();
    expect(await reader.count()).toBe(0);
    expect(texts.size).toBe(0);
    expect(resets).toBe(2);
  });

  it("rejects malformed input with errors a caller can act on", async () => {
    const { processA, index } = setup();
    expect(() => index(processA, { collection: "a:b" })).toThrow(/collection/);
    const writer = index(processA);
    const duplicate = await caught(writer.apply({ upsert: [{ id: "x", vector: [1, 0, 0, 0, 0, 0, 0, 0] }, { id: "x", vector: [0, 1, 0, 0, 0, 0, 0, 0] }] }));
    expect(isAppError(duplicate) && duplicate.code).toBe("duplicate_id");
    const short = await caught(writer.apply({ upsert: [{ id: "x", vector: [1, 0] }] }));
    expect(isAppError(short) && short.status).toBe(422);
    const zero = await caught(writer.apply({ upsert: [{ id: "x", vector: new Array(8).fill(0) }] }));
    expect(isAppError(zero) && zero.code).toBe("invalid_vector");
    const topK = await caught(writer.search([1, 0, 0, 0, 0, 0, 0, 0], { topK: 0 }));
    expect(isAppError(topK) && topK.status).toBe(400);
    expect(await writer.count()).toBe(0);
  });
});
