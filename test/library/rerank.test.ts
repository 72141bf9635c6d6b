/**
 * Reranking through the engine's /v1/rerank (the emulated engine's lexical scorer) over a real
 * library: used when configured, skipped — fused order, same answer — when it fails or is slow.
 * The reranker is the one the library builds from RERANK_MODEL / RERANK_TIMEOUT_MS over the pool;
 * what the engine does at /v1/rerank is staged by a server in front of it.
 */
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lexicalRelevance } from "../../emulator/engine/rerank-routes.js";
import { createEmulatedEngine } from "../../emulator/engine/index.js";
import { freePort } from "../../emulator/redis-launcher.js";
import { harnessKeys as keys, startHarness, type Harness } from "../harness.js";
import { createWordHashEmbedder, ingest, searchLibrary } from "./support.js";

const engine = createEmulatedEngine();
const embedder = createWordHashEmbedder();
const query = "harbour tide tables";

/** The emulated engine on a real port, with `/v1/rerank` answered by `rerank`. */
async function startStagedEngine(rerank: (request: Request) => Promise<Response>) {
  const port = await freePort();
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve(
      { fetch: (request) => (new URL(request.url).pathname === "/v1/rerank" ? rerank(request) : engine.fetch(request)), hostname: "127.0.0.1", port },
      () => resolve(started),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

let plain: Harness;
let reranks = 0;
const closers: (() => Promise<void>)[] = [];

/** A second "process" of the same library, reranking with RERANK_MODEL against a staged engine. */
async function rerankingNode(rerank: (request: Request) => Promise<Response>, timeoutMs = 2000) {
  const staged = await startStagedEngine(rerank);
  const node = await startHarness({
    functions: ["library"],
    prefix: plain.prefix,
    embedder,
    engineUrl: staged.url,
    env: { RERANK_MODEL: engine.model, RERANK_TIMEOUT_MS: String(timeoutMs) },
  });
  closers.push(() => node.close(), staged.close);
  return node;
}
const throughEngine = (request: Request) => {
  reranks += 1;
  return engine.fetch(request);
};

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
    const node = await rerankingNode(throughEngine);
    const reranksBefore = reranks;
    const reranked = await searchLibrary(node.app, keys.alice, { query, top_k: 4 });
    expect(reranked.status).toBe(200);
    expect(reranked.body.reranked).toBe(true);
    expect(reranks).toBe(reranksBefore + 1);
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
    const node = await rerankingNode(rerank, timeoutMs);
    const { status, body } = await searchLibrary(node.app, keys.alice, { query, top_k: 4 });
    expect(status).toBe(200);
    expect(body.reranked).toBe(false);
    expect(body.chunks).toEqual(fused.body.chunks);
  });

  it("reranks only the tenant's own hits", async () => {
    const node = await rerankingNode(throughEngine);
    const { body } = await searchLibrary(node.app, keys.bob, { query, top_k: 10 });
    expect(body.reranked).toBe(false); // a single hit needs no reranking
    expect(texts(body.chunks)).toEqual(["Bob keeps his own tide tables."]);
  });
});
