import { describe, expect, it } from "vitest";
import { chunkDocument } from "./chunk.js";
import { sectionPaths } from "./sections.js";

const pathsOf = (pages: { page: number | null; text: string }[], markdown = false, targetTokens = 20) => {
  const chunks = chunkDocument(pages, { targetTokens, overlapTokens: 0 });
  return chunks.map((chunk, index) => [chunk.text.split("\n")[0], sectionPaths(pages, chunks, markdown)[index]]);
};

describe("sectionPaths", () => {
  it("follows numbered headings across pages, keeping subsections under a repeated running header", () => {
    const pages = [
      { page: 1, text: "Chapter 5: Arrays and matrices\n5.7 Matrix facilities\nMatrices are arrays with two subscripts.\n5.7.2 Linear equations\nSolving linear equations is the inverse of matrix multiplication." },
      { page: 2, text: "Chapter 5: Arrays and matrices\nThe function solve(A, b) returns x up to some accuracy loss." },
      { page: 3, text: "Chapter 6: Lists\nA list is an ordered collection of components." },
    ];
    const paths = pathsOf(pages).map(([, path]) => path);
    expect(paths.at(-2)).toBe("Chapter 5: Arrays and matrices › 5.7 Matrix facilities › 5.7.2 Linear equations");
    expect(paths.at(-1)).toBe("Chapter 6: Lists");
  });

  it("ignores contents lines, sentences and numbers that merely look like headings", () => {
    const pages = [{ page: 1, text: "2.1 Basic concepts . . . . . 12\n3 apples were eaten.\n42\nPlain prose without headings follows here and goes on." }];
    expect(pathsOf(pages).map(([, path]) => path)).toEqual(pathsOf(pages).map(() => ""));
  });

  it("reads Markdown headings in Markdown files only", () => {
    const pages = [{ page: null, text: "# Kitchen notes\nIntro line.\n## Bread\nAutolyse for forty minutes before shaping the loaves carefully." }];
    expect(pathsOf(pages, true).at(-1)![1]).toBe("Kitchen notes › Bread");
    expect(pathsOf(pages, false).at(-1)![1]).toBe("");
  });
});
