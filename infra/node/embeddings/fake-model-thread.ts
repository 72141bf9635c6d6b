import { threadId, workerData } from "node:worker_threads";
import { serveEmbeddingRequests, type EmbeddingThreadData } from "./embedding-thread-protocol.js";

/**
 * A test double for a model thread (embedding-threads.test.ts): it blocks its thread like a real
 * model, and its vectors say which thread made them after how many loads.
 */
export interface FakeModelSettings {
  /** How many loads fail before one succeeds (per thread). */
  failedLoads?: number;
  /** Time a text "takes", blocking the thread. */
  msPerText?: number;
}

const settings = ((workerData as EmbeddingThreadData).settings ?? {}) as FakeModelSettings;
const blocker = new Int32Array(new SharedArrayBuffer(4));
let loads = 0;

serveEmbeddingRequests(async () => {
  loads++;
  if (loads <= (settings.failedLoads ?? 0)) throw new Error(`fake model load ${loads} failed`);
  return async (texts) =>
    texts.map((text) => {
      // Ends this thread only, the way a wasm abort or out-of-memory would.
      if (text === "crash") process.exit(3);
      Atomics.wait(blocker, 0, 0, settings.msPerText ?? 0);
      return Float32Array.of(threadId, loads, text.length);
    });
});
