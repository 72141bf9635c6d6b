import { describe, expect, it } from "vitest";
import { AppError } from "../../shared/errors.js";
import { sha256HexOfBytes } from "../../shared/sha256.js";
import { identifyDocument, sourceKey } from "./document-id.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("identifyDocument", () => {
  it("gives the same content the same id within a tenant, whatever it is called", async () => {
    const first = await identifyDocument("tenant-a", bytes("same text"));
    const again = await identifyDocument("tenant-a", bytes("same text"));
    expect(again).toEqual(first);
    expect(first.documentId).toMatch(/^[0-9a-f]{32}$/);
    expect(first.contentHash).toBe(await sha256HexOfBytes(bytes("same text")));
  });

  it("changes the id when the content changes by one byte", async () => {
    const before = await identifyDocument("tenant-a", bytes("version 1"));
    const after = await identifyDocument("tenant-a", bytes("version 2"));
    expect(after.documentId).not.toBe(before.documentId);
  });

  it("gives the same content different ids in different tenants", async () => {
    const a = await identifyDocument("tenant-a", bytes("shared file"));
    const b = await identifyDocument("tenant-b", bytes("shared file"));
    expect(a.contentHash).toBe(b.contentHash);
    expect(a.documentId).not.toBe(b.documentId);
  });
});

describe("sourceKey", () => {
  it("keys uploads by name and drop-folder files by relative path, in separate namespaces", () => {
    expect(sourceKey({ origin: "upload", filename: "report.pdf" })).toBe("upload:report.pdf");
    expect(sourceKey({ origin: "drop", relativePath: "2024/report.pdf" })).toBe("drop:2024/report.pdf");
    expect(sourceKey({ origin: "drop", relativePath: "report.pdf" })).not.toBe(sourceKey({ origin: "upload", filename: "report.pdf" }));
  });

  it.each(["../outside.txt", "a/../../b.txt", "/etc/passwd", "a//b.txt", "a\\b.txt", "C:/x.txt"])(
    "refuses a drop path %j that could leave the folder",
    (relativePath) => {
      expect(() => sourceKey({ origin: "drop", relativePath })).toThrow(AppError);
    },
  );

  it("refuses an upload name with path components", () => {
    expect(() => sourceKey({ origin: "upload", filename: "../x.pdf" })).toThrow(AppError);
  });
});
