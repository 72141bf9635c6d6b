import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { uiBuildDir } from "../../infra/node/ui-assets.js";

/** The budget for what a first visit downloads: the page and every file it references. */
const budgetBytes = 150 * 1024;

describe("UI build", () => {
  it("keeps the initial load under 150 KB gzipped (npm test builds it first)", async () => {
    const html = await readFile(join(uiBuildDir, "index.html"), "utf8");
    const referenced = [...html.matchAll(/(?:src|href)="\/ui\/([^"]+)"/g)].map((match) => match[1]!);
    expect(referenced.length).toBeGreaterThanOrEqual(2);
    let total = gzipSync(html, { level: 9 }).byteLength;
    for (const path of referenced) total += gzipSync(await readFile(join(uiBuildDir, path)), { level: 9 }).byteLength;
    console.info(`UI initial load: ${(total / 1024).toFixed(1)} KB gzipped (${referenced.join(", ")})`);
    expect(total).toBeLessThan(budgetBytes);
  });
});
