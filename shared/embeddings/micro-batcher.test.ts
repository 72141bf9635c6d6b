import { describe, expect, it } from "vitest";
import { createMicroBatcher, type MicroBatcherOptions } from "./micro-batcher.js";

function recordingBatcher(maxBatchSize: number, fail?: (items: string[]) => boolean) {
  const batches: string[][] = [];
  const batcher = createMicroBatcher<string, string>({
    maxBatchSize,
    async run(items) {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail?.(items)) throw new Error("model crashed");
      return items.map((item) => item.toUpperCase());
    },
  });
  return { batches, batcher };
}

describe("micro-batcher", () => {
  it("coalesces calls made together into one batch and gives each caller its own outputs in order", async () => {
    const { batches, batcher } = recordingBatcher(64);
    const results = await Promise.all([batcher.submit(["a", "b"]), batcher.submit(["c"]), batcher.submit(["d", "e"])]);
    expect(results).toEqual([["A", "B"], ["C"], ["D", "E"]]);
    // One batch; the one-item call sorts first (shortest remaining call first).
    expect(batches).toEqual([["c", "a", "b", "d", "e"]]);
  });

  it("splits beyond the batch size and batches what arrives while a batch runs", async () => {
    const { batches, batcher } = recordingBatcher(3);
    const first = batcher.submit(["a", "b", "c", "d"]);
    await new Promise((resolve) => setTimeout(resolve, 1)); // the first batch is now running
    const second = batcher.submit(["e"]);
    const third = batcher.submit(["f"]);
    expect(await first).toEqual(["A", "B", "C", "D"]);
    expect(await Promise.all([second, third])).toEqual([["E"], ["F"]]);
    expect(batches).toEqual([["a", "b", "c"], ["d", "e", "f"]]);
  });

  it("fails every caller in a failed batch, and later calls still work", async () => {
    const { batcher } = recordingBatcher(64, (items) => items.includes("boom"));
    const results = await Promise.allSettled([batcher.submit(["ok"]), batcher.submit(["boom"])]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(await batcher.submit(["fine"])).toEqual(["FINE"]);
  });

  it("lets a caller abort while waiting, without its items reaching the model", async () => {
    const { batches, batcher } = recordingBatcher(1);
    const controller = new AbortController();
    const running = batcher.submit(["first"]);
    const aborted = batcher.submit(["never"], controller.signal);
    controller.abort(new Error("client went away"));
    await expect(aborted).rejects.toThrow("client went away");
    expect(await running).toEqual(["FIRST"]);
    expect(await batcher.submit(["next"])).toEqual(["NEXT"]);
    expect(batches.flat()).not.toContain("never");
  });

  it("runs up to maxConcurrentBatches at once and shares a burst among them", async () => {
    const { gate, batches, batcher } = gatedBatcher({ maxBatchSize: 64, maxConcurrentBatches: 2 });
    const results = Promise.all(Array.from({ length: 20 }, (_, index) => batcher.submit([`t${index}`])));
    await flushMicrotasks();
    // Both slots busy with half the burst each, not one batch of 20 while the other idles.
    expect(batches.map((batch) => batch.length)).toEqual([10, 10]);
    gate.releaseAll();
    expect((await results).flat()).toEqual(Array.from({ length: 20 }, (_, index) => `T${index}`));
  });

  it("puts a small call ahead of queued work, so it waits only for a running batch", async () => {
    const { gate, batches, batcher } = gatedBatcher({ maxBatchSize: 2, maxConcurrentBatches: 2 });
    const ingestion = batcher.submit(Array.from({ length: 40 }, (_, index) => `chunk${index}`));
    await flushMicrotasks();
    expect(batches).toHaveLength(2); // both slots busy, 36 chunks queued
    const query = batcher.submit(["query"]);
    let answered = false;
    void query.then(() => (answered = true));
    gate.release(0); // the first slot frees up
    await flushMicrotasks();
    expect(batches[2]![0]).toBe("query"); // the next batch to start, ahead of 36 queued chunks
    gate.release(2);
    await flushMicrotasks();
    expect(answered).toBe(true);
    expect(await query).toEqual(["QUERY"]);
    gate.releaseAll();
    expect(await ingestion).toHaveLength(40);
  });

  it("caps a batch at items × heaviest weight, so a short text is not padded to a long one", async () => {
    const { gate, batches, batcher } = gatedBatcher({ maxBatchSize: 64, maxBatchWeight: 100, weigh: (item) => item.length });
    const long = "x".repeat(60);
    const calls = [batcher.submit(["q1", "q2"]), batcher.submit([long, long]), batcher.submit(["y".repeat(150)]), batcher.submit(["q3"])];
    await flushMicrotasks();
    gate.releaseAll();
    await Promise.all(calls);
    // Shortest calls first and together; the two 60-character texts would pad to 120 > 100, so they
    // run apart; a text heavier than the cap still runs, alone.
    expect(batches).toEqual([["q3", "q1", "q2"], [long], [long], ["y".repeat(150)]]);
  });

  it("keeps a short text out of a batch it would be padded in, with maxPaddingRatio", async () => {
    const medium = "m".repeat(40);
    const run = async (maxPaddingRatio?: number) => {
      const { gate, batches, batcher } = gatedBatcher({ maxBatchSize: 64, maxBatchWeight: 100, maxPaddingRatio, weigh: (item) => item.length });
      const calls = [batcher.submit(["query"]), batcher.submit([medium, medium])];
      await flushMicrotasks();
      gate.releaseAll();
      await Promise.all(calls);
      return batches;
    };
    // "query" padded to 40 makes 2 × 40 = 80: within the cap of 100, but 1.8× the texts' own 45.
    expect(await run()).toEqual([["query", medium], [medium]]);
    expect(await run(1.3)).toEqual([["query"], [medium, medium]]);
  });
});

/** Microtasks and the batcher's own scheduling settle; no timers involved. */
const flushMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

/** A batcher whose batches finish only when the test says so: batch `n` is `batches[n]`. */
function gatedBatcher(options: Omit<MicroBatcherOptions<string, string>, "run">) {
  const batches: string[][] = [];
  const finishers: (() => void)[] = [];
  let releasedAll = false;
  const batcher = createMicroBatcher<string, string>({
    ...options,
    async run(items) {
      batches.push(items);
      if (!releasedAll) await new Promise<void>((resolve) => finishers.push(resolve));
      return items.map((item) => item.toUpperCase());
    },
  });
  const gate = {
    release: (batch: number) => finishers[batch]?.(),
    releaseAll: () => {
      releasedAll = true;
      for (const finish of finishers) finish();
      finishers.length = 0;
    },
  };
  return { gate, batches, batcher };
}

