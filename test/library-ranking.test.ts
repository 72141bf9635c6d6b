/**
 * Ranking fixes on a real PDF through the real job: a table of contents does not outrank the page
 * it points to, and a chunk deep in a section matches the section's words through its heading path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, harnessKeys as keys, type Harness } from "./harness.js";
import { createWordHashEmbedder, ingest, searchLibrary } from "./library/support.js";
import { makeManualPdf, manualDeepPassage } from "./fixtures/make-pdfs.js";
import { jobScope } from "../functions/request-scope.js";
import { silentLogger } from "../shared/logger.js";

let node: Harness;
let manualId: string;

beforeAll(async () => {
  node = await startHarness({ functions: ["library"], embedder: createWordHashEmbedder() });
  await node.startWorkers();
  manualId = await ingest(node.app, keys.alice, "manual.pdf", await makeManualPdf());
}, 60_000);

afterAll(async () => {
  await node?.close();
});

describe("library ranking", () => {
  it.each([
    ["evaporation basins", 3],
    ["sluice gates", 2],
    ["millstones and gears", 2],
  ])("puts the page a contents line points to above the contents page: %s", async (query, page) => {
    const { body } = await searchLibrary(node.app, keys.alice, { query, top_k: 10 });
    expect(body.chunks[0]).toMatchObject({ document_id: manualId, page });
    // The contents page is still found, just lower.
    const contents = body.chunks.findIndex((chunk) => chunk.page === 1);
    expect(contents).toBeGreaterThan(0);
  });

  it("still finds a contents page when it is the only match", async () => {
    const { body } = await searchLibrary(node.app, keys.alice, { query: "brine pumps", top_k: 3 });
    expect(body.chunks.map((chunk) => chunk.page)).toContain(1);
  });

  it("matches a chunk deep in a section by the section's title", async () => {
    const { body } = await searchLibrary(node.app, keys.alice, { query: "salt pans brine", top_k: 3 });
    expect(body.chunks[0]!.text).toContain(manualDeepPassage);
    expect(body.chunks[0]!.text).not.toContain("Salt pans");
    const [hit] = await node.fn("library").service.searchHits(jobScope(node.redis, "alice", { logger: silentLogger }), { query: "salt pans brine", topK: 1 });
    expect(hit!.chunk.section).toBe("2 Salt pans › 2.1 Evaporation basins");
  });

  it("keeps another tenant's documents out of every ranking", async () => {
    expect((await searchLibrary(node.app, keys.bob, { query: "evaporation basins", top_k: 10 })).body.chunks).toEqual([]);
  });
});
