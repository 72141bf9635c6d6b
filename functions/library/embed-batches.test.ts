import { describe, expect, it } from "vitest";
import type { Embedder } from "../../shared/embeddings/index.js";
import { embedInBatches } from "./embed-batches.js";

/** An embedder on a fake clock: each call "takes" `msPerText` per text; records call sizes. */
function timedEmbedder(msPerText: number, clock: { time: number }) {
  const calls: number[] = [];
  const embedder: Embedder = {
    id: "fake",
    dimension: 1,
    embed: async (texts) => {
      calls.push(texts.length);
      clock.time += msPerText * texts.length;
      return texts.map((text) => Float32Array.of(Number(text)));
    },
  };
  return { embedder, calls };
}

const texts = Array.from({ length: 300 }, (_, index) => String(index));

describe("embedInBatches", () => {
  it("grows calls for a fast embedder, up to the maximum, keeping order", async () => {
    const clock = { time: 0 };
    const { embedder, calls } = timedEmbedder(0.5, clock);
    const vectors = await embedInBatches(embedder, texts, { now: () => clock.time, concurrency: 1 });
    expect(vectors.map((vector) => vector[0])).toEqual(texts.map(Number));
    expect(calls.slice(0, 6)).toEqual([2, 4, 8, 16, 32, 64]);
    expect(Math.max(...calls)).toBe(64);
  });

  it("keeps calls near the target for a slow model (75 ms a text, 200 ms target → 2 per call)", async () => {
    const clock = { time: 0 };
    const { embedder, calls } = timedEmbedder(75, clock);
    await embedInBatches(embedder, texts.slice(0, 40), { now: () => clock.time, concurrency: 1, targetMs: 200 });
    expect(new Set(calls)).toEqual(new Set([2]));
    const slower = timedEmbedder(400, clock);
    await embedInBatches(slower.embedder, texts.slice(0, 10), { now: () => clock.time, concurrency: 1, targetMs: 200 });
    expect(slower.calls).toEqual([2, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it("keeps several calls in flight, returns vectors in order and reports progress as a prefix", async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const embedder: Embedder = {
      id: "fake",
      dimension: 1,
      embed: async (batch) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // Later calls finish first: order must come from positions, not from completion.
        await new Promise((resolve) => setTimeout(resolve, 30 - Number(batch[0]) / 10));
        inFlight--;
        return batch.map((text) => Float32Array.of(Number(text)));
      },
    };
    const progress: number[] = [];
    const vectors = await embedInBatches(embedder, texts.slice(0, 60), { fixedBatchSize: 5, concurrency: 3, onProgress: (done) => void progress.push(done) });
    expect(vectors.map((vector) => vector[0])).toEqual(texts.slice(0, 60).map(Number));
    expect(mostInFlight).toBe(3);
    expect(progress).toEqual(Array.from({ length: 12 }, (_, index) => (index + 1) * 5));
  });

  it("fails with the first error and cancels the calls still in flight", async () => {
    const cancelled: unknown[] = [];
    const embedder: Embedder = {
      id: "fake",
      dimension: 1,
      embed: (batch, signal) =>
        new Promise((resolve, reject) => {
          if (batch[0] === "4") return reject(new Error("model failed"));
          const timer = setTimeout(() => resolve(batch.map(() => Float32Array.of(0))), 50);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            cancelled.push(batch[0]);
            reject(signal.reason);
          });
        }),
    };
    await expect(embedInBatches(embedder, texts.slice(0, 20), { fixedBatchSize: 2, concurrency: 3 })).rejects.toThrow("model failed");
    expect(cancelled).toEqual(["0", "2"]);
  });

  it("uses a pinned batch size as given and reports progress after every call", async () => {
    const clock = { time: 0 };
    const { embedder, calls } = timedEmbedder(0, clock);
    const progress: number[] = [];
    await embedInBatches(embedder, texts.slice(0, 10), { fixedBatchSize: 4, onProgress: (done) => void progress.push(done) });
    expect(calls).toEqual([4, 4, 2]);
    expect(progress).toEqual([4, 8, 10]);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    const { embedder } = timedEmbedder(0, { time: 0 });
    const pending = embedInBatches(embedder, texts, { signal: controller.signal, onProgress: () => controller.abort(new Error("stop")) });
    await expect(pending).rejects.toThrow("stop");
  });
});
