import { afterAll, describe, expect, it } from "vitest";
import { testRedis } from "../redis.js";
import { withArchiveLock } from "../../functions/memory/archive-lock.js";
import { acquireLock } from "../../functions/memory/store-scripts.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe("archive lock", () => {
  it("a crashed owner's lock (no heartbeat) lapses within its TTL, then the next run proceeds", async () => {
    const key = `${prefix}:lock:crashed`;
    // What a process that died mid-run leaves behind: its owner id, no one renewing it.
    expect(await acquireLock(redis, key, "owner-that-died", 300)).toBe(true);
    expect(await withArchiveLock(redis, key, "next-owner", 300, async () => "ran")).toBe("busy");
    await sleep(400);
    expect(await withArchiveLock(redis, key, "next-owner", 300, async () => "ran")).toBe("ran");
    expect(await redis.exists(key)).toBe(0);
  });

  it("a live owner's heartbeat keeps the lock far past its TTL; others are told busy until it is done", async () => {
    const key = `${prefix}:lock:live`;
    const outcomes: string[] = [];
    const long = withArchiveLock(redis, key, "worker-a", 200, async () => {
      await sleep(900);
      return "a done";
    });
    for (let check = 0; check < 4; check++) {
      await sleep(200);
      outcomes.push(String(await withArchiveLock(redis, key, "worker-b", 200, async () => "b ran")));
    }
    expect(await long).toBe("a done");
    expect(outcomes).toEqual(["busy", "busy", "busy", "busy"]);
    expect(await withArchiveLock(redis, key, "worker-b", 200, async () => "b ran")).toBe("b ran");
  });
});
