/**
 * Progressive ingestion: a document is keyword-searchable as soon as it is chunked, while its
 * vectors are still being computed (the embedder is held back here), and hybrid once they are in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Embedder } from "../shared/embeddings/index.js";
import { authorized, startHarness, harnessKeys as keys, type Harness } from "./harness.js";
import { createWordHashEmbedder, searchLibrary, uploadDocument, waitForJob } from "./library/support.js";
import type { JobStatus } from "../functions/library/index.js";
import { makeProse } from "./fixtures/make-pdfs.js";
import { jobScope } from "../functions/request-scope.js";
import { silentLogger } from "../shared/logger.js";

/** Word-hash vectors; calls holding chunk-sized texts wait until `release()` (queries never do). */
function createHeldEmbedder() {
  const inner = createWordHashEmbedder();
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const embedder: Embedder = {
    id: inner.id,
    dimension: inner.dimension,
    async embed(texts, signal) {
      if (texts.some((text) => text.length > 200)) {
        held += 1;
        await gate;
      }
      return inner.embed(texts, signal);
    },
  };
  return {
    embedder,
    held: () => held,
    release: () => release(),
    hold: () => (gate = new Promise<void>((resolve) => (release = resolve))),
  };
}

const held = createHeldEmbedder();
let node: Harness;

beforeAll(async () => {
  node = await startHarness({ functions: ["library"], embedder: held.embedder });
  await node.startWorkers();
});

afterAll(async () => {
  held.release();
  await node?.close();
});

async function statusOf(jobId: string): Promise<JobStatus> {
  return (await (await node.app.request(`/library/jobs/${jobId}`, authorized(keys.alice))).json()) as JobStatus;
}

/** Uploads and waits until the job reports the keyword commit done while embedding is held. */
async function uploadHeld(filename: string, text: string) {
  const response = await uploadDocument(node.app, keys.alice, filename, text);
  const { job_id: jobId, document_id: documentId } = (await response.json()) as { job_id: string; document_id: string };
  for (;;) {
    const status = await statusOf(jobId);
    if (status.progress.stage === "embedding" && held.held() > 0) return { jobId, documentId, status };
    if (status.state === "failed" || status.state === "completed") throw new Error(`job ended early: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const text = `${makeProse(40, 7)} The lighthouse ledger is kept under reference LH-5521-KQ. ${makeProse(40, 8)}`;

describe("progressive ingestion", () => {
  it("makes a document keyword-searchable before its vectors are done, then hybrid", async () => {
    const { jobId, documentId, status } = await uploadHeld("ledger.txt", text);
    expect(status.progress.chunks_searchable).toBe(status.progress.chunks_total);
    expect(status.progress.chunks_total).toBeGreaterThan(1);
    expect(status.progress.chunks_done).toBeLessThan(status.progress.chunks_total);

    const early = await searchLibrary(node.app, keys.alice, { query: "LH-5521-KQ" });
    expect(early.body.chunks[0]).toMatchObject({ document_id: documentId, filename: "ledger.txt" });
    expect(early.body.chunks[0]!.text).toContain("LH-5521-KQ");
    const [hit] = await node.fn("library").service.searchHits(jobScope(node.redis, "alice", { logger: silentLogger }), { query: "LH-5521-KQ", topK: 1 });
    expect(hit!.ranks).toEqual({ bm25: 1, vector: null });
    const listed = await (await node.app.request(`/library/documents/${documentId}`, authorized(keys.alice))).json();
    expect(listed).toMatchObject({ id: documentId, vectors_pending: true });
    // Another tenant sees nothing of it, by keyword or otherwise.
    expect((await searchLibrary(node.app, keys.bob, { query: "LH-5521-KQ" })).body.chunks).toEqual([]);
    expect((await node.app.request(`/library/documents/${documentId}`, authorized(keys.bob))).status).toBe(404);

    held.release();
    const done = await waitForJob(node.app, keys.alice, jobId);
    expect(done).toMatchObject({ state: "completed", progress: { stage: "completed", chunks_done: status.progress.chunks_total } });
    const [after] = await node.fn("library").service.searchHits(jobScope(node.redis, "alice", { logger: silentLogger }), { query: "LH-5521-KQ", topK: 1 });
    expect(after!.ranks.vector).not.toBeNull();
    expect(await (await node.app.request(`/library/documents/${documentId}`, authorized(keys.alice))).json()).toMatchObject({ vectors_pending: false });
  });

  it("never brings back a document deleted while its vectors were being filled in", async () => {
    held.hold();
    const { jobId, documentId } = await uploadHeld("doomed.txt", `${makeProse(40, 11)} Doomed reference DM-0042-ZZ.`);
    expect((await node.app.request(`/library/documents/${documentId}`, authorized(keys.alice, { method: "DELETE" }))).status).toBe(200);
    held.release();
    const done = await waitForJob(node.app, keys.alice, jobId);
    expect(done).toMatchObject({ state: "completed", progress: { stage: "superseded" } });
    const found = (await searchLibrary(node.app, keys.alice, { query: "DM-0042-ZZ", top_k: 50 })).body.chunks;
    expect(found.filter((chunk) => chunk.document_id === documentId)).toEqual([]);
    expect(found.some((chunk) => (chunk.text as string).includes("DM-0042-ZZ"))).toBe(false);
    expect((await node.app.request(`/library/documents/${documentId}`, authorized(keys.alice))).status).toBe(404);
  });
});
