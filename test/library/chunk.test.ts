import { readFile } from "node:fs/promises";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import { describe, expect, it } from "vitest";
import { cpuMs } from "../cpu-time.js";
import { makeLargePdf, makeProse, reportRareId } from "../fixtures/make-pdfs.js";
import { chunkDocument } from "../../functions/library/chunk.js";
import type { Chunk, ChunkablePage } from "../../functions/library/chunk.js";
import { extractDocument } from "../../functions/library/extract.js";

const reference = new Tiktoken(cl100k);
const trueTokens = (text: string) => reference.encode(text, [], []).length;

function expectChunksSliceTheirPages(pages: ChunkablePage[], chunks: Chunk[]): void {
  for (const chunk of chunks) {
    const page = pages.find((candidate) => candidate.page === chunk.page)!;
    expect(page.text.slice(chunk.charStart, chunk.charEnd)).toBe(chunk.text);
  }
}

describe("chunkDocument", () => {
  const prose: ChunkablePage[] = [{ page: null, text: makeProse(300) }];

  it("packs whole sentences up to the target and reports real cl100k counts", () => {
    const chunks = chunkDocument(prose);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(250);
      expect(chunk.tokens).toBe(trueTokens(chunk.text));
      // Sentence boundaries: every chunk starts a sentence and ends one.
      expect(chunk.text).toMatch(/^[A-Z]/);
      expect(chunk.text).toMatch(/\.$/);
    }
    // Not pathologically small either: all but the last are close to the target.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.tokens).toBeGreaterThan(180);
    expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, index) => index));
    expectChunksSliceTheirPages(prose, chunks);
  });

  it("repeats whole trailing sentences (≤ overlapTokens) at the start of the next chunk", () => {
    const chunks = chunkDocument(prose);
    for (const [index, chunk] of chunks.slice(1).entries()) {
      const previous = chunks[index]!;
      expect(chunk.charStart).toBeLessThan(previous.charEnd);
      expect(chunk.charStart).toBeGreaterThan(previous.charStart);
      const shared = previous.text.slice(chunk.charStart - previous.charStart);
      expect(chunk.text.startsWith(shared)).toBe(true);
      expect(trueTokens(shared)).toBeGreaterThan(10);
      expect(trueTokens(shared)).toBeLessThanOrEqual(50);
    }
    // Together the chunks cover the text: nothing between two chunks is lost.
    const text = prose[0]!.text;
    expect(chunks[0]!.charStart).toBe(0);
    expect(chunks.at(-1)!.charEnd).toBe(text.length);
  });

  it("splits a single 2000-token sentence at token boundaries, with token-exact overlap", () => {
    const words = Array.from({ length: 2000 }, (_, index) => `w${index}`).join(" ");
    const text = `Short opener. ${words} end. Closing line.`;
    const chunks = chunkDocument([{ page: 4, text }]);
    expect(trueTokens(text)).toBeGreaterThan(2000);
    expect(chunks.length).toBeGreaterThanOrEqual(9);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(250);
      expect(chunk.tokens).toBe(trueTokens(chunk.text));
      expect(chunk.page).toBe(4);
      // Cuts land between words, never inside "w123".
      expect(chunk.text).toMatch(/^(Short|w\d+|end|Closing)/);
      expect(chunk.text).toMatch(/(\.|w\d+)$/);
    }
    for (const [index, chunk] of chunks.slice(1).entries()) {
      const shared = chunks[index]!.text.slice(chunk.charStart - chunks[index]!.charStart);
      expect(trueTokens(shared)).toBeGreaterThan(40);
      expect(trueTokens(shared)).toBeLessThanOrEqual(50);
    }
    expectChunksSliceTheirPages([{ page: 4, text }], chunks);
    expect(chunks.map((chunk) => chunk.text).join(" ")).toContain("w1999 end. Closing line.");
  });

  it("moves forward by more than the overlap through a split sentence, to the very end", () => {
    const text = Array.from({ length: 300 }, (_, index) => `w${index}`).join(" ");
    const chunks = chunkDocument([{ page: null, text }], { targetTokens: 100, overlapTokens: 20 });
    expect(chunks.at(-1)!.charEnd).toBe(text.length);
    // Each chunk reaches past the previous one by more than the overlap.
    for (const [index, chunk] of chunks.slice(1).entries()) expect(chunk.charEnd - chunks[index]!.charEnd).toBeGreaterThan(20);
  });

  it("cuts a long run without spaces on code point boundaries", () => {
    const text = `Start. ${"🦊".repeat(3000)} stop.`;
    const chunks = chunkDocument([{ page: null, text }], { targetTokens: 40, overlapTokens: 10 });
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(40);
      expect(chunk.text).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    }
    expectChunksSliceTheirPages([{ page: null, text }], chunks);
  });

  it("keeps chunks within their page and cites the PDF page", async () => {
    const bytes = new Uint8Array(await readFile(new URL("../fixtures/report.pdf", import.meta.url)));
    const { pages } = await extractDocument({ filename: "report.pdf", bytes });
    const chunks = chunkDocument(pages, { targetTokens: 40, overlapTokens: 10 });
    expect(new Set(chunks.map((chunk) => chunk.page))).toEqual(new Set([1, 2, 3]));
    expect(chunks.find((chunk) => chunk.text.includes(reportRareId))?.page).toBe(2);
    expectChunksSliceTheirPages(pages, chunks);
  });

  it("joins PDF line wraps for sentence detection but keeps the original text", () => {
    const text = "The keepers rowed out every\nThursday to collect the mail. A second sentence\nfollows here.";
    const chunks = chunkDocument([{ page: 1, text }], { targetTokens: 14, overlapTokens: 0 });
    expect(chunks.map((chunk) => chunk.text)).toEqual([
      "The keepers rowed out every\nThursday to collect the mail.",
      "A second sentence\nfollows here.",
    ]);
  });

  it("returns nothing for empty or blank pages and treats `<|endoftext|>` as plain text", () => {
    expect(chunkDocument([{ page: 1, text: "" }, { page: 2, text: " \n " }])).toEqual([]);
    const [chunk] = chunkDocument([{ page: null, text: "Say <|endoftext|> aloud." }]);
    expect(chunk!.text).toBe("Say <|endoftext|> aloud.");
  });

  it("rejects nonsensical options", () => {
    expect(() => chunkDocument(prose, { targetTokens: 4 })).toThrow(RangeError);
    expect(() => chunkDocument(prose, { targetTokens: 100, overlapTokens: 100 })).toThrow(RangeError);
  });

  it("chunks a ~1 MB, 500-page PDF's text in well under a few seconds", async () => {
    const { pages } = await extractDocument({ filename: "big.pdf", bytes: await makeLargePdf() });
    let chunks: Chunk[] = [];
    const elapsed = cpuMs(() => {
      chunks = chunkDocument(pages);
    });
    expect(pages).toHaveLength(500);
    expect(chunks.length).toBeGreaterThan(1500);
    // Measured ~0.1–0.5 s; the bound catches quadratic regressions (ICU on one long string took 13 s).
    // CPU time, so other processes on the machine cannot push it over.
    expect(elapsed).toBeLessThan(3000);
  });
});
