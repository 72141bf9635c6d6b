import { describe, expect, it } from "vitest";
import { precheckDocument } from "./upload.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { code: (error as { code?: string }).code, status: (error as { status?: number }).status };
  }
  return undefined;
};

describe("precheckDocument", () => {
  it("accepts text, markdown and PDFs, reading PDF bytes as PDF whatever the name", () => {
    expect(precheckDocument("notes.md", bytes("# Notes"), 100)).toBe("md");
    expect(precheckDocument("plain.TXT", bytes("text"), 100)).toBe("txt");
    expect(precheckDocument("doc.pdf", bytes("%PDF-1.7 ..."), 100)).toBe("pdf");
    expect(precheckDocument("misnamed.txt", bytes("%PDF-1.4 ..."), 100)).toBe("pdf");
    expect(precheckDocument("latin.txt", Uint8Array.from([0x63, 0x61, 0x66, 0xe9]), 100)).toBe("txt");
  });

  it.each([
    ["photo.jpeg", "data", 100, 415, "unsupported_type"],
    ["noextension", "data", 100, 415, "unsupported_type"],
    ["big.txt", "x".repeat(101), 100, 413, "payload_too_large"],
    ["empty.md", "", 100, 422, "empty_document"],
    ["spaces.txt", " \n\t\r\n ", 100, 422, "empty_document"],
    ["nul.txt", "a\u0000b", 100, 415, "unsupported_type"],
    ["fake.pdf", "hello", 100, 422, "corrupt_pdf"],
  ])("%s → %i", (filename, content, max, status, code) => {
    expect(codeOf(() => precheckDocument(filename, bytes(content), max))).toEqual({ status, code });
  });
});
