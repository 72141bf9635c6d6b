import { AppError } from "../errors.js";
import type { DotKernel, MatrixBlock } from "./dot-kernel.js";

/**
 * The in-process copy of one collection: every vector in one contiguous, growable Float32Array
 * (row = slot) so a search is a single linear scan, plus id ↔ slot maps and each id's `data`.
 * Removal moves the last row into the hole, so rows stay dense and a scan never skips gaps.
 */
export interface ReplicaStore {
  readonly dimension: number;
  readonly count: number;
  /** Rows `0..count-1` are live; the buffer may be replaced when it grows, so read it per use. */
  readonly matrix: Float32Array;
  /** Dot product of every live row with `query` (unit vectors: the cosine); valid until the next call. */
  scores(query: Float32Array): Float64Array;
  idAt(slot: number): string;
  dataAt(slot: number): string | undefined;
  has(id: string): boolean;
  /** A copy of the stored (unit) vector. */
  vector(id: string): Float32Array | undefined;
  data(id: string): string | undefined;
  /** Stores `bytes` (float32 little-endian, as kept in Redis) under `id`, replacing any previous row. */
  upsert(id: string, bytes: Uint8Array, data: string | undefined): void;
  remove(id: string): boolean;
  ids(): IterableIterator<string>;
  /** Rough heap footprint, for the replica cache's memory budget. */
  readonly byteSize: number;
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 little-endian bytes of `vector`: the storage format in Redis, whatever the host. */
export function encodeVector(vector: Float32Array): Uint8Array {
  if (hostIsLittleEndian) return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return bytes;
}

/** `expectedRows` presizes the buffer so a full load does not copy it while it grows. */
export function createReplicaStore(dimension: number, kernel: DotKernel, expectedRows = 0): ReplicaStore {
  let block: MatrixBlock = kernel.allocate(dimension, Math.max(64, expectedRows));
  let matrix = block.matrix;
  const slotIds: string[] = [];
  const slotData: (string | undefined)[] = [];
  const slots = new Map<string, number>();
  let dataBytes = 0;

  const grow = () => {
    // Doubling keeps appends amortized O(1); the copy is one memcpy.
    const bigger = kernel.allocate(dimension, block.capacity * 2);
    bigger.matrix.set(matrix.subarray(0, slotIds.length * dimension));
    block = bigger;
    matrix = bigger.matrix;
  };

  const writeRow = (slot: number, bytes: Uint8Array) => {
    if (bytes.byteLength !== dimension * 4) {
      throw new AppError({
        code: "vector_corrupt",
        status: 500,
        title: "Internal Server Error",
        detail: `A stored vector has ${bytes.byteLength} bytes; ${dimension}-d vectors have ${dimension * 4}`,
      });
    }
    if (hostIsLittleEndian) {
      new Uint8Array(matrix.buffer, matrix.byteOffset + slot * dimension * 4, dimension * 4).set(bytes);
      return;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let index = 0; index < dimension; index++) matrix[slot * dimension + index] = view.getFloat32(index * 4, true);
  };

  const setData = (slot: number, data: string | undefined) => {
    dataBytes += 2 * ((data?.length ?? 0) - (slotData[slot]?.length ?? 0));
    slotData[slot] = data;
  };

  return {
    dimension,
    get count() {
      return slotIds.length;
    },
    get matrix() {
      return matrix;
    },
    get byteSize() {
      // Matrix, the kernel's score buffer (8 bytes a row), data, and ~100 bytes of id bookkeeping a row.
      return matrix.byteLength + block.capacity * 8 + dataBytes + slotIds.length * 100;
    },
    scores: (query) => block.scores(slotIds.length, query),
    idAt: (slot) => slotIds[slot]!,
    dataAt: (slot) => slotData[slot],
    has: (id) => slots.has(id),
    vector(id) {
      const slot = slots.get(id);
      return slot === undefined ? undefined : matrix.slice(slot * dimension, (slot + 1) * dimension);
    },
    data(id) {
      const slot = slots.get(id);
      return slot === undefined ? undefined : slotData[slot];
    },
    upsert(id, bytes, data) {
      let slot = slots.get(id);
      if (slot === undefined) {
        slot = slotIds.length;
        if (slot === block.capacity) grow();
        writeRow(slot, bytes);
        slots.set(id, slot);
        slotIds.push(id);
        slotData.push(undefined);
      } else {
        writeRow(slot, bytes);
      }
      setData(slot, data);
    },
    remove(id) {
      const slot = slots.get(id);
      if (slot === undefined) return false;
      setData(slot, undefined);
      const last = slotIds.length - 1;
      if (slot !== last) {
        const lastId = slotIds[last]!;
        matrix.copyWithin(slot * dimension, last * dimension, (last + 1) * dimension);
        slotIds[slot] = lastId;
        slotData[slot] = slotData[last];
        slots.set(lastId, slot);
      }
      slotIds.pop();
      slotData.pop();
      slots.delete(id);
      return true;
    },
    ids: () => slots.keys(),
  };
}
