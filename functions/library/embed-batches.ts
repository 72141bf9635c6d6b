import type { Embedder } from "../../shared/embeddings/index.js";

/**
 * Embeds a document's chunks in calls sized to take about `targetMs` each, keeping `concurrency`
 * calls in flight.
 *
 * Why several in flight: the local model runs in worker threads (two on a 2-core box), and one
 * call at a time would leave a thread idle whenever a call's last chunk runs alone and between
 * calls; a remote (GPU) embedder likewise gets more done with a few requests open. The event loop
 * is not what limits call size any more — the model never runs on it — and a search's query
 * embedding does not queue behind ours: the local embedder sends a short call ahead of queued
 * ones and caps each model call at about one chunk's work, so a query waits for at most one
 * running chunk (~120 ms) whatever we submit here, inside chat's 300 ms retrieval budget.
 *
 * Why adaptive: the local model's cost is flat per chunk (~120 ms for 250 tokens on one core,
 * test/bench/library.ts), a remote one answers a small call in milliseconds and wants big ones.
 * Sizing calls from the measured time per text (waiting included) serves both without
 * configuration and keeps progress reports about a second apart (an abort reaches calls in flight
 * at once); `fixedBatchSize` pins the size.
 */
export interface EmbedInBatchesOptions {
  signal?: AbortSignal | undefined;
  fixedBatchSize?: number | undefined;
  targetMs?: number;
  maxBatchSize?: number;
  /** Calls in flight at once (default 3: enough to keep two model threads busy between calls). */
  concurrency?: number;
  /**
   * Called with how many leading texts are embedded, after every call, in order, and the vectors
   * so far (filled up to `done`). A rejection stops the embedding and is thrown.
   */
  onProgress?: (done: number, vectors: readonly Float32Array[]) => Promise<void> | void;
  now?: () => number;
}

interface InFlightCall {
  end: number;
  /** Never rejects: a failure is recorded in `failure` so no rejection goes unobserved. */
  settled: Promise<void>;
}

export async function embedInBatches(embedder: Embedder, texts: readonly string[], options: EmbedInBatchesOptions = {}): Promise<Float32Array[]> {
  const targetMs = options.targetMs ?? 1000;
  const maxBatchSize = options.maxBatchSize ?? 64;
  const concurrency = Math.max(1, options.concurrency ?? 3);
  const now = options.now ?? (() => performance.now());
  let batchSize = options.fixedBatchSize ?? 2;
  // Smoothed cost per text: chunk lengths vary (a page's last chunk is short), one batch should not swing it.
  let msPerText: number | undefined;
  const vectors = new Array<Float32Array>(texts.length);

  // One failure (or the caller's abort) cancels the calls still in flight.
  const cancel = new AbortController();
  const forwardAbort = () => cancel.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", forwardAbort, { once: true });
  let failure: { error: unknown } | undefined;

  const send = (from: number): InFlightCall => {
    const batch = texts.slice(from, from + batchSize);
    const started = now();
    const settled = embedder.embed(batch, cancel.signal).then(
      (result) => {
        result.forEach((vector, index) => (vectors[from + index] = vector));
        if (options.fixedBatchSize !== undefined) return;
        const cost = (now() - started) / batch.length;
        msPerText = msPerText === undefined ? cost : 0.7 * msPerText + 0.3 * cost;
        // At most double per step, so one misleadingly fast batch cannot jump straight to a huge one.
        const wanted = Math.floor(targetMs / Math.max(msPerText, 1e-3));
        batchSize = Math.max(1, Math.min(maxBatchSize, batchSize * 2, wanted));
      },
      (error: unknown) => {
        failure ??= { error };
        cancel.abort(error);
      },
    );
    return { end: from + batch.length, settled };
  };

  try {
    const inFlight: InFlightCall[] = [];
    let sent = 0;
    while (sent < texts.length || inFlight.length > 0) {
      options.signal?.throwIfAborted();
      while (inFlight.length < concurrency && sent < texts.length && !failure) {
        const call = send(sent);
        inFlight.push(call);
        sent = call.end;
      }
      // Oldest first, so progress counts a prefix of the texts.
      const oldest = inFlight.shift()!;
      await oldest.settled;
      if (failure) throw failure.error;
      await options.onProgress?.(oldest.end, vectors);
    }
    return vectors;
  } finally {
    options.signal?.removeEventListener("abort", forwardAbort);
    cancel.abort();
  }
}
