import { describe, expect, it } from "vitest";
import { createDotKernel } from "./dot-kernel.js";
import { createRandomVectors } from "./random-vectors.js";
import { createReplicaStore, encodeVector } from "./replica-store.js";

describe.each([
  { kernel: createDotKernel({ wasm: false }) },
  { kernel: createDotKernel({ wasmMinRows: 0 }) },
])("replica store ($kernel.name)", ({ kernel }) => {
  it("keeps every id on its own vector and data through growth and swap-removal", () => {
    const dimension = 8;
    const random = createRandomVectors(1);
    const store = createReplicaStore(dimension, kernel);
    const truth = new Map<string, { vector: Float32Array; data: string | undefined }>();
    for (let index = 0; index < 300; index++) {
      const vector = random(dimension);
      const data = index % 3 === 0 ? undefined : `text ${index}`;
      store.upsert(`id-${index}`, encodeVector(vector), data);
      truth.set(`id-${index}`, { vector, data });
    }
    for (let index = 0; index < 300; index += 7) {
      expect(store.remove(`id-${index}`)).toBe(true);
      truth.delete(`id-${index}`);
    }
    expect(store.remove("id-0")).toBe(false);
    const replaced = random(dimension);
    store.upsert("id-1", encodeVector(replaced), "new");
    truth.set("id-1", { vector: replaced, data: "new" });

    expect(store.count).toBe(truth.size);
    for (const [id, expected] of truth) {
      expect(store.vector(id)).toEqual(expected.vector);
      expect(store.data(id)).toBe(expected.data);
    }
    const query = random(dimension);
    const scores = store.scores(query);
    for (let slot = 0; slot < store.count; slot++) {
      const vector = truth.get(store.idAt(slot))!.vector;
      expect(scores[slot]).toBeCloseTo(vector.reduce((sum, value, index) => sum + value * query[index]!, 0), 6);
      const id = store.idAt(slot);
      expect(store.matrix.subarray(slot * dimension, (slot + 1) * dimension)).toEqual(truth.get(id)!.vector);
      expect(store.dataAt(slot)).toBe(truth.get(id)!.data);
    }
  });

  it("refuses bytes of the wrong length instead of storing a torn vector", () => {
    const store = createReplicaStore(4, kernel);
    expect(() => store.upsert("a", new Uint8Array(12), undefined)).toThrow(/12 bytes/);
    expect(store.count).toBe(0);
  });
});
