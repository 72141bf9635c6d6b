import type { Redis } from "ioredis";

/**
 * The Redis side of a memory's life, each step one atomic Lua script so that no reader ever sees
 * half of it. Keys per tenant: the record hash, the timeline (sorted set by created_at: what is
 * listed and what archival selects), the content-hash → id map (exact duplicates), the archived
 * index (id → cold batch: the archive's decision record) and the lock of archive runs (a
 * shared/redis-lock.ts lock, which moveToArchive checks).
 *
 * Across Redis and the vector index the order is fixed (see store.ts): a vector is written
 * before its record is listed and removed after it is unlisted, so a crash can leave an unlisted
 * vector (search skips it, archive runs sweep it) but never a listed memory without a vector.
 */

/**
 * KEYS: record, timeline, hashes, archived, tenants, users. ARGV: id, content hash, created_at, tenant, end user, fields….
 * A memory that already exists is left alone (a retried job); a message whose hash names another
 * live memory — hot or archived — is a duplicate. An entry naming a memory that is gone is stale.
 */
const commitSource = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists', ARGV[1]} end
local existing = redis.call('HGET', KEYS[3], ARGV[2])
if existing and existing ~= ARGV[1] then
  if redis.call('ZSCORE', KEYS[2], existing) then return {'duplicate', existing} end
  if redis.call('HEXISTS', KEYS[4], existing) == 1 then return {'archived', existing} end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[4])
redis.call('SADD', KEYS[6], ARGV[5])
return {'stored', ARGV[1]}
`;

/** KEYS: record, timeline, hashes. ARGV: id. Frees the content hash only if it still names this memory. */
const deleteSource = `
local listed = redis.call('ZREM', KEYS[2], ARGV[1])
if listed == 0 and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local hash = redis.call('HGET', KEYS[1], 'content_hash')
if hash and redis.call('HGET', KEYS[3], hash) == ARGV[1] then redis.call('HDEL', KEYS[3], hash) end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * KEYS: timeline, archived, lock, archived revision, record keys…. ARGV: lock token, batch id, ids….
 * Every change of the archived index bumps its revision: processes reload their cold search
 * documents when it moved (see cold-search.ts).
 * Moves the still-listed ids out of hot storage and records which batch holds them. A run that
 * lost its lock moves nothing: its pending batch is then garbage the next run discards.
 */
const moveToArchiveSource = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return {'lost_lock'} end
local moved = {'moved'}
for index = 3, #ARGV do
  local id = ARGV[index]
  if redis.call('ZREM', KEYS[1], id) == 1 then
    redis.call('DEL', KEYS[index + 2])
    redis.call('HSET', KEYS[2], id, ARGV[2])
    moved[#moved + 1] = id
  end
end
redis.call('INCR', KEYS[4])
return moved
`;

/**
 * KEYS: record, timeline, hashes, archived, tenants, archived revision, users. ARGV: id, batch id, created_at, content hash, tenant, end user, fields….
 * Only a memory the archived index says is in that batch comes back (a second restore is a no-op).
 */
const restoreSource = `
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 'not_archived' end
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('INCR', KEYS[6])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[5])
redis.call('SADD', KEYS[7], ARGV[6])
return 'restored'
`;

/** KEYS: archived, archived revision. ARGV: id. Forgets an archived memory; answers the batch that held it (its copy is now unnamed). */
const forgetArchivedSource = `
local batch = redis.call('HGET', KEYS[1], ARGV[1])
if batch then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('INCR', KEYS[2])
end
return batch
`;

export interface MemoryKeys {
  record(id: string): string;
  timeline: string;
  hashes: string;
  archived: string;
  /** Bumped on every change of the archived index and after every cold commit. */
  archivedRevision: string;
  lock: string;
  lastRun: string;
  tenants: string;
  /** The tenant's end users that have (or had) memories, for the daily archive run. */
  users: string;
}

export type CommitOutcome = { status: "stored" | "exists"; id: string } | { status: "duplicate" | "archived"; id: string };

export async function runCommit(
  redis: Redis,
  keys: MemoryKeys,
  args: { id: string; contentHash: string; createdAt: number; tenant: string; endUser: string; fields: string[] },
): Promise<CommitOutcome> {
  const reply = (await redis.eval(
    commitSource,
    6,
    keys.record(args.id),
    keys.timeline,
    keys.hashes,
    keys.archived,
    keys.tenants,
    keys.users,
    args.id,
    args.contentHash,
    args.createdAt,
    args.tenant,
    args.endUser,
    ...args.fields,
  )) as [CommitOutcome["status"], string];
  return { status: reply[0], id: reply[1] };
}

export async function runDelete(redis: Redis, keys: MemoryKeys, id: string): Promise<boolean> {
  return (await redis.eval(deleteSource, 3, keys.record(id), keys.timeline, keys.hashes, id)) === 1;
}

/** The ids that left hot storage, or "lost_lock". */
export async function runMoveToArchive(redis: Redis, keys: MemoryKeys, args: { token: string; batchId: string; ids: readonly string[] }): Promise<string[] | "lost_lock"> {
  const reply = (await redis.eval(
    moveToArchiveSource,
    4 + args.ids.length,
    keys.timeline,
    keys.archived,
    keys.lock,
    keys.archivedRevision,
    ...args.ids.map((id) => keys.record(id)),
    args.token,
    args.batchId,
    ...args.ids,
  )) as string[];
  return reply[0] === "lost_lock" ? "lost_lock" : reply.slice(1);
}

export async function runRestore(
  redis: Redis,
  keys: MemoryKeys,
  args: { id: string; batchId: string; createdAt: number; contentHash: string; tenant: string; endUser: string; fields: string[] },
): Promise<boolean> {
  const reply = await redis.eval(
    restoreSource,
    7,
    keys.record(args.id),
    keys.timeline,
    keys.hashes,
    keys.archived,
    keys.tenants,
    keys.archivedRevision,
    keys.users,
    args.id,
    args.batchId,
    args.createdAt,
    args.contentHash,
    args.tenant,
    args.endUser,
    ...args.fields,
  );
  return reply === "restored";
}

/** The batch that held the forgotten memory, or null when it was not archived. */
export async function runForgetArchived(redis: Redis, keys: MemoryKeys, id: string): Promise<string | null> {
  return (await redis.eval(forgetArchivedSource, 2, keys.archived, keys.archivedRevision, id)) as string | null;
}
