import { describe, expect, it } from "vitest";
import { createWaitQueue } from "./wait-queue.js";

const queueOf = (capacity: number) =>
  createWaitQueue<string, number>({
    capacity,
    now: () => Date.now(),
    onFull: () => new Error("full"),
    onTimeout: (waited) => new Error(`timeout after ${waited >= 0 ? "some" : "no"} time`),
  });

describe("wait queue", () => {
  it("serves waiters oldest first and skips those the offer does not fit", async () => {
    const queue = queueOf(5);
    const results = [1, 2, 3].map((id) => queue.wait({ context: id, timeoutMs: 1000 }));
    queue.serve((waiter) => (waiter.context === 2 ? undefined : `slot-for-${waiter.context}`));
    expect(await results[0]).toBe("slot-for-1");
    expect(await results[2]).toBe("slot-for-3");
    expect(queue.size).toBe(1);
    queue.serve((waiter) => `late-${waiter.context}`);
    expect(await results[1]).toBe("late-2");
    expect(queue.size).toBe(0);
  });

  it("refuses beyond capacity, times out, and aborts — each leaving the queue empty", async () => {
    const queue = queueOf(1);
    const waiting = queue.wait({ context: 1, timeoutMs: 20 });
    await expect(queue.wait({ context: 2, timeoutMs: 20 })).rejects.toThrow("full");
    await expect(waiting).rejects.toThrow(/timeout/);
    expect(queue.size).toBe(0);

    const controller = new AbortController();
    const aborted = queue.wait({ context: 3, timeoutMs: 10_000, signal: controller.signal });
    controller.abort(new Error("client left"));
    await expect(aborted).rejects.toThrow("client left");
    expect(queue.size).toBe(0);
    // A served-after-abort offer finds nobody: nothing is handed out twice.
    let offered = 0;
    queue.serve(() => {
      offered++;
      return "x";
    });
    expect(offered).toBe(0);
  });

  it("rejects selected waiters on demand", async () => {
    const queue = queueOf(3);
    const keep = queue.wait({ context: 1, timeoutMs: 1000 });
    const drop = queue.wait({ context: 2, timeoutMs: 1000 });
    queue.rejectWhere((waiter) => (waiter.context === 2 ? new Error("hopeless") : undefined));
    await expect(drop).rejects.toThrow("hopeless");
    queue.serve(() => "ok");
    expect(await keep).toBe("ok");
  });
});
