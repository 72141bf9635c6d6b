/**
 * Reranking through the engine's /v1/rerank (the emulated engine's lexical scorer) over a real
 * library: used when configured, skipped — fused order, same answer — when it fails or is slow.
 * The reranker is the one the library builds from RERANK_MODEL / RERANK_TIMEOUT_MS over the pool;
 * what the engine does at /v1/rerank is staged (test/engine-server.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lexicalRelevance } from "../../emulator/engine/rerank-routes.js";
import { defaultEmulatedModel } from "../../emulator/engine/index.js";
import { startEngineServer } from "../engine-server.js";
import { harnessKeys as keys, startHarness, type Harness } from "../harness.js";
import { createWordHashEmbedder, ingest, searchLibrary } from "./support.js";

const embedder = createWordHashEmbedder();
const query = "harbour tide tables";

let plain: Harness;
const closers: (() => Promise<void>)[] = [];

/**
 * A second "process" of the same library, reranking with RERANK_MODEL through its pool against an
 * engine of its own: the emulated one, or one whose `/v1/rerank` is `rerank`.
 */
async function rerankingNode(rerank?: (request: Request) => Promise<Response>, timeoutMs = 2000) {
  const engine = await startEngineServer({}, undefined, { record: true, ...(rerank ? { stage: { "/v1/rerank": rerank } } : {}) });
  const node = await startHarness({
    functions: ["library"],
    prefix: plain.prefix,
    embedder,
    engineUrl: engine.url,
    env: { RERANK_MODEL: defaultEmulatedModel, RERANK_TIMEOUT_MS: String(timeoutMs) },
  });
  closers.push(() => node.close(), engine.close);
  const reranks = () => engine.received.filter((request) => request.path === "/v1/rerank").length;
  return { node, reranks };
}

beforeAll(async () => {
  plain = await startHarness({ functions: ["library"], embedder });
  await plain.startWorkers();
  // Short texts repeating one query word score high with BM25; only the long ones hold every word.
  const documents = [
    ["tide-1.txt", "Tide tide tide tables. Tide tables."],
    ["tide-2.txt", "Tables of the tide, tide and tide again."],
    ["harbour.txt", `${"The pier was repainted in spring and the gulls came back. ".repeat(6)}The harbour master pins the tide tables by the door.`],
    ["fees.txt", `${"Mooring is paid by the week at the office window. ".repeat(6)}Harbour fees and tide tables are listed there too.`],
  ];
  for (const [name, text] of documents) await ingest(plain.app, keys.alice, name!, text!);
  await ingest(plain.app, keys.bob, "bob.txt", "Bob keeps his own tide tables.");
}, 60_000);

afterAll(async () => {
  for (const close of closers) await close();
  await plain?.close();
});

const texts = (chunks: Record<string, unknown>[]) => chunks.map((chunk) => chunk.text as string);

describe("library search with RERANK_MODEL", () => {
  it("orders the fused top N by the engine's relevance scores", async () => {
    const fused = await searchLibrary(plain.app, keys.alice, { query, top_k: 4 });
    expect(fused.body.reranked).toBe(false);
    const { node, reranks } = await rerankingNode();
    const reranked = await searchLibrary(node.app, keys.alice, { query, top_k: 4 });
    expect(reranked.status).toBe(200);
    expect(reranked.body.reranked).toBe(true);
    expect(reranks()).toBe(1);
    // The same hits, in the cross-encoder's order (ties in fused order), scored by it.
    expect(new Set(texts(reranked.body.chunks))).toEqual(new Set(texts(fused.body.chunks)));
    const relevance = texts(reranked.body.chunks).map((text) => lexicalRelevance(query, text));
    expect(relevance).toEqual([...relevance].sort((left, right) => right - left));
    expect(reranked.body.chunks.map((chunk) => chunk.score)).toEqual(relevance);
    expect(texts(reranked.body.chunks)).not.toEqual(texts(fused.body.chunks));
  });

  it.each([
    ["the engine fails", async () => new Response("boom", { status: 500 }), 2000],
    // Never answers: only RERANK_TIMEOUT_MS ends the call (the server drops it at close).
    ["the engine is too slow", () => new Promise<Response>(() => undefined), 30],
  ] as const)("keeps the fused order when %s", async (_, rerank, timeoutMs) => {
    const fused = await searchLibrary(plain.app, keys.alice, { query, top_k: 4 });
    const { node } = await rerankingNode(rerank, timeoutMs);
    const { status, body } = await searchLibrary(node.app, keys.alice, { query, top_k: 4 });
    expect(status).toBe(200);
    expect(body.reranked).toBe(false);
    expect(body.chunks).toEqual(fused.body.chunks);
  });

  it("reranks only the tenant's own hits", async () => {
    const { node, reranks } = await rerankingNode();
    const { body } = await searchLibrary(node.app, keys.bob, { query, top_k: 10 });
    expect(body.reranked).toBe(false); // a single hit needs no reranking
    expect(texts(body.chunks)).toEqual(["Bob keeps his own tide tables."]);
    expect(reranks()).toBe(0);
  });
});
