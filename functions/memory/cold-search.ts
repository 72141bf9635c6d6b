/**
 * The cold tier in search: archived memories (records and their exact embeddings, from the cold
 * store) join the user's lexical follower, so one hybrid ranking covers both tiers.
 *
 * Consistent across processes like the hot tier: every change of the archived index in Redis (an
 * archive move, a commit of its cold batch, a restore, a forget) bumps a revision there, and each
 * search compares it with the revision its documents were loaded at — one GET when nothing changed.
 */
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { ColdStore } from "./cold-store.js";
import type { ColdDocument, MemoryFollower } from "./lexical.js";
import { coldPartitionFor } from "./owner.js";
import type { MemoryStore } from "./store.js";

export async function syncColdDocuments(coldStore: ColdStore | undefined, embedder: Pick<Embedder, "id">, store: MemoryStore, follower: MemoryFollower): Promise<void> {
  if (!coldStore) return;
  const revision = (await store.redis.get(store.keys.archivedRevision)) ?? "0";
  if (follower.coldRevision === revision) return;
  const owners = await store.redis.hgetall(store.keys.archived);
  const ids = Object.keys(owners);
  const entries = ids.length === 0 ? [] : await coldStore.get(coldPartitionFor(store.owner), ids);
  // Redis's archived index is the truth: a copy it does not name is a restore's leftover. Vectors of
  // another embedder live in another space and cannot be ranked against this query.
  const documents: ColdDocument[] = entries.filter((entry) => owners[entry.record.id] === entry.batchId && entry.record.embedder === embedder.id);
  follower.installCold(revision, documents);
}

/** After a cold batch is committed its records become readable: searches must reload. */
export const bumpArchivedRevision = (store: MemoryStore) => store.redis.incr(store.keys.archivedRevision);
