import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../shared/clock.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { createVectorIndex, createVectorReplicaCache, type VectorIndex } from "../../shared/vector-index/index.js";
import { testRedis } from "../redis.js";
import { chunkId, encodeChunk } from "../../functions/library/chunk-data.js";
import { libraryKeys } from "../../functions/library/records.js";
import { createLibraryStore, type NewDocument } from "../../functions/library/store.js";
import { createWordHashEmbedder } from "./support.js";

const embedder = createWordHashEmbedder();
let redis: Redis;
let prefix: string;

beforeAll(() => {
  ({ redis, prefix } = testRedis());
});

afterAll(async () => {
  await redis.quit();
});

function setup() {
  const tenant = `t${crypto.randomUUID().slice(0, 6)}`;
  const keys = libraryKeys(createRedisKeys(prefix));
  const store = createLibraryStore({ keys, clock: systemClock });
  const index = createVectorIndex({ redis, keys: createRedisKeys(prefix), tenant, collection: "library", embedder, replicas: createVectorReplicaCache() });
  return { tenant, keys, store, index };
}

async function documentOf(id: string, source: string, texts: string[]): Promise<NewDocument> {
  const vectors = await embedder.embed(texts);
  return {
    documentId: id,
    contentHash: `hash-${id}`,
    source,
    fileType: "txt",
    sizeBytes: 10,
    pages: null,
    vectorsPending: false,
    chunks: texts.map((text, index) => ({
      id: chunkId(id, index),
      vector: vectors[index]!,
      data: encodeChunk({ document_id: id, file_type: "txt", page: null, chunk_index: index, char_start: 0, char_end: text.length, total_chunks: texts.length, text }),
    })),
  };
}

const ids = async (index: VectorIndex) => {
  const view = await index.view();
  return view.count === 0 ? [] : view.search(new Float32Array(64).fill(1), { topK: 1000 }).map((match) => match.id).sort();
};

describe("library store", () => {
  it("commits a new version and removes the replaced one in the same step", async () => {
    const { tenant, keys, store, index } = setup();
    await store.markPending(redis, tenant, "upload:a.txt", "J1");
    expect(await store.commit(redis, index, tenant, await documentOf("d1", "upload:a.txt", ["one", "two"]), "J1")).toBe("ingested");
    await store.markPending(redis, tenant, "upload:a.txt", "J2");
    expect(await store.commit(redis, index, tenant, await documentOf("d2", "upload:a.txt", ["three"]), "J2")).toBe("ingested");
    expect(await ids(index)).toEqual(["d2:0"]);
    expect(await store.read(redis, tenant, "d1")).toBeUndefined();
    expect(await redis.hgetall(keys.stats(tenant))).toEqual({ documents: "1", chunks: "1", txt: "1" });
    expect(await redis.hgetall(keys.sources(tenant))).toEqual({ "upload:a.txt": "d2" });
    expect(await redis.hlen(keys.pending(tenant))).toBe(0);
  });

  it("lets the newest intent for a source win: an older job commits nothing", async () => {
    const { tenant, store, index } = setup();
    await store.markPending(redis, tenant, "drop:x.md", "OLD");
    await store.markPending(redis, tenant, "drop:x.md", "NEW");
    expect(await store.commit(redis, index, tenant, await documentOf("old", "drop:x.md", ["stale"]), "OLD")).toBe("superseded");
    expect(await ids(index)).toEqual([]);
    expect(await store.read(redis, tenant, "old")).toBeUndefined();
    // A source removed while its job ran is superseded too.
    await store.detach(redis, index, tenant, "drop:x.md");
    expect(await store.commit(redis, index, tenant, await documentOf("new", "drop:x.md", ["fresh"]), "NEW")).toBe("superseded");
    expect(await ids(index)).toEqual([]);
  });

  it("a job restarted after its own keyword commit is still the newest intent, until a newer upload or a removal", async () => {
    const { tenant, store, index } = setup();
    await store.markPending(redis, tenant, "upload:a.txt", "J1");
    expect(await store.commit(redis, index, tenant, await documentOf("d1", "upload:a.txt", ["one"]), "J1")).toBe("ingested");
    // The commit cleared J1's marker; J1 resumed (a restart, a retry) goes on filling its vectors in.
    expect(await store.attach(redis, index, tenant, "d1", "upload:a.txt", "J1")).toBe("attached");
    await store.markPending(redis, tenant, "upload:a.txt", "J2");
    expect(await store.attach(redis, index, tenant, "d1", "upload:a.txt", "J1")).toBe("superseded");
    expect(await store.commit(redis, index, tenant, await documentOf("d2", "upload:a.txt", ["two"]), "J2")).toBe("ingested");
    expect(await store.attach(redis, index, tenant, "d1", "upload:a.txt", "J1")).toBe("superseded");
    await store.detach(redis, index, tenant, "upload:a.txt");
    expect(await store.attach(redis, index, tenant, "d2", "upload:a.txt", "J2")).toBe("superseded");
  });

  it("keeps a document while any source points to it, renamed after a remaining source", async () => {
    const { tenant, store, index } = setup();
    await store.markPending(redis, tenant, "drop:inbox/a.md", "J1");
    await store.commit(redis, index, tenant, await documentOf("d", "drop:inbox/a.md", ["shared text"]), "J1");
    expect(await store.attach(redis, index, tenant, "d", "drop:archive/b.md")).toBe("attached");
    await store.detach(redis, index, tenant, "drop:inbox/a.md");
    expect(await store.read(redis, tenant, "d")).toMatchObject({ filename: "b.md", nameSource: "drop:archive/b.md", state: "ready" });
    expect(await store.sourcesOf(redis, tenant, "d")).toEqual(["drop:archive/b.md"]);
    expect(await ids(index)).toEqual(["d:0"]);
    await store.detach(redis, index, tenant, "drop:archive/b.md");
    expect(await store.read(redis, tenant, "d")).toBeUndefined();
    expect(await ids(index)).toEqual([]);
    expect(await store.attach(redis, index, tenant, "d", "drop:c.md")).toBe("missing");
  });

  it("deletes a document with every source pointing to it", async () => {
    const { tenant, keys, store, index } = setup();
    await store.markPending(redis, tenant, "upload:a.txt", "J1");
    await store.commit(redis, index, tenant, await documentOf("d", "upload:a.txt", ["x", "y", "z"]), "J1");
    await store.attach(redis, index, tenant, "d", "upload:b.txt");
    expect(await store.remove(redis, index, tenant, "d")).toBe(3);
    expect(await ids(index)).toEqual([]);
    expect(await redis.hlen(keys.sources(tenant))).toBe(0);
    expect(await redis.hgetall(keys.stats(tenant))).toEqual({ documents: "0", chunks: "0", txt: "0" });
    expect(await store.remove(redis, index, tenant, "d")).toBeUndefined();
  });

  it("leaves no record when the chunks cannot be written", async () => {
    const { tenant, store, index } = setup();
    // Another embedder already owns the collection: the apply is refused with embedder_mismatch.
    const other = createVectorIndex({ redis, keys: createRedisKeys(prefix), tenant, collection: "library", embedder: { id: "other-64", dimension: 64 }, replicas: createVectorReplicaCache() });
    await other.apply({ upsert: [{ id: "x:0", vector: new Float32Array(64).fill(1) }] });
    await store.markPending(redis, tenant, "upload:a.txt", "J1");
    await expect(store.commit(redis, index, tenant, await documentOf("d", "upload:a.txt", ["text"]), "J1")).rejects.toMatchObject({ code: "embedder_mismatch" });
    expect(await store.read(redis, tenant, "d")).toBeUndefined();
  });

  it("serializes concurrent commits for one source: one document survives, no orphaned chunks", async () => {
    const { tenant, store, index } = setup();
    const versions = await Promise.all(["v1", "v2", "v3", "v4"].map((version) => documentOf(version, "upload:a.txt", [`${version} a`, `${version} b`])));
    // Each commit is the newest intent when it runs (as when jobs run one after another).
    await Promise.all(
      versions.map(async (version) => {
        await store.markPending(redis, tenant, "upload:a.txt", version.documentId);
        await store.commit(redis, index, tenant, version, version.documentId);
      }),
    );
    const remaining = await ids(index);
    const survivors = new Set(remaining.map((id) => id.split(":")[0]));
    expect(survivors.size).toBe(1);
    for (const survivor of survivors) expect(await store.read(redis, tenant, survivor!)).toMatchObject({ state: "ready" });
  });

  it("answers 503 library_busy when the tenant's commit lock stays held past the wait, and leaves it to its holder", async () => {
    const { tenant, keys, index } = setup();
    const impatient = createLibraryStore({ keys, clock: systemClock, lockWaitMs: 50 });
    await redis.set(keys.lock(tenant), "someone-else", "PX", 10_000);
    await expect(impatient.remove(redis, index, tenant, "d1")).rejects.toMatchObject({ code: "library_busy", status: 503 });
    expect(await redis.get(keys.lock(tenant))).toBe("someone-else");
    await redis.del(keys.lock(tenant));
    expect(await impatient.remove(redis, index, tenant, "d1")).toBeUndefined();
  });
});
