import { describe, expect, it } from "vitest";
import { createDotKernel } from "./dot-kernel.js";
import { createRandomVectors } from "./random-vectors.js";
import { selectTopK } from "./top-k.js";

const javascript = createDotKernel({ wasm: false });
const wasm = createDotKernel({ wasmMinRows: 0 });

function filledBlock(kernel: ReturnType<typeof createDotKernel>, rows: number, dimension: number, seed: number) {
  const random = createRandomVectors(seed);
  const block = kernel.allocate(dimension, rows + 3); // spare capacity must never be scored
  for (let slot = 0; slot < rows; slot++) block.matrix.set(random(dimension), slot * dimension);
  return block;
}

function bruteForce(matrix: Float32Array, rows: number, dimension: number, query: Float32Array) {
  const scores: { slot: number; score: number }[] = [];
  for (let slot = 0; slot < rows; slot++) {
    let sum = 0;
    for (let index = 0; index < dimension; index++) sum += matrix[slot * dimension + index]! * query[index]!;
    scores.push({ slot, score: sum });
  }
  return scores.sort((left, right) => right.score - left.score);
}

describe("dot kernels", () => {
  it("compiles the wasm SIMD kernel on Node", () => {
    expect(wasm.name).toBe("wasm-simd");
    expect(javascript.name).toBe("javascript");
  });

  it.each([512, 64, 8])("scores bit-identically in wasm and JavaScript at dimension %i", (dimension) => {
    const rows = 700;
    const fromWasm = filledBlock(wasm, rows, dimension, dimension);
    const fromJavaScript = filledBlock(javascript, rows, dimension, dimension);
    const query = createRandomVectors(5)(dimension);
    const wasmScores = fromWasm.scores(rows, query);
    const javaScriptScores = fromJavaScript.scores(rows, query);
    let differing = 0;
    for (let row = 0; row < rows; row++) if (!Object.is(wasmScores[row], javaScriptScores[row])) differing++;
    expect(differing).toBe(0);
    expect(Math.abs(wasmScores[0]!)).toBeGreaterThan(0);
  });

  it("falls back to JavaScript for dimensions wasm does not handle (not a multiple of 4) and small blocks", () => {
    const odd = filledBlock(wasm, 50, 7, 1);
    const query = createRandomVectors(2)(7);
    const expected = bruteForce(odd.matrix, 50, 7, query);
    const scores = odd.scores(50, query);
    for (const { slot, score } of expected) expect(scores[slot]).toBeCloseTo(score, 12);
  });
});

describe.each([
  { kernel: javascript, name: "javascript" },
  { kernel: wasm, name: "wasm" },
])("exact top k ($name scores)", ({ kernel }) => {
  it.each([
    { dimension: 512, rows: 3000, k: 10 },
    { dimension: 8, rows: 500, k: 25 },
    { dimension: 4, rows: 5, k: 10 },
  ])("returns exactly the brute-force top $k of $rows rows at dimension $dimension", ({ dimension, rows, k }) => {
    const block = filledBlock(kernel, rows, dimension, dimension * 31 + rows);
    const queries = createRandomVectors(99);
    for (let round = 0; round < 5; round++) {
      const query = queries(dimension);
      const expected = bruteForce(block.matrix, rows, dimension, query).slice(0, k);
      const actual = selectTopK({ scores: block.scores(rows, query), rows, k, minScore: -2 });
      expect(actual.map((entry) => entry.slot)).toEqual(expected.map((entry) => entry.slot));
      actual.forEach((entry, index) => expect(entry.score).toBeCloseTo(expected[index]!.score, 6));
    }
  });

  it("applies minScore and the filter before choosing the top k", () => {
    const dimension = 16;
    const block = filledBlock(kernel, 1000, dimension, 5);
    const query = createRandomVectors(6)(dimension);
    const expected = bruteForce(block.matrix, 1000, dimension, query)
      .filter((entry) => entry.slot % 2 === 0 && entry.score >= 0.3)
      .slice(0, 20);
    const actual = selectTopK({ scores: block.scores(1000, query), rows: 1000, k: 20, minScore: 0.3, accept: (slot) => slot % 2 === 0 });
    expect(expected.length).toBeGreaterThan(5);
    expect(actual.map((entry) => entry.slot)).toEqual(expected.map((entry) => entry.slot));
  });
});
