import { describe, expect, it } from "vitest";
import { queryLean } from "./query-kind.js";

describe("queryLean", () => {
  it("takes quoted phrases literally", () => {
    expect(queryLean('where does it say "divert all subsequent output"')).toBe("phrase");
    expect(queryLean("the “IANA database” for timezones")).toBe("phrase");
  });

  it("recognizes identifiers in short queries", () => {
    for (const query of ["R_PAPERSIZE", "odbcConnectExcel2007", ".Rhistory", "v1.2.3 changelog", "INV-2024-001", "HandAnnotation", "regsvr32"]) {
      expect(queryLean(query), query).toBe("identifier");
    }
  });

  it("leaves questions and plain words to the default weights", () => {
    expect(queryLean("how do I uninstall R from a Mac")).toBeUndefined();
    expect(queryLean("spreadsheet")).toBeUndefined();
    expect(queryLean("what is the default paper size for PDF manuals in R_PAPERSIZE terms today")).toBeUndefined();
    expect(queryLean("")).toBeUndefined();
  });
});
