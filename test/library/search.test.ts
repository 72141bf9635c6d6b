import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { createVectorIndex, createVectorReplicaCache, type VectorIndex } from "../../shared/vector-index/index.js";
import { testRedis } from "../redis.js";
import { chunkId, decodeChunk, encodeChunk, type StoredChunk } from "../../functions/library/chunk-data.js";
import type { LibraryFileType } from "../../functions/library/extract.js";
import { createLibraryFollower, followerName } from "../../functions/library/follower.js";
import { hybridSearch } from "../../functions/library/search.js";
import { createWordHashEmbedder } from "./support.js";

const far = Float32Array.from({ length: 64 }, (_, index) => (index === 7 ? 1 : 0));
// The target chunk's text embeds to `far`: the embedding ranks it below everything.
const embedder = createWordHashEmbedder({ overrides: { "catalogued under": far } });

let redis: Redis;
let prefix: string;

beforeAll(() => {
  ({ redis, prefix } = testRedis());
});

afterAll(async () => {
  await redis.quit();
});

const newTenant = () => `t${crypto.randomUUID().slice(0, 6)}`;
/** Each call is a separate "process": its own replica cache. */
const indexFor = (tenant = newTenant()) =>
  createVectorIndex({ redis, keys: createRedisKeys(prefix), tenant, collection: "library", embedder, replicas: createVectorReplicaCache() });

const stored = (documentId: string, index: number, text: string, fileType: LibraryFileType = "txt"): StoredChunk => ({
  document_id: documentId,
  file_type: fileType,
  page: null,
  chunk_index: index,
  char_start: 0,
  char_end: text.length,
  total_chunks: 1,
  text,
});

async function put(index: VectorIndex, chunks: StoredChunk[]) {
  const vectors = await embedder.embed(chunks.map((chunk) => chunk.text));
  await index.apply({
    upsert: chunks.map((chunk, position) => ({ id: chunkId(chunk.document_id, chunk.chunk_index), vector: vectors[position]!, data: encodeChunk(chunk) })),
  });
}

async function query(index: VectorIndex, text: string, options: { topK?: number; fileType?: LibraryFileType; documentId?: string } = {}) {
  const [vector] = await embedder.embed([text]);
  const view = await index.view();
  return hybridSearch(view, view.follow(followerName, createLibraryFollower), { text, vector: vector!, topK: options.topK ?? 5, ...options });
}

describe("hybridSearch", () => {
  it("puts a chunk with the exact rare term first even when its vector is far below every candidate", async () => {
    const index = indexFor();
    // 80 chunks sharing the query's other words, all closer to the query vector than the target.
    const distractors = Array.from({ length: 80 }, (_, position) => stored(`d${position}`, 0, `Shelf record ZX 4471 QB ${position} in the trust archive`));
    await put(index, [...distractors, stored("target", 0, "The restored logbook is catalogued under ZX-4471-QB.")]);
    const hits = await query(index, "ZX-4471-QB");
    expect(hits[0]).toMatchObject({ id: "target:0", ranks: { bm25: 1 } });
    // Beyond the vector candidates (depth 50), yet still given an exact similarity and a rank.
    expect(hits[0]!.ranks.vector).toBeGreaterThan(50);
    expect(hits[0]!.similarity).toBeLessThan(hits[1]!.similarity);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it("fuses both rankings: agreement beats either alone, and scores lie in (0, 1]", async () => {
    const index = indexFor();
    await put(index, [
      stored("both", 0, "apple orchard harvest"),
      stored("words", 0, "orchard"),
      stored("other", 0, "an unrelated sentence about trains"),
    ]);
    const hits = await query(index, "apple orchard harvest");
    expect(hits[0]).toMatchObject({ id: "both:0", ranks: { bm25: 1, vector: 1 }, score: 1 });
    for (const hit of hits) expect(hit.score).toBeGreaterThan(0);
  });

  it("filters by file type and document before ranking", async () => {
    const index = indexFor();
    await put(index, [stored("a", 0, "lantern notes", "md"), stored("b", 0, "lantern report", "pdf"), stored("c", 0, "lantern list", "txt")]);
    expect((await query(index, "lantern", { fileType: "pdf" })).map((hit) => hit.id)).toEqual(["b:0"]);
    expect((await query(index, "lantern", { documentId: "c" })).map((hit) => hit.id)).toEqual(["c:0"]);
  });

  it("follows the replica: another process's removals and changes reach its keyword index", async () => {
    const tenant = newTenant();
    const writer = indexFor(tenant);
    const reader = indexFor(tenant);
    expect(await query(reader, "quince")).toEqual([]); // the reader's follower exists before the writes
    await put(writer, [stored("x", 0, "quince jelly recipe")]);
    const keywordHits = async (text: string) => (await query(reader, text)).filter((hit) => hit.ranks.bm25 !== null).map((hit) => hit.id);
    expect(await keywordHits("quince")).toEqual(["x:0"]);
    await put(writer, [stored("x", 0, "fig chutney recipe")]);
    expect(await keywordHits("quince")).toEqual([]);
    expect(await keywordHits("chutney")).toEqual(["x:0"]);
    await writer.apply({ remove: ["x:0"] });
    expect(await query(reader, "chutney")).toEqual([]);
  });

  it("keeps malformed or foreign data out of the keyword index without failing", () => {
    const follower = createLibraryFollower();
    follower.upsert("doc:0", "not json");
    follower.upsert("doc:1", JSON.stringify({ text: "missing fields" }));
    follower.upsert("other:0", encodeChunk(stored("doc", 0, "claims another document")));
    follower.upsert("doc:2", undefined);
    expect(follower.bm25.size).toBe(0);
    follower.upsert("doc:3", encodeChunk(stored("doc", 3, "a proper chunk", "md")));
    expect(follower.bm25.search("proper").map((hit) => hit.id)).toEqual(["doc:3"]);
    expect(follower.fileType("doc:3")).toBe("md");
    follower.reset();
    expect(follower.bm25.size).toBe(0);
  });

  it("round-trips stored chunks and rejects anything else", () => {
    const chunk = { ...stored("d", 2, "text", "pdf"), page: 4 };
    expect(decodeChunk(encodeChunk(chunk))).toEqual(chunk);
    expect(decodeChunk(JSON.stringify({ ...chunk, file_type: "docx" }))).toBeUndefined();
    expect(decodeChunk(JSON.stringify({ ...chunk, page: -1 }))).toBeUndefined();
    expect(decodeChunk("null")).toBeUndefined();
  });
});
