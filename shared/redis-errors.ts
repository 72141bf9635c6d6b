import { ReplyError } from "ioredis";
import { storageFull, type AppError } from "./errors.js";

/**
 * The error kind of a Redis error reply: by the protocol (RESP), an error reply's first word is its
 * kind (`OOM`, `READONLY`, `NOSCRIPT`, `BUSY`…), a code rather than prose.
 */
export function redisErrorKind(error: unknown): string | undefined {
  return error instanceof ReplyError && error instanceof Error ? error.message.split(" ", 1)[0] : undefined;
}

/** The answer for a Redis refusal a client should hear about (today: Redis full), or undefined. */
export function fromRedisRefusal(error: unknown): AppError | undefined {
  return redisErrorKind(error) === "OOM" ? storageFull(error) : undefined;
}
