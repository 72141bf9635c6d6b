import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { jsonBody, withKey, type ContractTarget } from "./target.js";

/**
 * The library over HTTP, the same on every runtime. Ingestion jobs always run on Node (workerd
 * only enqueues), so each runtime's runner must have library workers consuming the queue.
 */
export default function libraryContract(target: () => ContractTarget) {
  describe("library", () => {
    const run = crypto.randomUUID().slice(0, 8);
    // Compound ids are one BM25 term each, so these find exactly their document on any embedder.
    const marker = (name: string) => `${name}-${run}-7731`;
    // Names are per run too: re-uploading a name replaces that document, which would skew counts.
    const named = (name: string) => name.replace(".", `-${run}.`);

    const upload = async (key: string, filename: string, body: BodyInit, multipart = false) => {
      if (multipart) {
        const form = new FormData();
        form.append("file", new Blob([body as string]), filename);
        // Encoded here: Miniflare's dispatchFetch does not recognise this runtime's FormData.
        const encoded = new Response(form);
        const headers = { "content-type": encoded.headers.get("content-type") ?? "" };
        return target().fetch("/library/documents", withKey(key, { method: "POST", body: await encoded.arrayBuffer(), headers }));
      }
      return target().fetch(`/library/documents?filename=${encodeURIComponent(filename)}`, withKey(key, { method: "POST", body }));
    };

    const waitForJob = async (key: string, statusUrl: string) => {
      const started = Date.now();
      for (;;) {
        const response = await target().fetch(statusUrl, withKey(key));
        expect(response.status).toBe(200);
        const status = await response.json();
        if (status.state === "completed" || status.state === "failed") return status;
        if (Date.now() - started > 60_000) throw new Error(`job still ${status.state} after 60 s: ${JSON.stringify(status)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    const ingest = async (key: string, filename: string, body: string, multipart = false) => {
      const response = await upload(key, filename, body, multipart);
      expect(response.status).toBe(202);
      const accepted = await response.json();
      expect(accepted).toMatchObject({ document_id: expect.stringMatching(/^[0-9a-f]{32}$/), job_id: expect.any(String), status_url: `/library/jobs/${accepted.job_id}` });
      const status = await waitForJob(key, accepted.status_url);
      expect(status).toMatchObject({ id: accepted.job_id, state: "completed", document_id: accepted.document_id, progress: { stage: "completed" } });
      return accepted.document_id as string;
    };

    const search = async (key: string, body: Record<string, unknown>) => {
      const response = await target().fetch("/library/search", jsonBody(key, body));
      expect(response.status).toBe(200);
      return (await response.json()) as { chunks: Record<string, unknown>[]; total: number; query: string };
    };

    const stats = async (key: string) => (await target().fetch("/library/stats", withKey(key))).json();

    const expectProblem = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.json()).toMatchObject({ status, code });
    };

    it("ingests markdown and text through jobs, then finds them with citations", { timeout: 120_000 }, async () => {
      const { keys } = target();
      const before = await stats(keys.alice);
      const markdown = await ingest(keys.alice, named("harbour.md"), `# Harbour log\n\nThe pilot boat carried crate ${marker("crate")} across the bar at dawn.`);
      const text = await ingest(keys.alice, named("garden.txt"), `The greenhouse thermometer ${marker("thermo")} read nine degrees.`, true);

      const found = await search(keys.alice, { query: marker("crate"), top_k: 3 });
      expect(found.query).toBe(marker("crate"));
      expect(found.total).toBe(found.chunks.length);
      expect(found.chunks[0]).toMatchObject({
        document_id: markdown,
        filename: named("harbour.md"),
        file_type: "md",
        page: null,
        chunk_index: 0,
        char_start: expect.any(Number),
        char_end: expect.any(Number),
        total_chunks: 1,
      });
      expect(found.chunks[0]!.text).toContain(marker("crate"));
      expect(found.chunks[0]!.score).toBeGreaterThan(0);
      expect(found.chunks[0]!.score).toBeLessThanOrEqual(1);

      const onlyText = await search(keys.alice, { query: marker("thermo"), file_type: "txt" });
      expect(onlyText.chunks[0]).toMatchObject({ document_id: text, filename: named("garden.txt"), file_type: "txt" });

      const after = await stats(keys.alice);
      expect(after.documents - before.documents).toBe(2);
      expect(after.by_type.md - before.by_type.md).toBe(1);
      expect(after.by_type.txt - before.by_type.txt).toBe(1);
      expect(after.chunks - before.chunks).toBe(2);

      const listed = await (await target().fetch("/library/documents?limit=100", withKey(keys.alice))).json();
      expect(listed.documents.map((document: { id: string }) => document.id)).toEqual(expect.arrayContaining([markdown, text]));
    });

    it("stores identical content once and deletes a document with its chunks", { timeout: 120_000 }, async () => {
      const { keys } = target();
      const content = `A ledger line: ${marker("ledger")} paid in full.`;
      const documentId = await ingest(keys.alice, named("ledger.txt"), content);
      const again = await upload(keys.alice, named("ledger-copy.txt"), content);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ document_id: documentId, job_id: null, document: { id: documentId } });

      const deleted = await target().fetch(`/library/documents/${documentId}`, withKey(keys.alice, { method: "DELETE" }));
      expect(deleted.status).toBe(200);
      expect(await deleted.json()).toEqual({ document_id: documentId, deleted: true, chunks_removed: 1 });
      const gone = await search(keys.alice, { query: marker("ledger"), top_k: 50 });
      expect(gone.chunks.map((chunk) => chunk.document_id)).not.toContain(documentId);
      expect((await target().fetch(`/library/documents/${documentId}`, withKey(keys.alice))).status).toBe(404);
    });

    it("reports a bad document's failure in its job status", { timeout: 120_000 }, async () => {
      const { keys } = target();
      const corrupt = await readFile(new URL("../fixtures/corrupt.pdf", import.meta.url));
      const response = await upload(keys.alice, `broken-${run}.pdf`, new Uint8Array(corrupt));
      expect(response.status).toBe(202);
      const status = await waitForJob(keys.alice, (await response.json()).status_url);
      expect(status).toMatchObject({ state: "failed", error: { code: "corrupt_pdf", message: expect.any(String) } });
    });

    it("answers bad input with problem+json", async () => {
      const { keys } = target();
      await expectProblem(await upload(keys.alice, "photo.png", "png bytes"), 415, "unsupported_type");
      await expectProblem(await upload(keys.alice, "empty.txt", ""), 422, "empty_document");
      await expectProblem(await upload(keys.alice, "../escape.txt", "text"), 400, "invalid_filename");
      await expectProblem(await target().fetch("/library/search", jsonBody(keys.alice, { query: "" })), 422, "validation_failed");
      await expectProblem(await target().fetch("/library/search", jsonBody(keys.alice, { query: "a", top_k: 500 })), 422, "validation_failed");
      await expectProblem(await target().fetch("/library/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV", withKey(keys.alice)), 404, "job_not_found");
    });

    it("keeps each tenant's library, documents and jobs to itself", { timeout: 120_000 }, async () => {
      const { keys } = target();
      const response = await upload(keys.alice, named("private.md"), `# Private\n\nThe safe code is ${marker("safe")}.`);
      const accepted = await response.json();
      expect((await target().fetch(accepted.status_url, withKey(keys.bob))).status).toBe(404);
      await waitForJob(keys.alice, accepted.status_url);
      // Bob may have documents of his own; none of Alice's may ever appear in his results.
      const bobs = await search(keys.bob, { query: marker("safe"), top_k: 50 });
      expect(bobs.chunks.filter((chunk) => chunk.document_id === accepted.document_id || String(chunk.text).includes(marker("safe")))).toEqual([]);
      expect((await target().fetch(`/library/documents/${accepted.document_id}`, withKey(keys.bob))).status).toBe(404);
      expect((await target().fetch(`/library/documents/${accepted.document_id}`, withKey(keys.bob, { method: "DELETE" }))).status).toBe(404);
      expect((await search(keys.alice, { query: marker("safe") })).chunks[0]).toMatchObject({ document_id: accepted.document_id });
    });
  });
}
