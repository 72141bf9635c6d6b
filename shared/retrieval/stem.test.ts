import { describe, expect, it } from "vitest";
import { stemWord, stemWords } from "./stem.js";

describe("stemWords", () => {
  it("folds plural and verb endings so forms of one word match", () => {
    expect(["paint", "paints", "painted", "painting", "paintings"].map(stemWord)).toEqual(["paint", "paint", "paint", "paint", "paint"]);
    expect(["stories", "running", "adopted", "agencies"].map(stemWord)).toEqual(["story", "run", "adopt", "agency"]);
  });

  it("leaves short words, non-plurals, numbers and identifiers as written", () => {
    expect(["is", "was", "bus", "class", "campus", "sing"].map(stemWord)).toEqual(["is", "was", "bus", "class", "campus", "sing"]);
    expect(stemWords("Invoice INV-2024-001 ships v1.2.3 in 2024s")).toBe("invoice inv-2024-001 ship v1.2.3 in 2024s");
  });
});
