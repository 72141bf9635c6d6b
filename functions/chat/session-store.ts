import type { Redis } from "ioredis";
import type { Clock, IdGenerator } from "../../shared/clock.js";
import { AppError, notFound } from "../../shared/errors.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { defaultHistoryTtlSeconds } from "./history.js";

/**
 * Named conversations for front-ends (the web UI): a tenant's sessions with a title, listed,
 * renamed and deleted. A session's messages are chat's own history list (`history.ts`), which
 * chat fills when a request names the session; this store only keeps the index beside it:
 * `<prefix>:t:<tenant>:chat:sessions` (sorted set, newest first) and
 * `<prefix>:t:<tenant>:chat:session:<id>` (hash: title, created_at).
 */
export interface ChatSession {
  id: string;
  title: string;
  created_at: string;
  /** The last message's time, or created_at before the first exchange. */
  updated_at: string;
  messages: number;
}

export interface SessionMessage {
  role: "user" | "assistant";
  content: string;
  at: string | null;
}

export interface SessionStore {
  create(redis: Redis, tenant: string, title: string): Promise<ChatSession>;
  list(redis: Redis, tenant: string, page: { limit: number; offset: number }): Promise<{ sessions: ChatSession[]; total: number }>;
  get(redis: Redis, tenant: string, id: string): Promise<ChatSession>;
  rename(redis: Redis, tenant: string, id: string, title: string): Promise<ChatSession>;
  remove(redis: Redis, tenant: string, id: string): Promise<void>;
  messages(redis: Redis, tenant: string, id: string): Promise<SessionMessage[]>;
}

/** Under `noeviction` nothing may grow without bound: past this a tenant deletes old sessions first. */
export const maxSessionsPerTenant = 1000;

export function createSessionStore(deps: { keys: RedisKeys; clock: Clock; ids: IdGenerator; historyTtlSeconds?: number }): SessionStore {
  const { keys, clock } = deps;
  const ttlMs = (deps.historyTtlSeconds ?? defaultHistoryTtlSeconds) * 1000;
  const indexKey = (tenant: string) => keys.tenant(tenant, "chat", "sessions");
  const metaKey = (tenant: string, id: string) => keys.tenant(tenant, "chat", "session", id);
  // Chat's history key (history.ts); the session tests read it through a real chat exchange, so a drift fails them.
  const historyKey = (tenant: string, id: string) => keys.tenant(tenant, "chat", "history", id);
  const missing = (id: string) => notFound(`No chat session ${id}`, "session_not_found");

  /** Sessions with their figures; ids whose record is gone (deleted meanwhile) or whose history expired long ago are dropped. */
  async function describe(redis: Redis, tenant: string, ids: readonly string[]): Promise<ChatSession[]> {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(metaKey(tenant, id)).llen(historyKey(tenant, id)).lindex(historyKey(tenant, id), -1);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
    const sessions: ChatSession[] = [];
    const expired: string[] = [];
    ids.forEach((id, index) => {
      const meta = replies[index * 3]?.[1] as Record<string, string> | undefined;
      const count = Number(replies[index * 3 + 1]?.[1] ?? 0);
      const last = replies[index * 3 + 2]?.[1] as string | null | undefined;
      if (!meta?.created_at) return;
      const createdAt = Number(meta.created_at);
      if (count === 0 && clock.now() - createdAt > ttlMs) {
        expired.push(id); // its history expired with the TTL; the index entry follows it
        return;
      }
      const updatedAt = Math.max(createdAt, lastMessageTime(last) ?? 0);
      sessions.push({ id, title: meta.title ?? "", created_at: iso(createdAt), updated_at: iso(updatedAt), messages: count });
    });
    if (expired.length > 0) await removeAll(redis, tenant, expired);
    return sessions;
  }

  async function removeAll(redis: Redis, tenant: string, ids: readonly string[]) {
    const multi = redis.multi().zrem(indexKey(tenant), ...ids);
    for (const id of ids) multi.del(metaKey(tenant, id), historyKey(tenant, id));
    await multi.exec();
  }

  async function existing(redis: Redis, tenant: string, id: string): Promise<ChatSession> {
    const [session] = await describe(redis, tenant, [id]);
    if (!session || (await redis.zscore(indexKey(tenant), id)) === null) throw missing(id);
    return session;
  }

  return {
    async create(redis, tenant, title) {
      if ((await redis.zcard(indexKey(tenant))) >= maxSessionsPerTenant) {
        throw new AppError({
          code: "too_many_sessions",
          status: 409,
          title: "Too Many Sessions",
          detail: `A tenant keeps at most ${maxSessionsPerTenant} chat sessions; delete old ones first`,
        });
      }
      const id = deps.ids.next();
      const createdAt = clock.now();
      await redis
        .multi()
        .hset(metaKey(tenant, id), { title, created_at: String(createdAt) })
        .zadd(indexKey(tenant), createdAt, id)
        .exec();
      return { id, title, created_at: iso(createdAt), updated_at: iso(createdAt), messages: 0 };
    },

    async list(redis, tenant, page) {
      const [ids, total] = await Promise.all([
        redis.zrevrange(indexKey(tenant), page.offset, page.offset + page.limit - 1),
        redis.zcard(indexKey(tenant)),
      ]);
      return { sessions: await describe(redis, tenant, ids), total };
    },

    get: existing,

    async rename(redis, tenant, id, title) {
      const session = await existing(redis, tenant, id);
      await redis.hset(metaKey(tenant, id), "title", title);
      return { ...session, title };
    },

    async remove(redis, tenant, id) {
      if ((await redis.zscore(indexKey(tenant), id)) === null) throw missing(id);
      await removeAll(redis, tenant, [id]);
    },

    async messages(redis, tenant, id) {
      await existing(redis, tenant, id);
      const entries = await redis.lrange(historyKey(tenant, id), 0, -1);
      return entries.flatMap(parseMessage);
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function lastMessageTime(entry: string | null | undefined): number | undefined {
  const [message] = entry ? parseMessage(entry) : [];
  return message?.at ? Date.parse(message.at) : undefined;
}

function parseMessage(entry: string): SessionMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch {
    return [];
  }
  if (typeof value !== "object" || value === null) return [];
  const { role, content, at } = value as { role?: unknown; content?: unknown; at?: unknown };
  if ((role !== "user" && role !== "assistant") || typeof content !== "string") return [];
  return [{ role, content, at: typeof at === "number" ? iso(at) : null }];
}
