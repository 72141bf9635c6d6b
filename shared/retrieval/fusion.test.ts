import { describe, expect, it } from "vitest";
import { fuseRankings, fuseScores } from "./fusion.js";

const ids = (...names: string[]) => names.map((id) => ({ id }));

describe("fuseRankings", () => {
  it("sums 1 / (k + rank) over the lists and normalizes by the best possible sum", () => {
    const [first, second, third] = fuseRankings([ids("a", "b", "c"), ids("b", "d")], { k: 60 });
    expect(first).toEqual({ id: "b", rrf: 1 / 62 + 1 / 61, score: (1 / 62 + 1 / 61) / (2 / 61), ranks: [2, 1] });
    expect(second).toEqual({ id: "a", rrf: 1 / 61, score: 0.5, ranks: [1, null] });
    // d (rank 2 in list 2) and c (rank 3 in list 1): d's 1/62 beats c's 1/63.
    expect(third!.id).toBe("d");
  });

  it("scores 1 for a hit ranked first everywhere", () => {
    expect(fuseRankings([ids("x"), ids("x"), ids("x")])[0]).toMatchObject({ id: "x", score: 1 });
  });

  it("lets an exact-term hit that BM25 ranks first win when the vectors rank it lower", () => {
    const bm25 = ids("rare-id-chunk");
    const vector = ids("similar-1", "similar-2", "similar-3", "rare-id-chunk");
    expect(fuseRankings([bm25, vector], { topK: 1 })[0]!.id).toBe("rare-id-chunk");
  });

  it("breaks equal sums by retrievers that found it, then best rank, then id", () => {
    // p: rank 1 in list 1 only; q: rank 1 in list 2 only → equal sums, same best rank → by id.
    expect(fuseRankings([ids("q"), ids("p")]).map((hit) => hit.id)).toEqual(["p", "q"]);
    // r appears in both lists at ranks giving the same sum as s's (k = 0: 1/2 + 1/2 = 1/1).
    const fused = fuseRankings([ids("s", "r"), ids("t", "r")], { k: 0 });
    expect(fused.map((hit) => hit.id)).toEqual(["r", "s", "t"]);
  });

  it("counts a repeated id once per list, at its best rank, and honours topK", () => {
    const fused = fuseRankings([ids("a", "a", "b")], { k: 60, topK: 1 });
    expect(fused).toEqual([{ id: "a", rrf: 1 / 61, score: 1, ranks: [1] }]);
    expect(fuseRankings([])).toEqual([]);
  });

  it("weights each list's share and still normalizes to the best possible sum", () => {
    const fused = fuseRankings([ids("a", "b"), ids("b", "a")], { k: 0, weights: [3, 1] });
    expect(fused.map((hit) => hit.id)).toEqual(["a", "b"]);
    expect(fused[0]!.score).toBeCloseTo((3 / 1 + 1 / 2) / 4);
  });
});

describe("fuseScores", () => {
  it("keeps a decisive lexical winner's margin that rank fusion would flatten", () => {
    const lexical = [{ id: "winner", score: 12 }, { id: "middling", score: 3 }];
    const vector = [
      { id: "middling", score: 0.71 },
      { id: "other", score: 0.7 },
      { id: "winner", score: 0.68 },
      { id: "unrelated", score: 0.5 },
    ];
    const fused = fuseScores([
      { hits: lexical, weight: 0.5, normalize: "max" },
      { hits: vector, weight: 0.5, normalize: "minmax" },
    ]);
    expect(fused[0]).toMatchObject({ id: "winner", ranks: [1, 3] });
    expect(fused[0]!.score).toBeCloseTo(0.5 + 0.5 * (0.18 / 0.21));
    expect(fused[1]!.id).toBe("middling");
    // Equal weights, rank fusion: middling (2nd + 1st) beats winner (1st + 3rd).
    expect(fuseRankings([lexical, vector])[0]!.id).toBe("middling");
  });

  it("gives every hit of a flat list the full share and scores in [0, 1]", () => {
    const fused = fuseScores([{ hits: [{ id: "x", score: 2 }, { id: "y", score: 2 }], weight: 1, normalize: "minmax" }]);
    expect(fused.map((hit) => hit.score)).toEqual([1, 1]);
    expect(fuseScores([])).toEqual([]);
  });
});
