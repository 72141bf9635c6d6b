import { parentPort } from "node:worker_threads";

/**
 * What an embedding thread and its pool (embedding-threads.ts) say to each other. A thread serves
 * one request at a time; the pool never sends a second before the first is answered.
 */
export interface EmbedRequest {
  id: number;
  texts: string[];
}

export type EmbedResponse = { id: number; vectors: Float32Array[] } | { id: number; error: ThreadError };

/** An error as it crosses the thread boundary: its class is lost, its message and stack are not. */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string | undefined;
}

export type EmbedTexts = (texts: string[]) => Promise<Float32Array[]>;

/** What the pool hands every thread it starts (`workerData`). */
export interface EmbeddingThreadData {
  /** URL of the module to run; it calls `serveEmbeddingRequests`. */
  entry: string;
  /** Anything that module needs (test doubles read their behaviour from here). */
  settings?: unknown;
}

export function describeThreadError(error: unknown): ThreadError {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: "Error", message: String(error) };
}

/**
 * Runs inside a thread: answers the pool's requests with `load()`'s embedder. The model loads on
 * the first request, not at start-up, so a process that never embeds never pays for it; a failed
 * load is forgotten, so the next request tries again rather than failing forever.
 */
export function serveEmbeddingRequests(load: () => Promise<EmbedTexts>): void {
  const port = parentPort;
  if (!port) throw new Error("serveEmbeddingRequests must run in a worker thread");
  let loading: Promise<EmbedTexts> | undefined;

  const answer = async ({ id, texts }: EmbedRequest) => {
    try {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      const vectors = await (await loading)(texts);
      // Transferred, not copied; each vector owns its buffer, so none is listed twice.
      const buffers = vectors.map((vector) => vector.buffer).filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
      port.postMessage({ id, vectors } satisfies EmbedResponse, buffers);
    } catch (error) {
      port.postMessage({ id, error: describeThreadError(error) } satisfies EmbedResponse);
    }
  };

  port.on("message", (request: EmbedRequest) => void answer(request));
}
