import { describe, expect, it } from "vitest";
import type { MemoryItem } from "../../functions/memory/index.js";
import { jsonBody, withKey, type ContractTarget } from "./target.js";

/**
 * Memory's HTTP contract on every runtime. Archival needs a cold store, which only Node runtimes
 * have: `coldStore` says whether this target has one (Workers: false → 501 problem+json). When a
 * runner does not say, the target's own `GET /memories/archive/stats` is taken at its word.
 */
export type MemoryContractTarget = ContractTarget;

/** The API's memory item as a client reads it (the wire shape is memory's own type). */
type Item = MemoryItem & { similarity?: number };

const nonce = () => crypto.randomUUID().slice(0, 8);

export default function memoryContract(target: () => MemoryContractTarget) {
  const call = (path: string, init?: RequestInit) => target().fetch(path, init);
  const add = async (message: string, key = target().keys.alice, extra: Record<string, unknown> = {}) => {
    const response = await call("/memories", jsonBody(key, { message, ...extra }));
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as Item;
  };
  const expectProblem = async (response: Response, status: number, code?: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await response.json()) as { status: number; code: string; detail: string };
    expect(problem.status).toBe(status);
    if (code) expect(problem.code).toBe(code);
    return problem;
  };

  describe("memory", () => {
    it("adds, reads, lists newest first, and deletes a memory", async () => {
      const { alice } = target().keys;
      const first = await add(`The rowing club meets at dawn on the fjord ${nonce()}`, alice, { metadata: { source: "contract" }, session_id: "contract-1" });
      expect(first).toMatchObject({ id: expect.stringMatching(/^[0-9A-Z]{26}$/), session_id: "contract-1", metadata: { source: "contract" } });
      expect(typeof first.perplexity === "number" || first.perplexity === null).toBe(true);
      expect(new Date(first.created_at).toISOString()).toBe(first.created_at);
      const second = await add(`Grandmother's sourdough starter is named Clint ${nonce()}`);

      expect(await (await call(`/memories/${first.id}`, withKey(alice))).json()).toEqual(first);
      const list = (await (await call("/memories?limit=2", withKey(alice))).json()) as { memories: Item[]; total: number };
      expect(list.memories.map((memory) => memory.id)).toEqual([second.id, first.id]);
      expect(list.total).toBeGreaterThanOrEqual(2);

      const deleted = await call(`/memories/${first.id}`, withKey(alice, { method: "DELETE" }));
      expect(deleted.status).toBe(200);
      expect(await deleted.json()).toEqual({ status: "deleted", id: first.id });
      await expectProblem(await call(`/memories/${first.id}`, withKey(alice)), 404, "memory_not_found");
      await expectProblem(await call(`/memories/${first.id}`, withKey(alice, { method: "DELETE" })), 404);
    });

    it("answers an exact duplicate with the memory that already holds the words (200, not a second memory)", async () => {
      const message = `My library card number is 8812-${nonce()}`;
      const created = await add(message);
      const again = await call("/memories", jsonBody(target().keys.alice, { message: `  ${message.replace(" ", "  ")} ` }));
      expect(again.status).toBe(200);
      expect(((await again.json()) as Item).id).toBe(created.id);
    });

    it("searches by words and meaning: similarity in 0..1, best fused score first, min_similarity honoured", async () => {
      const { alice } = target().keys;
      const tag = nonce();
      const bees = await add(`Margarethe keeps three beehives behind the barn ${tag}`);
      await add(`The car's winter tyres are stored in the garage loft ${tag}`);
      const response = await call("/memories/search", jsonBody(alice, { query: `How many beehives does Margarethe keep? ${tag}`, top_k: 5 }));
      expect(response.status).toBe(200);
      const body = (await response.json()) as { memories: Item[]; total: number };
      expect(body.memories[0]?.id).toBe(bees.id);
      expect(body.total).toBe(body.memories.length);
      const similarities = body.memories.map((memory) => memory.similarity!);
      for (const similarity of similarities) {
        expect(similarity).toBeGreaterThanOrEqual(0);
        expect(similarity).toBeLessThanOrEqual(1);
      }
      // Hybrid: ordered by the fused score (words and meaning), not by similarity alone.
      const scores = body.memories.map((memory) => (memory as Item & { score: number }).score);
      expect([...scores].sort((left, right) => right - left)).toEqual(scores);
      expect(body.memories.every((memory) => (memory as Item & { tier: string }).tier === "hot")).toBe(true);
      const strict = (await (await call("/memories/search", jsonBody(alice, { query: "beehives", top_k: 5, min_similarity: 0.999 }))).json()) as { memories: Item[] };
      for (const memory of strict.memories) expect(memory.similarity).toBeGreaterThanOrEqual(0.999);
    });

    it("bounds every input and says so in problem+json", async () => {
      const { alice } = target().keys;
      for (const body of [{ message: "" }, { message: "   " }, { message: "x".repeat(8001) }, { message: "ok", metadata: { blob: "x".repeat(5000) } }, { message: "ok", metadata: [1] }]) {
        const problem = await expectProblem(await call("/memories", jsonBody(alice, body)), 422, "validation_failed");
        expect(problem.detail).toMatch(/message|metadata/);
      }
      for (const query of ["limit=0", "limit=101", "offset=-1", "limit=abc"]) await expectProblem(await call(`/memories?${query}`, withKey(alice)), 422);
      for (const body of [{ query: "" }, { query: "x", top_k: 0 }, { query: "x", top_k: 51 }, { query: "x", min_similarity: 1.5 }]) {
        await expectProblem(await call("/memories/search", jsonBody(alice, body)), 422);
      }
      await expectProblem(await call("/memories/archive/restore", jsonBody(alice, { ids: Array.from({ length: 101 }, (_, index) => `id${index}`) })), 422);
      await expectProblem(await call("/memories", withKey(alice, { method: "POST", body: "{not json", headers: { "content-type": "application/json" } })), 400);
      await expectProblem(await call("/memories/not-an-id", withKey(alice)), 404);
    });

    it("keeps each tenant's memories to itself: list, search, read, delete and chat retrieval", async () => {
      const { alice, bob } = target().keys;
      const tag = nonce();
      const secret = await add(`My bicycle is a red Gazelle called Rosinante ${tag}`, alice);
      const bobList = (await (await call("/memories?limit=100", withKey(bob))).json()) as { memories: Item[] };
      expect(bobList.memories.map((memory) => memory.id)).not.toContain(secret.id);
      const bobSearch = (await (await call("/memories/search", jsonBody(bob, { query: `bicycle Rosinante ${tag}`, top_k: 50 }))).json()) as { memories: Item[] };
      expect(bobSearch.memories.map((memory) => memory.id)).not.toContain(secret.id);
      // "Not found", exactly as for an id that never existed: nothing reveals that it exists elsewhere.
      const bobRead = await expectProblem(await call(`/memories/${secret.id}`, withKey(bob)), 404, "memory_not_found");
      expect(bobRead.detail).toBe(`No memory with id "${secret.id}"`);
      await expectProblem(await call(`/memories/${secret.id}`, withKey(bob, { method: "DELETE" })), 404);
      expect((await call(`/memories/${secret.id}`, withKey(alice))).status).toBe(200);

      const retrieved = async (key: string) => {
        const response = await call("/v1/chat/completions", jsonBody(key, { messages: [{ role: "user", content: `What is my bicycle Rosinante called? ${tag}` }], max_tokens: 8 }));
        expect(response.status).toBe(200);
        return ((await response.json()) as { archive: { retrieved: { source: string; id: string }[] } }).archive.retrieved;
      };
      expect((await retrieved(bob)).map((passage) => passage.id)).not.toContain(secret.id);
      expect(await retrieved(alice)).toContainEqual(expect.objectContaining({ source: "memory", id: secret.id }));
    });

    it("reports the caller's stats and answers its health URL", async () => {
      const stats = await (await call("/memories/stats", withKey(target().keys.alice))).json();
      expect(stats).toMatchObject({
        hot: expect.any(Number),
        archived: expect.any(Number),
        threshold: expect.any(Number),
        weights: { perplexity: expect.any(Number), novelty: expect.any(Number) },
        embedder: expect.any(String),
      });
      expect((stats as { hot: number }).hot).toBeGreaterThan(0);
      // The original's `memory_stats` block, now with real numbers (aggregates over every tenant).
      const metrics = (await (await call("/metrics")).json()) as { memory_stats: Record<string, unknown> };
      expect(metrics.memory_stats).toMatchObject({ total_memories: expect.any(Number), hot_memories: expect.any(Number), archived_memories: expect.any(Number), index_type: "exact" });
      expect(metrics.memory_stats.total_memories as number).toBeGreaterThan(0);
      const health = await call("/memory/health");
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ function: "memory", checks: { redis: { status: "ok" } } });
    });

    it("runs, searches and restores the archive where a cold store exists, and says 501 where none does", async () => {
      const { alice } = target().keys;
      const statsResponse = await call("/memories/archive/stats", withKey(alice));
      expect(statsResponse.status).toBe(200);
      const stats = (await statsResponse.json()) as { archived: number; cold_store: string | null };
      expect(stats.archived).toEqual(expect.any(Number));
      const hasColdStore = target().coldStore ?? stats.cold_store !== null;
      expect(stats.cold_store !== null).toBe(hasColdStore);
      const unknownId = "01ZZZZZZZZZZZZZZZZZZZZZZZZ";
      const run = await call("/memories/archive/run", withKey(alice, { method: "POST" }));
      const search = await call("/memories/archive/search", jsonBody(alice, { query: "beehives", top_k: 5 }));
      const restore = await call("/memories/archive/restore", jsonBody(alice, { ids: [unknownId] }));
      if (!hasColdStore) {
        for (const response of [run, search, restore]) await expectProblem(response, 501, "archive_unavailable");
        return;
      }
      expect(run.status).toBe(200);
      expect(await run.json()).toMatchObject({ tenant: "alice", archived: expect.any(Number), kept_in_redis: expect.any(Number) });
      expect(search.status).toBe(200);
      expect(await search.json()).toMatchObject({ memories: expect.any(Array), total: expect.any(Number) });
      expect(await restore.json()).toEqual({ restored: [], not_found: [unknownId] });
    });
  });
}
