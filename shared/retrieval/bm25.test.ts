import { describe, expect, it } from "vitest";
import { createBm25Index } from "./bm25.js";
import { lexicalTerms } from "./terms.js";

describe("lexicalTerms", () => {
  it("lowercases, drops a few stopwords, and keeps hyphenated ids whole as well as in parts", () => {
    expect(lexicalTerms("Invoice INV-2024-001 is due to ACME-7731.")).toEqual([
      "invoice",
      "inv-2024-001",
      "inv",
      "2024",
      "001",
      "due",
      "acme-7731",
      "acme",
      "7731",
    ]);
  });

  it("keeps letters with diacritics and folds compatibility forms", () => {
    expect(lexicalTerms("Café ﬁnance ＡＢＣ１２")).toEqual(["café", "finance", "abc12"]);
  });
});

describe("createBm25Index", () => {
  const corpus: Record<string, string> = {
    lighthouse: "The lighthouse keepers logged the storm. The logbook is filed under ZX-4471-QB.",
    harbour: "The harbour wall needs repair before the winter storms reach the island.",
    near: "Shelf ZX, box 4471, folder QB. See also shelf ZX, box 4471, folder QB, and ZX-4471-QA.",
    bees: "The beekeepers counted forty hives on the island meadow.",
  };
  const build = () => {
    const index = createBm25Index();
    for (const [id, text] of Object.entries(corpus)) index.add(id, text);
    return index;
  };

  it("ranks the chunk holding an exact rare id first, above a chunk repeating its parts", () => {
    const hits = build().search("where is logbook ZX-4471-QB");
    expect(hits.map((hit) => hit.id)).toEqual(["lighthouse"]);
    // Written apart, the parts still find both.
    expect(build().search("ZX 4471 QB").map((hit) => hit.id).sort()).toEqual(["lighthouse", "near"]);
    // An id never indexed whole falls back to its parts.
    expect(build().search("ZX-4471-QC").map((hit) => hit.id)).toEqual(["near", "lighthouse"]);
  });

  it("ranks by BM25: more matching rare terms beat one common term", () => {
    const hits = build().search("storm keepers island");
    expect(hits[0]!.id).toBe("lighthouse");
    expect(hits.map((hit) => hit.id).sort()).toEqual(["bees", "harbour", "lighthouse"]);
  });

  it("computes the Okapi formula exactly (k1 1.2, b 0.75, Lucene idf)", () => {
    const index = createBm25Index();
    index.add("a", "apple apple banana");
    index.add("b", "banana cherry");
    // "apple": df 1 of N 2 → idf ln(1 + 1.5/1.5); doc a: tf 2, length 3, average length 2.5.
    const idf = Math.log(1 + (2 - 1 + 0.5) / (1 + 0.5));
    const expected = (idf * 2 * 2.2) / (2 + 1.2 * (1 - 0.75 + (0.75 * 3) / 2.5));
    expect(index.search("apple")).toEqual([{ id: "a", score: expected }]);
  });

  it("re-adding an id replaces its text, and statistics match a fresh index", () => {
    const index = build();
    index.add("lighthouse", "Completely new text about gardening.");
    index.add("lighthouse", "Completely new text about gardening.");
    expect(index.size).toBe(4);
    expect(index.search("ZX-4471-QB").map((hit) => hit.id)).toEqual(["near"]);
    const fresh = createBm25Index();
    for (const [id, text] of Object.entries({ ...corpus, lighthouse: "Completely new text about gardening." })) fresh.add(id, text);
    expect(index.search("harbour storms gardening")).toEqual(fresh.search("harbour storms gardening"));
  });

  it("remove and clear take documents out of results and statistics", () => {
    const index = build();
    expect(index.remove("lighthouse")).toBe(true);
    expect(index.remove("lighthouse")).toBe(false);
    expect(index.has("lighthouse")).toBe(false);
    expect(index.search("logbook")).toEqual([]);
    const fresh = createBm25Index();
    for (const [id, text] of Object.entries(corpus)) if (id !== "lighthouse") fresh.add(id, text);
    expect(index.search("island harbour")).toEqual(fresh.search("island harbour"));
    index.clear();
    expect(index.size).toBe(0);
    expect(index.search("island")).toEqual([]);
  });

  it("filters before ranking and honours topK; ties break by id", () => {
    const index = createBm25Index();
    for (const id of ["c", "a", "b", "d"]) index.add(id, "identical words here");
    expect(index.search("identical", { topK: 2 }).map((hit) => hit.id)).toEqual(["a", "b"]);
    expect(index.search("identical", { topK: 2, filter: (id) => id !== "a" }).map((hit) => hit.id)).toEqual(["b", "c"]);
    expect(index.search("the is a")).toEqual([]);
  });
});
