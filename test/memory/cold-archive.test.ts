import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileColdStore } from "../../infra/node/cold-store-files.js";
import { createIdGenerator } from "../../shared/clock.js";
import { silentLogger } from "../../shared/logger.js";
import { createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { createRandomVectors } from "../../shared/vector-index/random-vectors.js";
import { jobScope } from "../../functions/request-scope.js";
import { createColdArchive, type ColdArchive } from "../../functions/memory/cold-archive.js";
import type { ColdStore } from "../../functions/memory/cold-store.js";
import { createArchiveJob } from "../../functions/memory/jobs.js";
import { createTurnScorer } from "../../functions/memory/scorer.js";
import { vectorData } from "../../functions/memory/store.js";
import { createTestClock, startHarness, type Harness, type TestClock } from "../harness.js";

const day = 24 * 3600 * 1000;
const start = Date.UTC(2026, 0, 1);
let harness: Harness;
let clock: TestClock;

beforeAll(async () => {
  clock = createTestClock(start);
  harness = await startHarness({ functions: ["memory"], clock, env: { ARCHIVE_DAYS: "30", ARCHIVE_KEEP_RECENT: "3" } });
});
afterAll(async () => {
  await harness?.close();
});

const service = () => harness.fn("memory").service;
const coldArchive = () => harness.fn("memory").coldArchive;
const unique = () => crypto.randomUUID().slice(0, 8);
const scope = (tenant: string) => jobScope(harness.redis, tenant, { logger: silentLogger });

/** A cold archive over the harness's Redis and files, with `wrap` around the cold store (to inject crashes). */
function archiveWith(wrap: (files: ColdStore) => ColdStore = (files) => files): ColdArchive {
  return createColdArchive({
    ...harness,
    replicas: createVectorReplicaCache(),
    ids: createIdGenerator(clock),
    logger: silentLogger,
    coldStore: wrap(createFileColdStore({ dataDir: harness.dataDir })),
  });
}

class SimulatedCrash extends Error {}

/** Adds memories at the given days after `start`; returns them oldest first. */
async function seed(tenant: string, days: readonly number[]) {
  const topics = ["lighthouse keepers in Maine", "sourdough starter feeding", "the Tromsø bee colony", "a broken bicycle chain", "violin lessons on Tuesdays", "the orchid on the windowsill"];
  const added = [];
  for (const [position, offset] of days.entries()) {
    clock.set(start + offset * day);
    const message = `Note ${position} about ${topics[position % topics.length]} (${unique()})`;
    added.push((await service().add(scope(tenant), { message })).memory);
  }
  return added;
}

const hotIds = async (tenant: string) => (await service().list(scope(tenant), { limit: 100, offset: 0 })).memories.map((memory) => memory.id);
const vectorOf = async (tenant: string, id: string) => (await (await service().open(scope(tenant))).index.get(id))?.vector;

describe("archival (injected clock)", () => {
  it("moves exactly the memories older than ARCHIVE_DAYS beyond the ARCHIVE_KEEP_RECENT newest, with their embeddings", async () => {
    const tenant = `t-${unique()}`;
    const [m0, m1, m2, m3, m4] = await seed(tenant, [0, 1, 2, 3, 40]);
    // m1 gets a vector no embedder would make: only a true round trip through cold storage brings it back.
    const store = await service().open(scope(tenant));
    const stamp = (await store.index.get(m1!.id))?.data;
    await store.index.apply({ upsert: [{ id: m1!.id, vector: createRandomVectors(5)(384), data: stamp }] });
    const vectors = { m0: await vectorOf(tenant, m0!.id), m1: await vectorOf(tenant, m1!.id) };
    clock.set(start + 45 * day);
    const result = await coldArchive().run(scope(tenant), clock.now());
    // m2 and m3 are old too, but among the 3 newest; m4 is young.
    expect(result).toMatchObject({ tenant, archived: 2, kept_in_redis: 3, batches: 1, recovered: { committed: 0, discarded: 0 } });
    expect(await hotIds(tenant)).toEqual([m4!.id, m3!.id, m2!.id]);
    expect(await vectorOf(tenant, m0!.id)).toBeUndefined();
    expect(await service().stats(scope(tenant))).toMatchObject({ hot: 3, archived: 2, total: 5 });
    expect(await coldArchive().stats(scope(tenant))).toMatchObject({ archived: 2, cold_store: "files", batches: 1, pending_batches: 0, last_run: { archived: 2 } });

    // Archive search is semantic (an embedding search, not a substring match).
    const found = await service().search(scope(tenant), "Who kept the lighthouses of Maine?", { topK: 5, tier: "cold" });
    expect(found.memories[0]).toMatchObject({ id: m0!.id, message: m0!.message, created_at: m0!.created_at });
    expect(found.memories.map((memory) => memory.id).sort()).toEqual([m0!.id, m1!.id].sort());

    // Restore: back in hot storage with the identical vector, and it stays hot on the next run.
    expect(await coldArchive().restore(scope(tenant), [m0!.id, "01NOTAREALID0000000000000Z"])).toEqual({ restored: [m0!.id], not_found: ["01NOTAREALID0000000000000Z"] });
    expect(Array.from((await vectorOf(tenant, m0!.id))!)).toEqual(Array.from(vectors.m0!));
    expect(await service().get(scope(tenant), m0!.id)).toEqual(m0);
    expect((await service().search(scope(tenant), "lighthouse keepers in Maine", { topK: 1 })).memories[0]?.id).toBe(m0!.id);
    expect((await coldArchive().run(scope(tenant), clock.now())).archived).toBe(0);
    expect((await service().search(scope(tenant), "lighthouse keepers in Maine", { topK: 5, tier: "cold" })).memories.map((memory) => memory.id)).toEqual([m1!.id]);
    expect(await coldArchive().stats(scope(tenant))).toMatchObject({ archived: 1 });

    // Exact duplicates stay duplicates across tiers.
    await expect(service().add(scope(tenant), { message: m1!.message })).rejects.toMatchObject({ status: 409, code: "memory_archived" });
    const scoreTurn = createTurnScorer({ ...harness, replicas: createVectorReplicaCache() });
    expect(await scoreTurn(scope(tenant), { tenant, sessionId: "", message: m1!.message, turnId: unique(), capturedAt: clock.now() })).toMatchObject({ stored: false, reason: "archived_duplicate", id: m1!.id });
    // And a second restore of the same id changes nothing.
    expect((await coldArchive().restore(scope(tenant), [m1!.id])).restored).toEqual([m1!.id]);
    expect(Array.from((await vectorOf(tenant, m1!.id))!)).toEqual(Array.from(vectors.m1!));
    expect(await coldArchive().restore(scope(tenant), [m1!.id])).toEqual({ restored: [], not_found: [m1!.id] });
  });

  it("loses nothing and duplicates nothing when the run dies between the cold write and the Redis delete", async () => {
    const tenant = `t-${unique()}`;
    const seeded = await seed(tenant, [0, 1, 2, 50, 51, 52]);
    clock.set(start + 60 * day);
    const crashing = archiveWith((files) => ({
      ...files,
      append: async (...args) => {
        await files.append(...args);
        throw new SimulatedCrash("killed after the cold write");
      },
    }));
    await expect(crashing.run(scope(tenant), clock.now())).rejects.toBeInstanceOf(SimulatedCrash);
    expect((await hotIds(tenant)).sort()).toEqual(seeded.map((memory) => memory.id).sort());
    expect((await archiveWith().stats(scope(tenant))).pending_batches).toBe(1);
    expect((await service().search(scope(tenant), "lighthouse keepers", { topK: 10, tier: "cold" })).memories).toEqual([]);

    const rerun = await archiveWith().run(scope(tenant), clock.now());
    expect(rerun).toMatchObject({ archived: 3, recovered: { committed: 0, discarded: 1 } });
    expect(await archiveWith().stats(scope(tenant))).toMatchObject({ archived: 3, batches: 1, pending_batches: 0 });
    const everything = await service().search(scope(tenant), "note about", { topK: 50, tier: "cold" });
    expect(everything.memories.map((memory) => memory.id).sort()).toEqual(seeded.slice(0, 3).map((memory) => memory.id).sort());
  });

  it("loses nothing and duplicates nothing when the run dies after the Redis delete, before the commit", async () => {
    const tenant = `t-${unique()}`;
    const seeded = await seed(tenant, [0, 1, 2, 50, 51, 52]);
    clock.set(start + 60 * day);
    const crashing = archiveWith((files) => ({
      ...files,
      commit: async () => {
        throw new SimulatedCrash("killed before the commit");
      },
    }));
    await expect(crashing.run(scope(tenant), clock.now())).rejects.toBeInstanceOf(SimulatedCrash);
    // Out of Redis, recorded as archived: not lost, only not yet searchable.
    expect((await hotIds(tenant)).sort()).toEqual(seeded.slice(3).map((memory) => memory.id).sort());
    expect((await service().stats(scope(tenant))).archived).toBe(3);

    const rerun = await archiveWith().run(scope(tenant), clock.now());
    expect(rerun).toMatchObject({ archived: 0, recovered: { committed: 1, discarded: 0 } });
    const found = await service().search(scope(tenant), "note about", { topK: 50, tier: "cold" });
    expect(found.memories.map((memory) => memory.id).sort()).toEqual(seeded.slice(0, 3).map((memory) => memory.id).sort());
    expect(await archiveWith().stats(scope(tenant))).toMatchObject({ archived: 3, batches: 1, pending_batches: 0 });
    expect((await archiveWith().restore(scope(tenant), [seeded[0]!.id])).restored).toEqual([seeded[0]!.id]);
  });

  it("ignores, then purges, the cold copy a restore left behind when it died before cleaning up", async () => {
    const tenant = `t-${unique()}`;
    const [oldest] = await seed(tenant, [0, 1, 50, 51, 52]);
    clock.set(start + 60 * day);
    await archiveWith().run(scope(tenant), clock.now());
    const crashing = archiveWith((files) => ({
      ...files,
      remove: async () => {
        throw new SimulatedCrash("killed before the cold copy was removed");
      },
    }));
    await expect(crashing.restore(scope(tenant), [oldest!.id])).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await hotIds(tenant)).toContain(oldest!.id);
    expect((await service().search(scope(tenant), oldest!.message, { topK: 10, tier: "cold" })).memories.map((memory) => memory.id)).not.toContain(oldest!.id);
    // The restored memory is hot again; the next run deletes the unnamed copy (and keeps the memory hot).
    expect(await archiveWith().run(scope(tenant), clock.now())).toMatchObject({ purged_copies: 1, archived: 0 });
    expect(await archiveWith().stats(scope(tenant))).toMatchObject({ archived: 1, batches: 1 });
  });

  it("forgets an archived memory on DELETE: gone from archive search and stats, its words free again", async () => {
    const tenant = `t-${unique()}`;
    const [oldest, second] = await seed(tenant, [0, 1, 50, 51, 52]);
    clock.set(start + 60 * day);
    await coldArchive().run(scope(tenant), clock.now());
    await service().remove(scope(tenant), oldest!.id);
    expect((await service().search(scope(tenant), oldest!.message, { topK: 10, tier: "cold" })).memories.map((memory) => memory.id)).toEqual([second!.id]);
    expect(await coldArchive().stats(scope(tenant))).toMatchObject({ archived: 1, batches: 1 });
    await expect(service().remove(scope(tenant), oldest!.id)).rejects.toMatchObject({ status: 404 });
    expect(await coldArchive().restore(scope(tenant), [oldest!.id])).toEqual({ restored: [], not_found: [oldest!.id] });
    expect((await service().add(scope(tenant), { message: oldest!.message })).created).toBe(true);
    // Without a cold store (Workers) the memory is forgotten all the same; the copy goes on the next run.
    const workers = await startHarness({ functions: ["memory"], engineUrl: harness.engineUrl, prefix: harness.prefix, coldStore: false });
    try {
      await workers.fn("memory").service.remove(jobScope(workers.redis, tenant, { logger: silentLogger }), second!.id);
      expect((await service().search(scope(tenant), second!.message, { topK: 10, tier: "cold" })).memories).toEqual([]);
      expect(await coldArchive().run(scope(tenant), clock.now())).toMatchObject({ purged_copies: 1 });
      expect(await coldArchive().stats(scope(tenant))).toMatchObject({ archived: 0, batches: 0 });
    } finally {
      await workers.close();
    }
  });

  it("sweeps vectors left without a memory once they are old enough", async () => {
    const tenant = `t-${unique()}`;
    await seed(tenant, [0]);
    const store = await service().open(scope(tenant));
    const [vector] = await harness.embedder.embed(["a thought whose record was never written"]);
    await store.index.apply({
      upsert: [
        { id: "01ABANDONED000000000000000", vector: vector!, data: vectorData(clock.now() - 2 * 3600_000, { message: "abandoned", answered: null, sessionId: null, importance: 0 }) },
        { id: "01INFLIGHT0000000000000000", vector: vector!, data: vectorData(clock.now(), { message: "in flight", answered: null, sessionId: null, importance: 0 }) },
      ],
    });
    expect(await coldArchive().run(scope(tenant), clock.now())).toMatchObject({ swept_vectors: 1 });
    expect(await store.index.get("01ABANDONED000000000000000")).toBeUndefined();
    expect(await store.index.get("01INFLIGHT0000000000000000")).toBeDefined();
  });

  it("runs once at a time per tenant, and the daily job archives every tenant", async () => {
    const [alice, bob] = [`a-${unique()}`, `b-${unique()}`];
    await seed(alice, [0, 1, 2, 3, 4]);
    await seed(bob, [0, 1, 2, 3]);
    const lock = `${harness.prefix}:t:${alice}:memory-archive-lock`;
    await harness.redis.set(lock, "someone-else", "PX", 60_000);
    clock.set(start + 90 * day);
    await expect(coldArchive().run(scope(alice), clock.now())).rejects.toMatchObject({ status: 409, code: "archive_busy" });
    await harness.redis.del(lock);

    const daily = createArchiveJob({ archive: coldArchive(), redis: { acquire: async () => ({ redis: harness.redis, release: async () => undefined }) }, clock });
    const totals = (await daily.process({}, { name: "archive-all-tenants", data: {}, attemptsMade: 0 } as Job, undefined)) as Awaited<ReturnType<ColdArchive["runAll"]>>;
    expect(totals.archived).toBeGreaterThanOrEqual(3);
    expect(await service().stats(scope(alice))).toMatchObject({ hot: 3, archived: 2 });
    expect(await service().stats(scope(bob))).toMatchObject({ hot: 3, archived: 1 });
  });

  it("answers 501 where there is no cold store, but still counts archived memories", async () => {
    const workers = await startHarness({ functions: ["memory"], engineUrl: harness.engineUrl, prefix: harness.prefix, coldStore: false });
    try {
      const tenant = `t-${unique()}`;
      await expect(workers.fn("memory").coldArchive.run(jobScope(workers.redis, tenant, { logger: silentLogger }), Date.now())).rejects.toMatchObject({ status: 501, code: "archive_unavailable" });
      expect(workers.fn("memory").coldArchive.available).toBe(false);
      expect(await workers.fn("memory").coldArchive.stats(jobScope(workers.redis, tenant, { logger: silentLogger }))).toMatchObject({ archived: 0, cold_store: null });
      expect(workers.fn("memory").jobs!.map((job) => job.queue)).toEqual(["memory-capture"]);
    } finally {
      await workers.close();
    }
  });
});
