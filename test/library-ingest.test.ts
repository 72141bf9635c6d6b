/**
 * The library's acceptance path end to end: real PDFs and text through HTTP, a real BullMQ worker
 * running the ingestion job, the real local embedder (USE lite), real Redis.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorized, startHarness, harnessKeys as keys, type Harness } from "./harness.js";
import { ingest, searchLibrary, sharedLocalEmbedder, uploadDocument, waitForJob } from "./library/support.js";
import { lexicalTerms } from "../shared/retrieval/index.js";
import { makeProse, reportRareId } from "./fixtures/make-pdfs.js";
import { jobScope } from "../functions/request-scope.js";
import { silentLogger } from "../shared/logger.js";

const fixture = async (name: string) => new Uint8Array(await readFile(new URL(`fixtures/${name}`, import.meta.url)));

let node: Harness;
let reportId: string;
let notesId: string;
let plainId: string;

beforeAll(async () => {
  node = await startHarness({ functions: ["library"], embedder: sharedLocalEmbedder() });
  await node.startWorkers();
  reportId = await ingest(node.app, keys.alice, "report.pdf", await fixture("report.pdf"));
  notesId = await ingest(node.app, keys.alice, "notes.md", await fixture("notes.md"));
  plainId = await ingest(node.app, keys.alice, "plain.txt", await fixture("plain.txt"));
  // Distractors: ~35 chunks of maritime prose, and ids that look like the rare one to an embedding.
  await ingest(node.app, keys.alice, "prose.txt", makeProse(300));
  const lookalikes = Array.from({ length: 40 }, (_, index) => `Shelf record ZX-44${10 + index}-Q${"ABCDEFGH"[index % 8]} holds crate ${index}.`);
  await ingest(node.app, keys.alice, "shelves.txt", lookalikes.join(" "));
}, 180_000);

afterAll(async () => {
  await node?.close();
});

/** The retriever the library gives chat. */
const retriever = () => {
  const found = node.fn("library").provides?.retriever;
  if (!found) throw new Error("the library provides no retriever");
  return found;
};
const search = (body: Record<string, unknown>, key = keys.alice) => searchLibrary(node.app, key, body);

describe("library search over ingested documents", () => {
  it("returns page 2's chunk first for a phrase from page 2, with a correct citation", async () => {
    const { status, body } = await search({ query: "rowed out every Thursday to collect the mail" });
    expect(status).toBe(200);
    const [first] = body.chunks;
    expect(first).toMatchObject({ document_id: reportId, filename: "report.pdf", file_type: "pdf", page: 2 });
    const text = first!.text as string;
    expect(text).toContain("rowed out every Thursday to collect the mail");
    // The offsets cite exactly this text on that page.
    expect((first!.char_end as number) - (first!.char_start as number)).toBe(text.length);
    expect(body).toMatchObject({ total: body.chunks.length, query: "rowed out every Thursday to collect the mail" });
  });

  it.each([
    ["How often should the fermented yeast culture get its meals?", () => notesId],
    ["ancient boilers for tea hidden in the loft", () => plainId],
  ])("finds a passage from a paraphrase that shares no keywords, in the top 3: %s", async (query, expected) => {
    const { body } = await search({ query, top_k: 3 });
    const found = body.chunks.find((chunk) => chunk.document_id === expected());
    expect(found).toBeDefined();
    // Really no shared keyword: only the embedding can have found it.
    const queryTerms = new Set(lexicalTerms(query));
    expect(lexicalTerms(found!.text as string).filter((term) => queryTerms.has(term))).toEqual([]);
  });

  it("ranks the chunk holding an exact rare id first, even though the embedding ranks look-alikes higher", async () => {
    const { body } = await search({ query: reportRareId });
    expect(body.chunks[0]).toMatchObject({ document_id: reportId, page: 2 });
    expect(body.chunks[0]!.text).toContain(reportRareId);
    const [hit] = await node.fn("library").service.searchHits(jobScope(node.redis, "alice", { logger: silentLogger }), { query: reportRareId, topK: 1 });
    expect(hit!.ranks.bm25).toBe(1);
    expect(hit!.ranks.vector).toBeGreaterThan(1);
  });

  it("filters by file type and by document", async () => {
    const { body: onlyMarkdown } = await search({ query: "kettles and bread", file_type: "md", top_k: 10 });
    expect(onlyMarkdown.chunks.length).toBeGreaterThan(0);
    expect(new Set(onlyMarkdown.chunks.map((chunk) => chunk.file_type))).toEqual(new Set(["md"]));
    const { body: onlyPlain } = await search({ query: "kettles and bread", document_id: plainId, top_k: 10 });
    expect(new Set(onlyPlain.chunks.map((chunk) => chunk.document_id))).toEqual(new Set([plainId]));
  });

  it("lists documents and counts them by type", async () => {
    const list = await (await node.app.request("/library/documents", authorized(keys.alice))).json();
    expect(list.total).toBe(5);
    expect(list.documents.map((document: { filename: string }) => document.filename).sort()).toEqual([
      "notes.md",
      "plain.txt",
      "prose.txt",
      "report.pdf",
      "shelves.txt",
    ]);
    const report = await (await node.app.request(`/library/documents/${reportId}`, authorized(keys.alice))).json();
    expect(report).toMatchObject({ id: reportId, filename: "report.pdf", file_type: "pdf", pages: 3, sources: ["upload:report.pdf"] });
    const stats = await (await node.app.request("/library/stats", authorized(keys.alice))).json();
    const chunks = list.documents.reduce((sum: number, document: { chunks: number }) => sum + document.chunks, 0);
    expect(stats).toEqual({ documents: 5, chunks, by_type: { pdf: 1, txt: 3, md: 1 } });
  });

  it("stores the same content once: a second upload answers 200 with the existing document", async () => {
    const response = await uploadDocument(node.app, keys.alice, "copy-of-notes.md", await fixture("notes.md"), { multipart: true });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ document_id: notesId, job_id: null, document: { id: notesId, filename: "notes.md" } });
    expect(body.document.sources).toEqual(["upload:copy-of-notes.md", "upload:notes.md"]);
  });

  it("keeps each tenant's library to itself", async () => {
    const { body } = await search({ query: reportRareId }, keys.bob);
    expect(body.chunks).toEqual([]);
    expect((await node.app.request(`/library/documents/${reportId}`, authorized(keys.bob))).status).toBe(404);
    expect((await node.app.request(`/library/documents/${reportId}`, authorized(keys.bob, { method: "DELETE" }))).status).toBe(404);
    const stats = await (await node.app.request("/library/stats", authorized(keys.bob))).json();
    expect(stats.documents).toBe(0);
  });

  it("gives chat the best passages with citations through the retriever", async () => {
    const passages = await retriever().retrieve({
      tenant: "alice",
      endUser: "default",
      sessionId: "s",
      query: "What did the lighthouse keepers do on Thursdays?",
      redis: node.redis,
    });
    expect(passages[0]).toMatchObject({
      source: "library",
      citation: { document_id: reportId, filename: "report.pdf", page: 2, chunk_index: expect.any(Number) },
    });
    const none = await retriever().retrieve({ tenant: "bob", endUser: "default", sessionId: "s", query: "lighthouse keepers", redis: node.redis });
    expect(none).toEqual([]);
  });
});

describe("re-ingesting and deleting", () => {
  it("replaces an edited file's old text and removes everything on delete", async () => {
    const first = await ingest(node.app, keys.alice, "journal.txt", "The blue heron nested by the weir in April.");
    expect((await search({ query: "heron weir" })).body.chunks[0]).toMatchObject({ document_id: first });

    const second = await ingest(node.app, keys.alice, "journal.txt", "The osprey fished the estuary all through May.");
    expect(second).not.toBe(first);
    const old = await search({ query: "blue heron nested by the weir", top_k: 50 });
    expect(old.body.chunks.map((chunk) => chunk.document_id)).not.toContain(first);
    expect((await search({ query: "osprey estuary" })).body.chunks[0]).toMatchObject({ document_id: second, filename: "journal.txt" });
    expect((await node.app.request(`/library/documents/${first}`, authorized(keys.alice))).status).toBe(404);

    const deleted = await node.app.request(`/library/documents/${second}`, authorized(keys.alice, { method: "DELETE" }));
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ document_id: second, deleted: true, chunks_removed: 1 });
    const after = await search({ query: "osprey estuary", top_k: 50 });
    expect(after.body.chunks.map((chunk) => chunk.document_id)).not.toContain(second);
    expect((await node.app.request(`/library/documents/${second}`, authorized(keys.alice, { method: "DELETE" }))).status).toBe(404);
  });

  it("reports job progress and hides other tenants' jobs", async () => {
    const response = await uploadDocument(node.app, keys.alice, "progress.md", "# Progress\n\nA note about tidal mills and their millers.");
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body).toMatchObject({ job_id: expect.any(String), status_url: `/library/jobs/${body.job_id}` });
    expect((await node.app.request(body.status_url, authorized(keys.bob))).status).toBe(404);
    const status = await waitForJob(node.app, keys.alice, body.job_id);
    expect(status).toEqual({
      id: body.job_id,
      state: "completed",
      document_id: body.document_id,
      progress: { stage: "completed", pages: null, chunks_searchable: 1, chunks_done: 1, chunks_total: 1 },
    });
  });
});
