import { describe, expect, it } from "vitest";
import { isNavigational } from "./navigation.js";

describe("isNavigational", () => {
  it("recognizes tables of contents with dotted leaders and bare section numbers", () => {
    const contents = [
      "5.4.1 Mixed vector and array arithmetic. The recycling rule . . . . . 22",
      "The outer product of two arrays . . . . . . . . . . 23",
      "5.5",
      "5.6",
      "Matrix facilities . . . . . . . . . . . 24",
      "6 Lists and data frames . . . . . . . 29",
    ].join("\n");
    expect(isNavigational(contents)).toBe(true);
  });

  it("recognizes back-of-book indexes", () => {
    expect(isNavigational(["Function and variable index", "read.csv . . . . 9", "read.DIF . . . . 11", "read.fwf . . . 11", "readLines . . . 12"].join("\n"))).toBe(true);
    expect(isNavigational(["Index", "apples, 12, 45", "barley, 7", "cider presses, 88, 91", "damsons, 3"].join("\n"))).toBe(true);
  });

  it("leaves prose, code and short texts alone", () => {
    expect(isNavigational("The function scan has many arguments.\nMost of them were covered under read.table.\nModes can be numeric.\nFor example 0.")).toBe(false);
    expect(isNavigational("> x <- c(1, 2, 3)\n> y <- x * 2\n> sum(y)\n[1] 12\n> mean(y)\n[1] 4")).toBe(false);
    expect(isNavigational("Contents . . . 1")).toBe(false);
  });
});
