import type { Redis } from "ioredis";

/**
 * The two Redis round trips the index is built on, as Lua so each is atomic:
 * - APPLY checks the recorded embedder and writes vectors, data and one change entry together —
 *   readers see all of an apply or none, and two processes racing to write the first vectors with
 *   different embedders cannot both win (a MULTI cannot check-then-write; WATCH is unsafe on a
 *   client shared by concurrent requests).
 * - READ_CHANGES returns the change entries after a replica's position WITH the current vectors of
 *   the ids they touch, read in the same instant. Reading the vectors in a later round trip could
 *   mix two applies (half of a document replacement).
 * Entry ids are `<seq>-0`, seq counting applies from 1, so a replica knows exactly which entry
 * must come next and a gap (trimmed history) forces a full reload instead of silent staleness.
 */
export interface CollectionKeys {
  meta: string;
  vectors: string;
  data: string;
  changes: string;
}

const applySource = `
local meta = redis.call('HMGET', KEYS[1], 'embedder', 'dimension', 'epoch')
local epoch = meta[3]
if tonumber(ARGV[7]) == 0 then
  -- Removing compares no vectors, so it works whatever the embedder; from nothing there is nothing to remove.
  if not epoch then return {'ok', '0'} end
elseif meta[1] and (meta[1] ~= ARGV[1] or meta[2] ~= ARGV[2]) then
  if redis.call('HLEN', KEYS[2]) > 0 then return {'mismatch', meta[1], meta[2]} end
  epoch = false -- an empty collection adopts the new embedder; the new epoch makes replicas reload
end
if not epoch then redis.call('HSET', KEYS[1], 'embedder', ARGV[1], 'dimension', ARGV[2], 'epoch', ARGV[3]) end
local at = 8
for _ = 1, tonumber(ARGV[6]) do
  redis.call('HDEL', KEYS[2], ARGV[at])
  redis.call('HDEL', KEYS[3], ARGV[at])
  at = at + 1
end
for _ = 1, tonumber(ARGV[7]) do
  redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 1])
  if ARGV[at + 2] == '1' then redis.call('HSET', KEYS[3], ARGV[at], ARGV[at + 3]) else redis.call('HDEL', KEYS[3], ARGV[at]) end
  at = at + 4
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], seq .. '-0', 'ids', ARGV[5])
return {'ok', tostring(seq)}
`;

const readChangesSource = `
local meta = redis.call('HMGET', KEYS[1], 'embedder', 'dimension', 'epoch', 'seq')
if not meta[3] then return {'empty'} end
local current = tonumber(meta[4] or '0')
local mine = tonumber(ARGV[2])
if meta[3] ~= ARGV[1] or current < mine then return {'reload', meta[1], meta[2], meta[3], tostring(current)} end
if current == mine then return {'current', meta[1], meta[2], meta[3], tostring(current)} end
local first = (mine + 1) .. '-0'
local entries = redis.call('XRANGE', KEYS[4], first, '+', 'COUNT', 1000)
if #entries == 0 or entries[1][1] ~= first then return {'reload', meta[1], meta[2], meta[3], tostring(current)} end
local budget = tonumber(ARGV[3])
local seen, ids, last = {}, {}, mine
for _, entry in ipairs(entries) do
  if #ids >= budget then break end
  for _, id in ipairs(cjson.decode(entry[2][2])) do
    if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
  end
  last = tonumber(string.match(entry[1], '^%d+'))
end
local vectors, data = {}, {}
for start = 1, #ids, 500 do
  local chunk = {unpack(ids, start, math.min(start + 499, #ids))}
  local chunkVectors = redis.call('HMGET', KEYS[2], unpack(chunk))
  local chunkData = redis.call('HMGET', KEYS[3], unpack(chunk))
  for index = 1, #chunk do
    vectors[#vectors + 1] = chunkVectors[index]
    data[#data + 1] = chunkData[index]
  end
end
return {'changes', meta[1], meta[2], meta[3], tostring(current), ids, vectors, data, tostring(last)}
`;

export interface StoredMeta {
  embedder: string;
  dimension: number;
  epoch: string;
  seq: number;
}

export interface UpsertBytes {
  id: string;
  bytes: Uint8Array;
  data: string | undefined;
}

export interface ApplyRequest {
  embedder: string;
  dimension: number;
  /** Adopted only if the collection has no epoch yet (first write, or a new embedder on an empty one). */
  newEpoch: string;
  maxChanges: number;
  remove: string[];
  upsert: UpsertBytes[];
}

export type ApplyOutcome = { status: "ok"; seq: number } | { status: "mismatch"; embedder: string; dimension: number };

export async function runApply(redis: Redis, keys: CollectionKeys, request: ApplyRequest): Promise<ApplyOutcome> {
  const touched = [...new Set([...request.remove, ...request.upsert.map((entry) => entry.id)])];
  const args: (string | Buffer | number)[] = [
    request.embedder,
    String(request.dimension),
    request.newEpoch,
    request.maxChanges,
    JSON.stringify(touched),
    request.remove.length,
    request.upsert.length,
    ...request.remove,
  ];
  for (const entry of request.upsert) {
    args.push(entry.id, toBuffer(entry.bytes), entry.data === undefined ? "0" : "1", entry.data ?? "");
  }
  const reply = (await redis.call("EVAL", [applySource, 4, keys.meta, keys.vectors, keys.data, keys.changes, ...args])) as string[];
  if (reply[0] === "mismatch") return { status: "mismatch", embedder: reply[1] ?? "", dimension: Number(reply[2]) };
  return { status: "ok", seq: Number(reply[1]) };
}

export interface FetchedChange {
  id: string;
  /** Null: the id no longer exists. */
  bytes: Uint8Array | null;
  data: string | undefined;
}

export type ReadOutcome =
  | { status: "empty" }
  | { status: "current"; meta: StoredMeta }
  | { status: "reload"; meta: StoredMeta }
  | { status: "changes"; meta: StoredMeta; /** Position after applying `changes`. */ seq: number; changes: FetchedChange[] };

const decoder = new TextDecoder();
const text = (value: unknown): string => (value instanceof Uint8Array ? decoder.decode(value) : String(value));

/** Changes after (`epoch`, `seq`), at most about `idBudget` ids per call (whole entries). */
export async function runReadChanges(redis: Redis, keys: CollectionKeys, position: { epoch: string; seq: number }, idBudget: number): Promise<ReadOutcome> {
  const reply = (await redis.callBuffer("EVAL", [
    readChangesSource,
    4,
    keys.meta,
    keys.vectors,
    keys.data,
    keys.changes,
    position.epoch,
    position.seq,
    idBudget,
  ])) as unknown[];
  const status = text(reply[0]);
  if (status === "empty") return { status };
  const meta: StoredMeta = { embedder: text(reply[1]), dimension: Number(text(reply[2])), epoch: text(reply[3]), seq: Number(text(reply[4])) };
  if (status === "current" || status === "reload") return { status, meta };
  const ids = reply[5] as Uint8Array[];
  const vectors = reply[6] as (Uint8Array | null)[];
  const data = reply[7] as (Uint8Array | null)[];
  const changes = ids.map((id, index) => {
    const value = data[index];
    return { id: text(id), bytes: vectors[index] ?? null, data: value ? text(value) : undefined };
  });
  // `meta.seq` is the head of the log; a batch cut by the id budget stops before it.
  return { status: "changes", meta, seq: Number(text(reply[8])), changes };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
