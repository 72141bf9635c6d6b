import type { Redis } from "ioredis";
import { acquireLock, extendLock, releaseLock } from "./store-scripts.js";

/**
 * A tenant's archive lock: the value is its owner's id, the TTL short, and a heartbeat renews it
 * while the owner works. An owner that crashes stops beating, so its lock lapses within one TTL
 * and the next run or restore proceeds; no one waits out a long TTL for a process that is gone.
 * A live owner that loses its lock anyway (a pause longer than the TTL) finds out at its next
 * renewal inside the run (archive-run.ts) and stops.
 */
export const defaultArchiveLockTtlMs = 30_000;

export async function withArchiveLock<Result>(
  redis: Redis,
  key: string,
  owner: string,
  ttlMs: number,
  work: () => Promise<Result>,
): Promise<Result | "busy"> {
  if (!(await acquireLock(redis, key, owner, ttlMs))) return "busy";
  const heartbeat = setInterval(() => {
    // A failed beat is not fatal here: the run's own renewal before each batch decides.
    extendLock(redis, key, owner, ttlMs).catch(() => undefined);
  }, Math.max(10, Math.floor(ttlMs / 3)));
  // Portable unref: a beating lock must not keep a Node process alive on its own.
  (heartbeat as { unref?: () => void }).unref?.();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await releaseLock(redis, key, owner);
  }
}
