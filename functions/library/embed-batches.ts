import type { Embedder } from "../../shared/embeddings/index.js";

/**
 * Embeds a document's chunks in calls sized to take about `targetMs` each.
 *
 * Why adaptive: the local model runs one call at a time on the event loop it shares with HTTP (in
 * the emulator, one process), so a search's query embedding waits behind the running call, and a
 * call blocks the loop for its whole duration. Its per-chunk cost is flat from 2 to 64 chunks
 * (~75 ms for a 250-token chunk on 2 vCPUs, test/bench/library.ts), so small calls cost nothing —
 * 2 chunks ≈ 150–200 ms, inside chat's 300 ms retrieval budget. A remote (GPU) embedder answers a
 * small call in milliseconds and wants big ones. Sizing calls from the measured cost per text
 * serves both without configuration; `fixedBatchSize` pins it.
 */
export interface EmbedInBatchesOptions {
  signal?: AbortSignal | undefined;
  fixedBatchSize?: number | undefined;
  targetMs?: number;
  maxBatchSize?: number;
  onProgress?: (done: number) => Promise<void> | void;
  now?: () => number;
}

export async function embedInBatches(embedder: Embedder, texts: readonly string[], options: EmbedInBatchesOptions = {}): Promise<Float32Array[]> {
  const targetMs = options.targetMs ?? 200;
  const maxBatchSize = options.maxBatchSize ?? 64;
  const now = options.now ?? (() => performance.now());
  let batchSize = options.fixedBatchSize ?? 2;
  // Smoothed cost per text: chunk lengths vary (a page's last chunk is short), one batch should not swing it.
  let msPerText: number | undefined;
  const vectors: Float32Array[] = [];
  while (vectors.length < texts.length) {
    options.signal?.throwIfAborted();
    const started = now();
    const batch = texts.slice(vectors.length, vectors.length + batchSize);
    vectors.push(...(await embedder.embed(batch, options.signal)));
    const cost = (now() - started) / batch.length;
    await options.onProgress?.(vectors.length);
    // The local model settles its promise in microtasks: without a macrotask turn here, calls run
    // back to back and HTTP waits for several of them (measured: 300 ms blocks at 150 ms calls).
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (options.fixedBatchSize !== undefined) continue;
    msPerText = msPerText === undefined ? cost : 0.7 * msPerText + 0.3 * cost;
    // At most double per step, so one misleadingly fast batch cannot jump straight to a huge one.
    const wanted = Math.floor(targetMs / Math.max(msPerText, 1e-3));
    batchSize = Math.max(1, Math.min(maxBatchSize, batchSize * 2, wanted));
  }
  return vectors;
}
