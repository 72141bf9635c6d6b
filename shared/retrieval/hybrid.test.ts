import { describe, expect, it } from "vitest";
import { createHybridIndex } from "./hybrid.js";

/** Unit vector along axis `axis` of 4, tilted toward axis 3 by `tilt`. */
const unit = (axis: number, tilt = 0) => {
  const vector = new Float32Array(4);
  vector[axis] = 1;
  vector[3] = tilt;
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
};

function build() {
  const index = createHybridIndex();
  index.upsert({ id: "exact", text: "The pump is rated PX-7731 for marine use.", vector: unit(0) });
  index.upsert({ id: "close", text: "Pumps for boats and ships.", vector: unit(1) });
  index.upsert({ id: "far", text: "A recipe for plum jam.", vector: unit(2) });
  index.upsert({ id: "pending", text: "Spare seals for PX-7731 pumps ship separately." });
  return index;
}

describe("createHybridIndex", () => {
  it("ranks by both retrievers and says which found each hit", () => {
    const hits = build().search({ text: "PX-7731 pump", vector: unit(1), topK: 5 });
    const exact = hits.find((hit) => hit.id === "exact")!;
    expect(exact.lexical).toMatchObject({ rank: expect.any(Number), score: expect.any(Number) });
    expect(exact.vector!.similarity).toBeCloseTo(0.5);
    expect(hits.find((hit) => hit.id === "close")!.vector).toMatchObject({ rank: 1, similarity: 1 });
    for (const hit of hits) expect(hit.score).toBeGreaterThan(0);
  });

  it("finds a document without a vector by its words, and never by vector", () => {
    const index = build();
    const hits = index.search({ text: "seals", vector: unit(0), topK: 5 });
    expect(hits.map((hit) => hit.id)).toContain("pending");
    expect(hits.find((hit) => hit.id === "pending")!.vector).toBeNull();
    expect(index.vectors.similarity("pending", unit(0))).toBeUndefined();
  });

  it("without a query vector ranks lexically, with full weight", () => {
    const hits = build().search({ text: "PX-7731", topK: 5 });
    expect(hits.map((hit) => hit.id).sort()).toEqual(["exact", "pending"]);
    expect(hits[0]!.score).toBe(1);
    expect(hits.every((hit) => hit.vector === null)).toBe(true);
  });

  it("moves the ranking toward the weighted retriever, for both fusion methods", () => {
    const index = build();
    // RRF rewards presence in both lists, so only the extremes flip this tiny corpus.
    for (const [method, high, low] of [["rrf", 1, 0], ["normalized", 0.9, 0.1]] as const) {
      const lexicalFirst = index.search({ text: "plum jam", vector: unit(0), topK: 5, fusion: { method, lexicalWeight: high } });
      const vectorFirst = index.search({ text: "plum jam", vector: unit(0), topK: 5, fusion: { method, lexicalWeight: low } });
      expect(lexicalFirst[0]!.id).toBe("far");
      expect(vectorFirst[0]!.id).toBe("exact");
    }
  });

  it("filters before ranking and forgets removed documents", () => {
    const index = build();
    const hits = index.search({ text: "PX-7731", vector: unit(0), topK: 5, filter: (id) => id !== "exact" });
    expect(hits.map((hit) => hit.id)).not.toContain("exact");
    expect(index.remove("pending")).toBe(true);
    expect(index.search({ text: "seals", topK: 5 })).toEqual([]);
    index.upsert({ id: "exact", text: "now about plums" });
    expect(index.vectors.similarity("exact", unit(0))).toBeUndefined();
    index.clear();
    expect(index.size).toBe(0);
  });
});
