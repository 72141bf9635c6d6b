import { createDotKernel, type DotKernel } from "./dot-kernel.js";
import { createReplica, type Replica } from "./replica.js";

/**
 * The process's replicas, one per (deployment prefix, tenant, collection). The composition root
 * creates ONE per process (per isolate on Workers) and hands it to every index it builds, so an
 * index can be created per request while the replica it reads outlives the request.
 *
 * Replicas are derived data: dropping one costs a reload, never correctness. The cache drops the
 * least recently used beyond a memory budget so many tenants cannot exhaust the heap.
 */
export interface VectorReplicaCache {
  /** The replica for `key`, created empty (unloaded) on first use; marks it recently used. */
  replica(key: string): Replica;
  /** Drops least recently used replicas, never `keep`, until the budget holds. */
  enforceBudget(keep: string): void;
  stats(): { replicas: number; bytes: number; maxBytes: number; kernel: DotKernel["name"] };
}

export interface VectorReplicaCacheOptions {
  /** Default 1 GiB: room for ~500k 512-d vectors. */
  maxBytes?: number;
  /** How vectors are stored and scored; default: wasm SIMD where the runtime allows, else JavaScript. */
  kernel?: DotKernel;
}

export function createVectorReplicaCache(options: VectorReplicaCacheOptions = {}): VectorReplicaCache {
  const maxBytes = options.maxBytes ?? 1024 ** 3;
  const kernel = options.kernel ?? createDotKernel();
  // A Map iterates in insertion order; re-inserting on use makes the first entry the least recent.
  const replicas = new Map<string, Replica>();

  const totalBytes = () => {
    let bytes = 0;
    for (const replica of replicas.values()) bytes += replica.store?.byteSize ?? 0;
    return bytes;
  };

  return {
    replica(key) {
      let replica = replicas.get(key);
      if (replica) replicas.delete(key);
      else replica = createReplica(kernel);
      replicas.set(key, replica);
      return replica;
    },
    enforceBudget(keep) {
      let bytes = totalBytes();
      for (const [key, replica] of replicas) {
        if (bytes <= maxBytes) break;
        if (key === keep) continue;
        bytes -= replica.store?.byteSize ?? 0;
        replicas.delete(key);
      }
    },
    stats: () => ({ replicas: replicas.size, bytes: totalBytes(), maxBytes, kernel: kernel.name }),
  };
}
