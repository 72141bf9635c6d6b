import type { Redis } from "ioredis";
import { serviceUnavailable } from "../../shared/errors.js";

/**
 * A per-tenant mutex around the short "commit" step of the library (repoint a source, replace or
 * delete a document's chunks, update records). It is what makes "read which document a source
 * points to, then replace it" safe when two jobs, a DELETE and the drop folder race; embedding and
 * extraction happen outside it. Owner token + compare-and-delete, so an expired holder can never
 * release someone else's lock. Polling rather than blocking: workerd requests may hold it too.
 */
export interface LockOptions {
  /** Longest a holder may keep it before it is presumed dead (a commit takes well under a second). */
  ttlMs?: number;
  /** Longest to wait for it before answering 503. */
  waitMs?: number;
}

const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export async function withLock<T>(redis: Redis, key: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const ttlMs = options.ttlMs ?? 30_000;
  const deadline = Date.now() + (options.waitMs ?? 20_000);
  const token = crypto.randomUUID();
  let delay = 5;
  while ((await redis.set(key, token, "PX", ttlMs, "NX")) !== "OK") {
    if (Date.now() >= deadline) {
      throw serviceUnavailable("The library is busy committing another change; try again", { code: "library_busy", retryAfterSeconds: 1 });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(100, delay * 2);
  }
  try {
    return await work();
  } finally {
    await redis.eval(releaseScript, 1, key, token);
  }
}
