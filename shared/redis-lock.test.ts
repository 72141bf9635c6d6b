import { Redis } from "ioredis";
import { afterAll, describe, expect, it, inject } from "vitest";
import { systemClock, type Clock } from "./clock.js";
import { acquireLock, extendLock, withLock } from "./redis-lock.js";

// The run's test Redis (test/global-setup.ts), with a prefix of this file's own.
const redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
const prefix = `test-${crypto.randomUUID().slice(0, 8)}`;
afterAll(() => redis.quit());

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
/** A clock that moves 10 ms each time it is read, however slowly the machine runs. */
const steppingClock = (): Clock => {
  let now = 0;
  return { now: () => (now += 10) };
};

describe("redis lock", () => {
  it("lets one holder in at a time and releases the lock however the work ends", async () => {
    const key = `${prefix}:lock:mutex`;
    let inside = 0;
    let most = 0;
    const wait = { ms: 60_000, clock: systemClock };
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, position) =>
        withLock(redis, key, { ttlMs: 30_000, wait }, async () => {
          most = Math.max(most, ++inside);
          await sleep(5);
          inside -= 1;
          return position;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(outcomes.map((outcome) => outcome.acquired && outcome.result)).toEqual([0, 1, 2, 3, 4]);
    await expect(withLock(redis, key, { ttlMs: 30_000 }, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await redis.exists(key)).toBe(0);
  });

  it("gives up waiting when its clock says the wait is over, and never releases another holder's lock", async () => {
    const key = `${prefix}:lock:held`;
    expect(await acquireLock(redis, key, "someone-else", 60_000)).toBe(true);
    let ran = false;
    const outcome = await withLock(redis, key, { ttlMs: 30_000, wait: { ms: 50, clock: steppingClock() } }, async () => (ran = true));
    expect(outcome).toEqual({ acquired: false });
    expect(ran).toBe(false);
    expect(await redis.get(key)).toBe("someone-else");
    // Only the holder's token renews it.
    expect(await extendLock(redis, key, "not-the-holder", 60_000)).toBe(false);
    expect(await extendLock(redis, key, "someone-else", 60_000)).toBe(true);
  });

  it("a crashed holder's lock (no renewal) lapses within its TTL, then the next one proceeds", async () => {
    const key = `${prefix}:lock:crashed`;
    // What a process that died mid-run leaves behind: its token, no one renewing it.
    expect(await acquireLock(redis, key, "owner-that-died", 300)).toBe(true);
    const attempt = () => withLock(redis, key, { ttlMs: 300, token: "next-owner", renew: true }, async () => "ran");
    expect(await attempt()).toEqual({ acquired: false });
    await sleep(400);
    expect(await attempt()).toEqual({ acquired: true, result: "ran" });
    expect(await redis.exists(key)).toBe(0);
  });

  it("a live holder's renewal keeps the lock far past its TTL; others are turned away until it is done", async () => {
    const key = `${prefix}:lock:live`;
    const outcomes: boolean[] = [];
    const long = withLock(redis, key, { ttlMs: 200, token: "worker-a", renew: true }, async () => {
      await sleep(900);
      return "a done";
    });
    const other = () => withLock(redis, key, { ttlMs: 200, token: "worker-b", renew: true }, async () => "b ran");
    for (let check = 0; check < 4; check++) {
      await sleep(200);
      outcomes.push((await other()).acquired);
    }
    expect(await long).toEqual({ acquired: true, result: "a done" });
    expect(outcomes).toEqual([false, false, false, false]);
    expect(await other()).toEqual({ acquired: true, result: "b ran" });
  });
});
