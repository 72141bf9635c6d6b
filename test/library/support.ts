/**
 * The library's test helpers over a harness's app: embedders that stage ranking, and the upload →
 * job → search round trip a user makes.
 */
import { createLocalEmbedder } from "../../infra/node/embeddings/local-embedder.js";
import { normalizeVector, type Embedder } from "../../shared/embeddings/index.js";
import type { JobStatus } from "../../functions/library/index.js";
import { authorized, type Harness } from "../harness.js";

type App = Harness["app"];

let localEmbedder: Embedder | undefined;
/** One USE-lite model per test file (loading it takes a second or two). */
export const sharedLocalEmbedder = (): Embedder => (localEmbedder ??= createLocalEmbedder());

/**
 * A fast deterministic embedder: hashed bag of lowercase words, so texts sharing words are close.
 * `overrides` pins the vector of any text containing a key, to stage "the embedding ranks it low".
 */
export function createWordHashEmbedder(options: { dimension?: number; overrides?: Record<string, Float32Array> } = {}): Embedder {
  const dimension = options.dimension ?? 64;
  const embedOne = (text: string) => {
    for (const [needle, vector] of Object.entries(options.overrides ?? {})) if (text.includes(needle)) return normalizeVector(vector);
    const vector = new Float32Array(dimension);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      let hash = 2166136261;
      for (let index = 0; index < word.length; index++) hash = Math.imul(hash ^ word.charCodeAt(index), 16777619);
      vector[(hash >>> 0) % dimension]! += 1;
    }
    vector[dimension - 1]! += 0.01; // never the zero vector
    return normalizeVector(vector);
  };
  return { id: `word-hash-${dimension}`, dimension, embed: async (texts) => texts.map(embedOne) };
}

/** Uploads raw bytes with `?filename=`, or as multipart when asked. */
export async function uploadDocument(app: App, key: string, filename: string, bytes: Uint8Array | string, options: { multipart?: boolean } = {}): Promise<Response> {
  // A fresh ArrayBuffer-backed copy: fetch bodies and Blobs refuse views over shared memory.
  const body = typeof bytes === "string" ? new TextEncoder().encode(bytes) : new Uint8Array(bytes);
  if (options.multipart) {
    const form = new FormData();
    form.append("file", new Blob([body]), filename);
    return app.request("/library/documents", authorized(key, { method: "POST", body: form }));
  }
  return app.request(
    `/library/documents?filename=${encodeURIComponent(filename)}`,
    authorized(key, { method: "POST", body, headers: { "content-type": "application/octet-stream" } }),
  );
}

/** Polls job status until it is completed or failed. */
export async function waitForJob(app: App, key: string, jobId: string, timeoutMs = 60_000): Promise<JobStatus> {
  const started = Date.now();
  for (;;) {
    const response = await app.request(`/library/jobs/${jobId}`, authorized(key));
    if (response.status !== 200) throw new Error(`job status answered ${response.status}: ${await response.text()}`);
    const status = (await response.json()) as JobStatus;
    if (status.state === "completed" || status.state === "failed") return status;
    if (Date.now() - started > timeoutMs) throw new Error(`job ${jobId} still ${status.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function searchLibrary(app: App, key: string, body: Record<string, unknown>) {
  const response = await app.request(
    "/library/search",
    authorized(key, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { chunks: Record<string, unknown>[] } };
}

/** Uploads and waits for ingestion; returns the document id. */
export async function ingest(app: App, key: string, filename: string, bytes: Uint8Array | string): Promise<string> {
  const response = await uploadDocument(app, key, filename, bytes);
  const body = (await response.json()) as { document_id: string; job_id: string | null };
  if (response.status === 200) return body.document_id;
  if (response.status !== 202 || !body.job_id) throw new Error(`upload answered ${response.status}: ${JSON.stringify(body)}`);
  const status = await waitForJob(app, key, body.job_id);
  if (status.state !== "completed") throw new Error(`ingestion failed: ${JSON.stringify(status.error)}`);
  return body.document_id;
}
