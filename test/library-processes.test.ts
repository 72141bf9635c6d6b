/**
 * Two "processes" over one Redis — each with its own client and replica cache, like two server
 * processes: A ingests (its workers run the jobs), B searches. B must see A's writes right after
 * the job completes, and never half of a replacement.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorized, startHarness, harnessKeys as keys, type Harness } from "./harness.js";
import { createWordHashEmbedder, ingest, searchLibrary } from "./library/support.js";
import { jobScope } from "../functions/request-scope.js";
import { silentLogger } from "../shared/logger.js";

let a: Harness;
let b: Harness;

beforeAll(async () => {
  const embedder = createWordHashEmbedder();
  a = await startHarness({ functions: ["library"], embedder });
  b = await startHarness({ functions: ["library"], prefix: a.prefix, engineUrl: a.engineUrl, embedder });
  await a.startWorkers();
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

/** ~3 chunks, every one mentioning marmalade and the version. */
const versioned = (version: string) =>
  Array.from({ length: 3 }, (_, part) =>
    Array.from({ length: 22 }, (_, sentence) => `Batch ${version} of marmalade, part ${part}, note ${sentence}: bitter oranges simmered slowly.`).join(" "),
  ).join("\n\n");

describe("library across processes", () => {
  it("finds in B, right after the job completed, what A ingested — by keyword and by vector", async () => {
    // B builds its replica and BM25 index before A writes, so B has to catch up, not load.
    expect((await searchLibrary(b.app, keys.alice, { query: "anything" })).body.chunks).toEqual([]);
    await ingest(b.app, keys.alice, "seed.txt", "A seed document about garden sheds and their hinges.");
    expect((await searchLibrary(b.app, keys.alice, { query: "hinges" })).body.chunks).toHaveLength(1);

    const documentId = await ingest(a.app, keys.alice, "ledger.txt", "Ledger entry QV-9921-KT records the harbour dues for March.");
    const { body } = await searchLibrary(b.app, keys.alice, { query: "QV-9921-KT" });
    expect(body.chunks[0]).toMatchObject({ document_id: documentId, filename: "ledger.txt", chunk_index: 0 });
    const hits = await b.fn("library").service.searchHits(jobScope(b.redis, "alice", { logger: silentLogger }), { query: "QV-9921-KT", topK: 1 });
    expect(hits[0]!.ranks).toEqual({ bm25: 1, vector: expect.any(Number) });
  });

  it("deletes through B what A ingested, and A stops finding it at once", async () => {
    const documentId = await ingest(a.app, keys.alice, "receipt.md", "# Receipt\n\nThree jars of quince jelly, paid in cash.");
    expect((await searchLibrary(a.app, keys.alice, { query: "quince jelly" })).body.chunks[0]).toMatchObject({ document_id: documentId });
    const deleted = await b.app.request(`/library/documents/${documentId}`, authorized(keys.alice, { method: "DELETE" }));
    expect(deleted.status).toBe(200);
    const after = await searchLibrary(a.app, keys.alice, { query: "quince jelly", top_k: 50 });
    expect(after.body.chunks.map((chunk) => chunk.document_id)).not.toContain(documentId);
  });

  it("never shows B half of a document being replaced by A", async () => {
    const first = await ingest(a.app, keys.alice, "recipe.txt", versioned("v0"));
    const chunks = (await (await b.app.request(`/library/documents/${first}`, authorized(keys.alice))).json()).chunks as number;
    expect(chunks).toBeGreaterThanOrEqual(3);

    let replacing = true;
    const seen: string[] = [];
    const watcher = (async () => {
      while (replacing) {
        const { body } = await searchLibrary(b.app, keys.alice, { query: "marmalade bitter oranges", top_k: 50 });
        const documents = new Set(body.chunks.filter((chunk) => chunk.filename === "recipe.txt").map((chunk) => chunk.document_id as string));
        // Exactly one version, complete.
        expect(documents.size).toBe(1);
        expect(body.chunks.filter((chunk) => chunk.filename === "recipe.txt")).toHaveLength(chunks);
        seen.push([...documents][0]!);
      }
    })();
    const versions: string[] = [first];
    for (const version of ["v1", "v2", "v3", "v4"]) versions.push(await ingest(a.app, keys.alice, "recipe.txt", versioned(version)));
    replacing = false;
    await watcher;
    expect(new Set(versions).size).toBe(5);
    expect(new Set(seen).size).toBeGreaterThan(1);
    const list = await (await b.app.request("/library/documents?limit=100", authorized(keys.alice))).json();
    expect(list.documents.filter((document: { filename: string }) => document.filename === "recipe.txt")).toHaveLength(1);
  });
});
