/**
 * Every kind of bad input gets its own clear error — problem+json at upload, or a failed job with
 * the code in its status — and leaves nothing behind: no record, no chunk, no stored upload.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../shared/errors.js";
import { authorized, startHarness, harnessKeys as keys, type Harness } from "./harness.js";
import { createWordHashEmbedder, searchLibrary, uploadDocument, waitForJob } from "./library/support.js";

const fixture = async (name: string) => new Uint8Array(await readFile(new URL(`fixtures/${name}`, import.meta.url)));
const wordHash = createWordHashEmbedder();

let node: Harness;

beforeAll(async () => {
  node = await startHarness({
    functions: ["library"],
    env: { LIBRARY_MAX_UPLOAD_BYTES: "16384" },
    embedder: {
      ...wordHash,
      // A text containing POISON makes the embedder refuse it, half-way through a document.
      embed: async (texts) => {
        if (texts.some((text) => text.includes("POISON"))) {
          throw new AppError({ code: "embedding_refused", status: 422, title: "Refused", detail: "The embedder refused a chunk" });
        }
        return wordHash.embed(texts);
      },
    },
  });
  await node.startWorkers();
});

afterAll(async () => {
  await node?.close();
});

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = await response.json();
  expect(problem).toMatchObject({ status, code, detail: expect.any(String), requestId: expect.any(String) });
  return problem;
}

/** Nothing of the tenant's library is left in Redis but the (zeroed) counters. */
async function expectNothingLeft() {
  const stats = await (await node.app.request("/library/stats", authorized(keys.alice))).json();
  expect(stats).toEqual({ documents: 0, chunks: 0, by_type: { pdf: 0, txt: 0, md: 0 } });
  const leftovers = await node.redis.keys(`${node.prefix}:t:alice:*`);
  const allowed = new Set([`${node.prefix}:t:alice:library:stats`, `${node.prefix}:t:alice:vec:library:meta`, `${node.prefix}:t:alice:vec:library:changes`]);
  expect(leftovers.filter((key) => !allowed.has(key))).toEqual([]);
  expect(await node.redis.hlen(`${node.prefix}:t:alice:vec:library:vectors`)).toBe(0);
}

describe("library: bad uploads answered at once", () => {
  it.each([
    ["empty.txt", "", 422, "empty_document"],
    ["blank.md", "  \n\n\t ", 422, "empty_document"],
    ["photo.png", "not really a png", 415, "unsupported_type"],
    ["binary.txt", "abc\u0000def", 415, "unsupported_type"],
    ["fake.pdf", "this is not a pdf at all", 422, "corrupt_pdf"],
    ["../escape.txt", "path traversal", 400, "invalid_filename"],
    ["nested/dir.txt", "path components", 400, "invalid_filename"],
  ])("%s %j → %i %s", async (filename, content, status, code) => {
    await expectProblem(await uploadDocument(node.app, keys.alice, filename, content), status, code);
  });

  it("refuses a multipart file name with path components", async () => {
    await expectProblem(await uploadDocument(node.app, keys.alice, "..\\windows.txt", "text", { multipart: true }), 400, "invalid_filename");
  });

  it("answers 413 for an upload over LIBRARY_MAX_UPLOAD_BYTES, raw or multipart", async () => {
    const big = "x".repeat(20_000);
    await expectProblem(await uploadDocument(node.app, keys.alice, "big.txt", big), 413, "payload_too_large");
    await expectProblem(await uploadDocument(node.app, keys.alice, "big.txt", big, { multipart: true }), 413, "payload_too_large");
  });

  it("asks for a file name, and for the multipart field by name", async () => {
    const raw = await node.app.request("/library/documents", authorized(keys.alice, { method: "POST", body: "text" }));
    await expectProblem(raw, 400, "missing_filename");
    const form = new FormData();
    form.append("document", new Blob(["text"]), "a.txt");
    await expectProblem(await node.app.request("/library/documents", authorized(keys.alice, { method: "POST", body: form })), 400, "missing_file");
  });

  it("validates searches", async () => {
    for (const body of [{ query: "" }, { query: " " }, { query: "x".repeat(2001) }, { query: "a", top_k: 0 }, { query: "a", top_k: 51 }, { query: "a", file_type: "doc" }, { query: "a", extra: 1 }]) {
      const { status, body: problem } = await searchLibrary(node.app, keys.alice, body);
      expect(status, JSON.stringify(body)).toBe(422);
      expect(problem.code).toBe("validation_failed");
    }
  });

  it("answers 404 for unknown documents and jobs, whatever their shape", async () => {
    for (const path of ["/library/documents/0123456789abcdef0123456789abcdef", "/library/documents/../../etc", "/library/jobs/nope", "/library/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV"]) {
      const response = await node.app.request(path, authorized(keys.alice));
      expect(response.status, path).toBe(404);
    }
  });

  it("leaves nothing behind", expectNothingLeft);
});

describe("library: bad documents fail their job", () => {
  it.each([
    ["corrupt.pdf", "corrupt_pdf"],
    ["encrypted.pdf", "encrypted_pdf"],
    ["scanned.pdf", "no_text"],
  ])("%s → failed job with %s", async (name, code) => {
    const response = await uploadDocument(node.app, keys.alice, name, await fixture(name));
    expect(response.status).toBe(202);
    const { job_id: jobId } = await response.json();
    const status = await waitForJob(node.app, keys.alice, jobId);
    expect(status).toMatchObject({ state: "failed", error: { code, message: expect.stringContaining(name) }, progress: { stage: "failed" } });
  });

  it("fails a document whose embedding fails half-way and takes its keyword-searchable chunks back out", async () => {
    const text = Array.from({ length: 60 }, (_, index) => `Sentence ${index} about the orchard and its apple trees in autumn.`).join(" ");
    const response = await uploadDocument(node.app, keys.alice, "poisoned.txt", `${text} ${text} POISON`);
    expect(response.status).toBe(202);
    const status = await waitForJob(node.app, keys.alice, (await response.json()).job_id);
    expect(status).toMatchObject({ state: "failed", error: { code: "embedding_refused" } });
    expect(status.progress.chunks_done).toBeGreaterThan(0);
    expect(status.progress.chunks_done).toBeLessThan(status.progress.chunks_total);
    expect((await searchLibrary(node.app, keys.alice, { query: "orchard apple trees" })).body.chunks).toEqual([]);
  });

  it("fails a job whose stored upload expired before it ran", async () => {
    // A second "process" whose workers start late, so the blob can expire (be deleted) first.
    const late = await startHarness({ functions: ["library"], embedder: wordHash });
    try {
      const response = await uploadDocument(late.app, keys.alice, "late.txt", "A text that arrives too late.");
      const { job_id: jobId } = await response.json();
      expect(await late.redis.del(`${late.prefix}:t:alice:library:blob:${jobId}`)).toBe(1);
      await late.startWorkers();
      const status = await waitForJob(late.app, keys.alice, jobId);
      expect(status).toMatchObject({ state: "failed", error: { code: "upload_expired" } });
      expect(await late.redis.hlen(`${late.prefix}:t:alice:library:pending`)).toBe(0);
    } finally {
      await late.close();
    }
  });

  it("leaves nothing behind", expectNothingLeft);
});
