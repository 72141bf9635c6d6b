import type { Redis } from "ioredis";
import type { Clock } from "../../shared/clock.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { sha256Hex } from "../../shared/sha256.js";
import { defaultEndUser } from "./hooks.js";

/**
 * Conversation history per session: one Redis list per (tenant, end user, session) under
 * `<prefix>:t:<tenant>:chat:history:<session>` for the tenant's default end user and
 * `<prefix>:t:<tenant>:chat:user-history:<sha256(end user), 32 hex>:<session>` for a named one (two
 * people behind one key never share a conversation, even under the same session id; the name is
 * free text, so it is hashed). Each entry is `{role, content, at}` as JSON, oldest
 * first. Bounded twice: LTRIM keeps the newest `maxMessages`, and the key expires `ttlSeconds`
 * after its last write (default 30 days), so abandoned sessions do not pile up under `noeviction`.
 */
export interface HistoryMessage {
  role: "user" | "assistant";
  content: string;
}

/** Whose conversation: the tenant and the person inside it (see hooks.ts). */
export interface HistoryOwner {
  tenant: string;
  endUser: string;
}

export interface HistoryStore {
  /** The newest turns whose content fits in `maxChars`, starting at a user turn. */
  load(redis: Redis, owner: HistoryOwner, sessionId: string, maxChars: number): Promise<HistoryMessage[]>;
  /** Appends one exchange atomically, so concurrent requests of one session never split a pair. */
  append(redis: Redis, owner: HistoryOwner, sessionId: string, messages: readonly HistoryMessage[]): Promise<void>;
}

export const defaultHistoryTtlSeconds = 30 * 24 * 60 * 60;

export function createHistoryStore(options: {
  keys: RedisKeys;
  clock: Clock;
  maxMessages: number;
  ttlSeconds?: number;
}): HistoryStore {
  const { keys, clock, maxMessages } = options;
  const ttlSeconds = options.ttlSeconds ?? defaultHistoryTtlSeconds;
  const keyOf = ({ tenant, endUser }: HistoryOwner, sessionId: string) =>
    endUser === defaultEndUser
      ? keys.tenant(tenant, "chat", "history", sessionId)
      : keys.tenant(tenant, "chat", "user-history", sha256Hex(endUser).slice(0, 32), sessionId);

  return {
    async load(redis, owner, sessionId, maxChars) {
      if (maxMessages === 0) return [];
      const entries = await redis.lrange(keyOf(owner, sessionId), -maxMessages, -1);
      const messages = entries.flatMap(parseEntry);
      // Keep the newest suffix that fits the character budget.
      let start = messages.length;
      let used = 0;
      while (start > 0) {
        const size = messages[start - 1]?.content.length ?? 0;
        if (used + size > maxChars) break;
        used += size;
        start -= 1;
      }
      // A trim can cut an exchange in half; replaying a reply without its question misleads the model.
      while (start < messages.length && messages[start]?.role !== "user") start += 1;
      return messages.slice(start);
    },

    async append(redis, owner, sessionId, messages) {
      if (maxMessages === 0 || messages.length === 0) return;
      const key = keyOf(owner, sessionId);
      const at = clock.now();
      const results = await redis
        .multi()
        .rpush(key, ...messages.map((message) => JSON.stringify({ role: message.role, content: message.content, at })))
        .ltrim(key, -maxMessages, -1)
        .expire(key, ttlSeconds)
        .exec();
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
    },
  };
}

function parseEntry(entry: string): HistoryMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch {
    return []; // Only chat writes this list; an unreadable entry is skipped rather than failing the chat.
  }
  if (typeof value !== "object" || value === null) return [];
  const { role, content } = value as { role?: unknown; content?: unknown };
  if ((role !== "user" && role !== "assistant") || typeof content !== "string") return [];
  return [{ role, content }];
}
