import type { Redis } from "ioredis";
import { serviceUnavailable } from "../errors.js";
import type { DotKernel } from "./dot-kernel.js";
import { createReplicaStore, type ReplicaStore } from "./replica-store.js";
import { runReadChanges, type CollectionKeys, type FetchedChange, type StoredMeta } from "./scripts.js";

/**
 * Something derived from a replica (the library's BM25 index) that follows it change by change.
 * Calls arrive synchronously while the replica changes, so a follower is always in step with it.
 * A follower must not throw: the replica has already changed when it is told.
 */
export interface VectorFollower {
  /** Forget everything; `upsert` calls for every entry follow. */
  reset(): void;
  upsert(id: string, data: string | undefined): void;
  remove(id: string): void;
}

/** One collection's in-process copy, kept in a VectorReplicaCache. Mutated only by `syncReplica`. */
export interface Replica {
  /** Undefined until the collection has been seen with an embedder. */
  store: ReplicaStore | undefined;
  loaded: boolean;
  /** Null while the collection does not exist in Redis. */
  epoch: string | null;
  seq: number;
  meta: { embedder: string; dimension: number } | undefined;
  /** Bumped on every change, so a sync can tell whether someone else moved the replica meanwhile. */
  version: number;
  followers: Map<string, VectorFollower>;
  readonly kernel: DotKernel;
}

export function createReplica(kernel: DotKernel): Replica {
  return { store: undefined, loaded: false, epoch: null, seq: 0, meta: undefined, version: 0, followers: new Map(), kernel };
}

/** Ids per read: bounds how long one Lua call blocks Redis and how much one reply carries. */
const idBudget = 2000;
const maxAttempts = 50;

/**
 * Brings `replica` up to the state of Redis at (or after) the moment of the call — so whatever a
 * write returned before this call is visible after it, whichever process wrote it.
 *
 * No lock and no shared promise: concurrent callers each read; a result is installed only if the
 * replica did not move meanwhile, and a caller whose read lost the race is done if the replica is
 * now at least where its read saw the head. (Awaiting another request's promise is what hangs a
 * Workers isolate, so callers never wait on each other.) Staged changes are applied in one
 * synchronous step, so a search never sees half of a catch-up.
 */
export async function syncReplica(replica: Replica, redis: Redis, keys: CollectionKeys): Promise<void> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const version = replica.version;
    // An unloaded or empty replica sends no epoch, which never matches: Redis answers "reload" or "empty".
    const position = { epoch: replica.epoch ?? "", seq: replica.seq };
    const outcome = await runReadChanges(redis, keys, position, idBudget);
    if (replica.version !== version) {
      if (reached(replica, outcome.status === "empty" ? null : outcome.meta)) return;
      continue;
    }
    if (outcome.status === "empty") {
      if (!replica.loaded || replica.epoch !== null) install(replica, { store: undefined, meta: undefined });
      return;
    }
    if (outcome.status === "current") return;
    if (outcome.status === "reload") {
      const loaded = await loadFull(redis, keys, replica.kernel);
      if (replica.version !== version) {
        if (reached(replica, loaded.meta ?? null)) return;
        continue;
      }
      install(replica, loaded);
      return;
    }
    const first = { head: outcome.meta, seq: outcome.seq, changes: outcome.changes };
    const pending = await collectChanges(redis, keys, outcome.meta.epoch, replica.seq, first);
    if (pending === "reload") continue; // history was trimmed under us; the next round reloads
    if (replica.version !== version) {
      if (reached(replica, pending.meta)) return;
      continue;
    }
    applyChanges(replica, pending.meta, pending.changes);
    return;
  }
  throw serviceUnavailable("The vector index could not catch up with concurrent writes; try again", { code: "vector_index_busy" });
}

/** Whether the replica is at or past `head` (same collection incarnation, same or later change). */
function reached(replica: Replica, head: StoredMeta | null): boolean {
  if (!replica.loaded) return false;
  if (head === null) return replica.epoch === null;
  return replica.epoch === head.epoch && replica.seq >= head.seq;
}

interface PendingChanges {
  meta: StoredMeta;
  changes: Map<string, FetchedChange>;
}

/**
 * Keeps reading from `from` until the head of the log; a later read overwrites an earlier value of
 * the same id, ending with what Redis holds now. `first` is a read already made from `from`.
 */
async function collectChanges(
  redis: Redis,
  keys: CollectionKeys,
  epoch: string,
  from: number,
  first?: { head: StoredMeta; seq: number; changes: FetchedChange[] },
): Promise<PendingChanges | "reload"> {
  const changes = new Map(first?.changes.map((change) => [change.id, change]));
  let head = first?.head;
  let position = first?.seq ?? from;
  while (head === undefined || position < head.seq) {
    const outcome = await runReadChanges(redis, keys, { epoch, seq: position }, idBudget);
    if (outcome.status === "empty" || outcome.status === "reload") return "reload";
    head = outcome.meta;
    if (outcome.status === "current") break;
    for (const change of outcome.changes) changes.set(change.id, change);
    position = outcome.seq;
  }
  return { meta: { ...head, seq: position }, changes };
}

function applyChanges(replica: Replica, meta: StoredMeta, changes: Map<string, FetchedChange>): void {
  const store = (replica.store ??= createReplicaStore(meta.dimension, replica.kernel));
  for (const change of changes.values()) {
    if (change.bytes === null) {
      if (store.remove(change.id)) for (const follower of replica.followers.values()) follower.remove(change.id);
    } else {
      store.upsert(change.id, change.bytes, change.data);
      for (const follower of replica.followers.values()) follower.upsert(change.id, change.data);
    }
  }
  replica.epoch = meta.epoch;
  replica.seq = meta.seq;
  replica.meta = { embedder: meta.embedder, dimension: meta.dimension };
  replica.version++;
}

interface FullState {
  store: ReplicaStore | undefined;
  meta: StoredMeta | undefined;
}

function install(replica: Replica, state: FullState): void {
  replica.store = state.store;
  replica.loaded = true;
  replica.epoch = state.meta?.epoch ?? null;
  replica.seq = state.meta?.seq ?? 0;
  replica.meta = state.meta && { embedder: state.meta.embedder, dimension: state.meta.dimension };
  replica.version++;
  for (const follower of replica.followers.values()) {
    follower.reset();
    if (!state.store) continue;
    for (const id of state.store.ids()) follower.upsert(id, state.store.data(id));
  }
}

/**
 * A full copy without blocking Redis: note the log position, HSCAN both hashes (not atomic), then
 * replay the log from the noted position with current values. Anything the scan may have caught
 * half-way was written after that position, so the replay repairs it.
 */
async function loadFull(redis: Redis, keys: CollectionKeys, kernel: DotKernel): Promise<FullState> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [embedder, dimension, epoch, seq] = await redis.hmget(keys.meta, "embedder", "dimension", "epoch", "seq");
    if (!embedder || !epoch) return { store: undefined, meta: undefined };
    const meta: StoredMeta = { embedder, dimension: Number(dimension), epoch, seq: Number(seq ?? 0) };
    // Data first (small, often absent), then vectors straight into their rows: no second copy of them.
    const data = await scanData(redis, keys.data);
    const store = createReplicaStore(meta.dimension, kernel, await redis.hlen(keys.vectors));
    await scanVectors(redis, keys.vectors, (id, bytes) => store.upsert(id, bytes, data.get(id)));
    const pending = await collectChanges(redis, keys, meta.epoch, meta.seq);
    if (pending === "reload") continue;
    for (const change of pending.changes.values()) {
      if (change.bytes === null) store.remove(change.id);
      else store.upsert(change.id, change.bytes, change.data);
    }
    return { store, meta: pending.meta };
  }
  throw serviceUnavailable("The vector index changed faster than it could be loaded; try again", { code: "vector_index_busy" });
}

async function scanVectors(redis: Redis, key: string, onEntry: (id: string, bytes: Uint8Array) => void): Promise<void> {
  const decoder = new TextDecoder();
  let cursor = "0";
  do {
    const [next, flat] = await redis.hscanBuffer(key, cursor, "COUNT", 1000);
    cursor = next.toString();
    for (let index = 0; index + 1 < flat.length; index += 2) onEntry(decoder.decode(flat[index]!), flat[index + 1]!);
  } while (cursor !== "0");
}

async function scanData(redis: Redis, key: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  let cursor = "0";
  do {
    const [next, flat] = await redis.hscan(key, cursor, "COUNT", 1000);
    cursor = next;
    for (let index = 0; index + 1 < flat.length; index += 2) entries.set(flat[index]!, flat[index + 1]!);
  } while (cursor !== "0");
  return entries;
}
