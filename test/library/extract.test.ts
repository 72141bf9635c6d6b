import { readFile } from "node:fs/promises";
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { AppError } from "../../shared/errors.js";
import {
  encryptedUserPassword,
  notesMarker,
  plainMarker,
  reportPage2Passage,
  reportRareId,
} from "../fixtures/make-pdfs.js";
import { extractDocument, safeFilename } from "../../functions/library/extract.js";

const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`../fixtures/${name}`, import.meta.url)));

/** Runs `action` and returns the AppError it must throw. */
async function appErrorFrom(action: () => unknown): Promise<AppError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError, nothing was thrown");
}

const bytesOf = (...parts: (number[] | string)[]) =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === "string" ? [...new TextEncoder().encode(part)] : part)));

describe("extractDocument: PDF", () => {
  it("returns one entry per page, with page 2's passage on page 2 only", async () => {
    const document = await extractDocument({ filename: "report.pdf", bytes: await fixture("report.pdf") });
    expect(document.fileType).toBe("pdf");
    expect(document.pages.map((page) => page.page)).toEqual([1, 2, 3]);
    // pdf.js ends each drawn line with "\n"; compare with whitespace collapsed.
    const flat = (text: string) => text.replace(/\s+/g, " ");
    expect(flat(document.pages[1]!.text)).toContain(reportPage2Passage);
    expect(document.pages[1]!.text).toContain(reportRareId);
    expect(flat(document.pages[0]!.text)).not.toContain("lighthouse");
    expect(flat(document.pages[2]!.text)).not.toContain("lighthouse");
  });

  it("leaves the caller's bytes usable (pdf.js gets a copy it may detach)", async () => {
    const bytes = await fixture("report.pdf");
    await extractDocument({ filename: "report.pdf", bytes });
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect(bytes[0]).toBe(0x25);
  });

  it("reads a .txt whose bytes are a PDF as the PDF", async () => {
    const document = await extractDocument({ filename: "misnamed.txt", bytes: await fixture("report.pdf") });
    expect(document.fileType).toBe("pdf");
    expect(document.pages).toHaveLength(3);
  });

  it("the encrypted fixture is a real encrypted PDF (it opens with its password)", async () => {
    const pdf = await getDocumentProxy(await fixture("encrypted.pdf"), { password: encryptedUserPassword });
    expect((await extractText(pdf)).text).toEqual(["Confidential salary bands for 2025."]);
  });

  it.each([
    ["encrypted.pdf", "encrypted_pdf"],
    ["corrupt.pdf", "corrupt_pdf"],
    ["scanned.pdf", "no_text"],
  ])("%s → 422 %s", async (name, code) => {
    const bytes = await fixture(name);
    const error = await appErrorFrom(() => extractDocument({ filename: name, bytes }));
    expect({ status: error.status, code: error.code, expose: error.expose }).toEqual({ status: 422, code, expose: true });
  });

  it("a .pdf that is not a PDF at all is corrupt_pdf", async () => {
    const error = await appErrorFrom(() => extractDocument({ filename: "x.pdf", bytes: bytesOf("just some words") }));
    expect(error.code).toBe("corrupt_pdf");
  });
});

describe("extractDocument: text", () => {
  it("reads the markdown and text fixtures as one unnumbered page", async () => {
    const notes = await extractDocument({ filename: "notes.md", bytes: await fixture("notes.md") });
    expect(notes.fileType).toBe("md");
    expect(notes.pages).toEqual([{ page: null, text: expect.stringContaining(notesMarker) }]);
    expect(notes.pages[0]!.text).toContain("250 °C");
    const plain = await extractDocument({ filename: "plain.txt", bytes: await fixture("plain.txt") });
    expect(plain.fileType).toBe("txt");
    expect(plain.pages[0]!.text).toContain(plainMarker);
  });

  it.each([
    ["UTF-8 with BOM", bytesOf([0xef, 0xbb, 0xbf], "café ☕")],
    ["UTF-8 without BOM", bytesOf("café ☕")],
    ["UTF-16LE with BOM", Uint8Array.from([0xff, 0xfe, 0x63, 0, 0x61, 0, 0x66, 0, 0xe9, 0, 0x20, 0, 0x15, 0x26])],
    ["UTF-16BE with BOM", Uint8Array.from([0xfe, 0xff, 0, 0x63, 0, 0x61, 0, 0x66, 0, 0xe9, 0, 0x20, 0x26, 0x15])],
  ])("decodes %s", async (_label, bytes) => {
    const document = await extractDocument({ filename: "a.txt", bytes });
    expect(document.pages[0]!.text).toBe("café ☕");
  });

  it("falls back to windows-1252 for bytes that are not UTF-8", async () => {
    // "naïve “quotes” café" as written by an old Windows editor: 0xEF, 0x93/0x94 and 0xE9 are not UTF-8.
    const bytes = bytesOf("na", [0xef], "ve ", [0x93], "quotes", [0x94], " caf", [0xe9]);
    const document = await extractDocument({ filename: "old.txt", bytes });
    expect(document.pages[0]!.text).toBe("naïve “quotes” café");
  });

  it("refuses a NUL byte without a UTF-16 BOM as binary (415)", async () => {
    const error = await appErrorFrom(() => extractDocument({ filename: "a.txt", bytes: bytesOf("text", [0], "more") }));
    expect({ status: error.status, code: error.code }).toEqual({ status: 415, code: "unsupported_type" });
  });

  it("normalizes line endings and blank-line runs, and trims", async () => {
    const document = await extractDocument({ filename: "a.md", bytes: bytesOf("\r\n# Title  \r\n\r\n\r\n\r\nBody\rline\u0007\n") });
    expect(document.pages[0]!.text).toBe("# Title\n\nBody\nline");
  });
});

describe("extractDocument: bad input", () => {
  it.each([
    ["empty.txt", bytesOf(""), 422, "empty_document"],
    ["blank.md", bytesOf("  \n\n\t "), 422, "empty_document"],
    ["empty.pdf", bytesOf(""), 422, "empty_document"],
    ["photo.png", bytesOf([0x89], "PNG"), 415, "unsupported_type"],
    ["no-extension", bytesOf("hello"), 415, "unsupported_type"],
    ["archive.txt", bytesOf("PK", [3, 4, 0, 0, 8, 0]), 415, "unsupported_type"],
    ["../etc/passwd.txt", bytesOf("x"), 400, "invalid_filename"],
  ])("%s → %i %s", async (filename, bytes, status, code) => {
    const error = await appErrorFrom(() => extractDocument({ filename, bytes }));
    expect({ status: error.status, code: error.code }).toEqual({ status, code });
  });

  it("enforces maxBytes with 413", async () => {
    const error = await appErrorFrom(() => extractDocument({ filename: "a.txt", bytes: bytesOf("12345"), maxBytes: 4 }));
    expect({ status: error.status, code: error.code }).toEqual({ status: 413, code: "payload_too_large" });
  });
});

describe("safeFilename", () => {
  it.each(["../x", "a/b", "C:\\x", "C:x.txt", "a\\b", "nul\u0000.txt", "line\nbreak.txt", "", "   ", ".", "..", `${"é".repeat(128)}.txt`])(
    "rejects %j with 400 invalid_filename",
    async (name) => {
      const error = await appErrorFrom(() => safeFilename(name));
      expect({ status: error.status, code: error.code }).toEqual({ status: 400, code: "invalid_filename" });
    },
  );

  it("accepts ordinary names and returns them NFC-normalized", () => {
    expect(safeFilename("Quarterly report (final).pdf")).toBe("Quarterly report (final).pdf");
    expect(safeFilename("..hidden.md")).toBe("..hidden.md");
    expect(safeFilename("cafe\u0301.txt")).toBe("caf\u00e9.txt");
    expect(safeFilename(`${"a".repeat(251)}.txt`)).toHaveLength(255);
  });
});
