import { describe, expect, it } from "vitest";
import { isAppError } from "../../shared/errors.js";
import { createSlotLimiter } from "./limiter.js";

const limiter = (queueSize = 2) =>
  createSlotLimiter({ concurrency: 2, queueSize, queueTimeoutMs: 5000, now: () => 0, typicalMs: () => 1500 });

describe("sandbox slot limiter", () => {
  it("hands out distinct slots, then queues, and gives a freed slot to the oldest waiter", async () => {
    const slots = limiter();
    const first = await slots.acquire();
    const second = await slots.acquire();
    expect(new Set([first, second]).size).toBe(2);
    const order: string[] = [];
    const waiterA = slots.acquire().then((slot) => (order.push("A"), slot));
    const waiterB = slots.acquire().then((slot) => (order.push("B"), slot));
    expect(slots.queued).toBe(2);
    slots.release(second);
    expect(await waiterA).toBe(second);
    slots.release(first);
    expect(await waiterB).toBe(first);
    expect(order).toEqual(["A", "B"]);
    expect(slots.inFlight).toBe(2);
  });

  it("answers 429 with Retry-After once the queue is full", async () => {
    const slots = limiter(1);
    await slots.acquire();
    await slots.acquire();
    void slots.acquire();
    const refused = await slots.acquire().catch((error: unknown) => error);
    expect(isAppError(refused) && refused.status).toBe(429);
    expect(isAppError(refused) && Number(refused.headers["Retry-After"])).toBeGreaterThanOrEqual(2);
  });

  it("lets an aborted waiter go without losing the slot", async () => {
    const slots = limiter();
    const first = await slots.acquire();
    await slots.acquire();
    const controller = new AbortController();
    const aborted = slots.acquire(controller.signal).catch(() => "aborted");
    controller.abort();
    expect(await aborted).toBe("aborted");
    slots.release(first);
    expect(slots.inFlight).toBe(1);
    expect(await slots.acquire()).toBe(first);
  });
});
