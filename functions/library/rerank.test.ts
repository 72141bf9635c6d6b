/**
 * Reranking through the engine's /v1/rerank (the emulated engine's lexical scorer) over a real
 * library: used when configured, skipped — fused order, same answer — when it fails or is slow.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lexicalRelevance } from "../../emulator/engine/rerank-routes.js";
import { createEmulatedEngine } from "../../emulator/engine/index.js";
import { createPoolReranker, type RerankRequest } from "../../shared/retrieval/index.js";
import { createLibraryNode, createWordHashEmbedder, ingest, libraryKeysForTests as keys, searchLibrary, type LibraryNode } from "./test-harness.js";

const engine = createEmulatedEngine();
const throughEngine: RerankRequest = (path, init) => engine.fetch(new Request(`http://engine.test${path}`, init));
const prefix = `test-${crypto.randomUUID().slice(0, 8)}`;
const embedder = createWordHashEmbedder();
const query = "harbour tide tables";

const nodeWith = (request: RerankRequest, timeoutMs = 2000) =>
  createLibraryNode({ prefix, embedder, env: { RERANK_MODEL: engine.model }, reranker: createPoolReranker({ request, model: engine.model, timeoutMs }) });

let plain: LibraryNode;
const nodes: LibraryNode[] = [];

beforeAll(async () => {
  plain = createLibraryNode({ prefix, embedder });
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
  await Promise.all([plain, ...nodes].map((node) => node?.close()));
});

const texts = (chunks: Record<string, unknown>[]) => chunks.map((chunk) => chunk.text as string);

describe("library search with RERANK_MODEL", () => {
  it("orders the fused top N by the engine's relevance scores", async () => {
    const fused = await searchLibrary(plain.app, keys.alice, { query, top_k: 4 });
    expect(fused.body.reranked).toBe(false);
    const requestsBefore = engine.stats.requests;
    const node = nodeWith(throughEngine);
    nodes.push(node);
    const reranked = await searchLibrary(node.app, keys.alice, { query, top_k: 4 });
    expect(reranked.status).toBe(200);
    expect(reranked.body.reranked).toBe(true);
    expect(engine.stats.requests).toBe(requestsBefore + 1);
    // The same hits, in the cross-encoder's order (ties in fused order), scored by it.
    expect(new Set(texts(reranked.body.chunks))).toEqual(new Set(texts(fused.body.chunks)));
    const relevance = texts(reranked.body.chunks).map((text) => lexicalRelevance(query, text));
    expect(relevance).toEqual([...relevance].sort((left, right) => right - left));
    expect(reranked.body.chunks.map((chunk) => chunk.score)).toEqual(relevance);
    expect(texts(reranked.body.chunks)).not.toEqual(texts(fused.body.chunks));
  });

  it.each([
    ["the engine fails", (async () => new Response("boom", { status: 500 })) as RerankRequest, 2000],
    ["the engine is too slow", ((_, init) => new Promise((_resolve, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)))) as RerankRequest, 30],
  ])("keeps the fused order when %s", async (_, request, timeoutMs) => {
    const fused = await searchLibrary(plain.app, keys.alice, { query, top_k: 4 });
    const node = nodeWith(request, timeoutMs);
    nodes.push(node);
    const { status, body } = await searchLibrary(node.app, keys.alice, { query, top_k: 4 });
    expect(status).toBe(200);
    expect(body.reranked).toBe(false);
    expect(body.chunks).toEqual(fused.body.chunks);
  });

  it("reranks only the tenant's own hits", async () => {
    const node = nodeWith(throughEngine);
    nodes.push(node);
    const { body } = await searchLibrary(node.app, keys.bob, { query, top_k: 10 });
    expect(body.reranked).toBe(false); // a single hit needs no reranking
    expect(texts(body.chunks)).toEqual(["Bob keeps his own tide tables."]);
  });
});
