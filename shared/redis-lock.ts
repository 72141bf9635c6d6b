import type { Redis } from "ioredis";
import type { Clock } from "./clock.js";

/**
 * A Redis lock whose value is its holder's token: only the holder can renew or release it
 * (compare-and-delete), so a holder whose lock lapsed can never release the next holder's. Its TTL
 * is how soon the lock of a holder that crashed lapses. Polling, never a blocking command: workerd
 * requests may hold one too, and they must not park a connection.
 */
const releaseSource = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const extendSource = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** True when the lock was free and is now `token`'s. */
export async function acquireLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  return (await redis.set(key, token, "PX", ttlMs, "NX")) === "OK";
}

/** Gives the lock another `ttlMs`; false when `token` no longer holds it. */
export async function extendLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  return (await redis.eval(extendSource, 1, key, token, ttlMs)) === 1;
}

export async function releaseLock(redis: Redis, key: string, token: string): Promise<void> {
  await redis.eval(releaseSource, 1, key, token);
}

export interface LockOptions {
  /** Life of the lock without renewal. */
  ttlMs: number;
  /** The holder's id; default a random UUID. */
  token?: string;
  /** While another holds it, poll for it this long on `clock`; without it, try once. */
  wait?: { ms: number; clock: Clock };
  /**
   * Renew it every third of its TTL while the work runs: a live holder keeps it however long it
   * works, a crashed one stops renewing and loses it within one TTL. A holder that loses it anyway
   * (a pause longer than the TTL) finds out from `extendLock` at its own checkpoints.
   */
  renew?: boolean;
}

export type LockOutcome<Result> = { acquired: true; result: Result } | { acquired: false };

/** Runs `work` holding the lock, released however `work` ends; `acquired: false` when another held it throughout. */
export async function withLock<Result>(redis: Redis, key: string, options: LockOptions, work: () => Promise<Result>): Promise<LockOutcome<Result>> {
  const token = options.token ?? crypto.randomUUID();
  if (!(await waitForLock(redis, key, token, options))) return { acquired: false };
  const heartbeat = options.renew ? startHeartbeat(redis, key, token, options.ttlMs) : undefined;
  try {
    return { acquired: true, result: await work() };
  } finally {
    clearInterval(heartbeat);
    await releaseLock(redis, key, token);
  }
}

async function waitForLock(redis: Redis, key: string, token: string, options: LockOptions): Promise<boolean> {
  const { wait } = options;
  const deadline = wait === undefined ? 0 : wait.clock.now() + wait.ms;
  let delay = 5;
  while (!(await acquireLock(redis, key, token, options.ttlMs))) {
    if (wait === undefined || wait.clock.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(100, delay * 2);
  }
  return true;
}

function startHeartbeat(redis: Redis, key: string, token: string, ttlMs: number): ReturnType<typeof setInterval> {
  const heartbeat = setInterval(() => {
    // A failed beat is not fatal here: the holder's own checkpoints (extendLock) decide.
    extendLock(redis, key, token, ttlMs).catch(() => undefined);
  }, Math.max(10, Math.floor(ttlMs / 3)));
  // Portable unref: a renewed lock must not keep a Node process alive on its own.
  (heartbeat as { unref?: () => void }).unref?.();
  return heartbeat;
}
