import { describe, expect, it } from "vitest";
import { createMicroBatcher } from "./micro-batcher.js";

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
    expect(batches).toEqual([["a", "b", "c", "d", "e"]]);
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
});
