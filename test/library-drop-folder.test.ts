/**
 * The drop folder end to end: a file copied in becomes searchable with no API call, a renamed one
 * keeps its document (no re-embedding) under its new name, a deleted one disappears.
 */
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchDropFolder, type DropFolderWatcher } from "../infra/node/drop-folder.js";
import { silentLogger } from "../shared/logger.js";
import { authorized, startHarness, harnessKeys as keys, type Harness } from "./harness.js";
import { createWordHashEmbedder, searchLibrary } from "./library/support.js";
import { reportRareId } from "./fixtures/make-pdfs.js";

let node: Harness;
let dir: string;
let watcher: DropFolderWatcher;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "archive-drop-"));
  let embedded = 0;
  const wordHash = createWordHashEmbedder();
  node = await startHarness({
    functions: ["library"],
    // Counts only document text (the page-2 passage of report.pdf), not search queries.
    embedder: { ...wordHash, embed: async (texts) => ((embedded += texts.filter((text) => text.includes("Skellig")).length), wordHash.embed(texts)) },
  });
  embeddedCount = () => embedded;
  await node.startWorkers();
  await writeFile(join(dir, "already-there.md"), "# Inventory\n\nSeven lanterns and a brass telescope.");
  watcher = watchDropFolder({ dir, tenant: "alice", logger: silentLogger, debounceMs: 50, settleMs: 100, rescanIntervalMs: 1000, ...dropFolderOf(node)("alice") });
  await watcher.ready;
});

afterAll(async () => {
  await watcher?.close();
  await node?.close();
  await rm(dir, { recursive: true, force: true });
});

let embeddedCount = () => 0;

/** The library's view for the drop-folder watcher, as infra/node/compose.ts hands it over. */
function dropFolderOf(harness: Harness) {
  const dropFolder = harness.fn("library").provides?.dropFolder;
  if (!dropFolder) throw new Error("the library provides no drop folder");
  return dropFolder;
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`not found within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The first hit from `filename` whose text contains the query's first word. */
const findChunk = (query: string, filename: string) => async () =>
  (await searchLibrary(node.app, keys.alice, { query, top_k: 10 })).body.chunks.find(
    (chunk) => chunk.filename === filename && (chunk.text as string).includes(query.split(" ")[0]!),
  );

const absent = (query: string, filename: string) => async () => ((await findChunk(query, filename)()) ? undefined : true);

describe("library drop folder", () => {
  it("ingests what was there at start", async () => {
    await eventually(findChunk("brass telescope", "already-there.md"));
  });

  it("makes a copied-in PDF searchable without any API call, citing its page", async () => {
    await mkdir(join(dir, "reports"));
    await copyFile(new URL("fixtures/report.pdf", import.meta.url), join(dir, "reports", "report.pdf"));
    const chunk = await eventually(findChunk(reportRareId, "report.pdf"));
    expect(chunk).toMatchObject({ page: 2, file_type: "pdf" });
    const document = await (await node.app.request(`/library/documents/${chunk.document_id}`, authorized(keys.alice))).json();
    expect(document.sources).toEqual(["drop:reports/report.pdf"]);
  });

  it("keeps a renamed file's document without embedding it again, under its new name", async () => {
    const before = await eventually(findChunk(reportRareId, "report.pdf"));
    // Searchable comes before embedded (keywords commit first): a rename while vectors are still
    // being filled in queues a job that finishes them, so wait until the document is fully hybrid.
    await eventually(async () => {
      const document = await (await node.app.request(`/library/documents/${before.document_id}`, authorized(keys.alice))).json();
      return document.vectors_pending === false ? true : undefined;
    });
    const embeddedBefore = embeddedCount();
    await rename(join(dir, "reports", "report.pdf"), join(dir, "quarterly.pdf"));
    const after = await eventually(findChunk(reportRareId, "quarterly.pdf"));
    expect(after.document_id).toBe(before.document_id);
    const document = await (await node.app.request(`/library/documents/${after.document_id}`, authorized(keys.alice))).json();
    expect(document).toMatchObject({ filename: "quarterly.pdf", sources: ["drop:quarterly.pdf"] });
    expect(embeddedCount()).toBeGreaterThan(0);
    expect(embeddedCount()).toBe(embeddedBefore);
  });

  it("replaces an edited file and removes a deleted one", async () => {
    await writeFile(join(dir, "notes.txt"), "The pear tree by the wall bore fruit early.");
    await eventually(findChunk("pear tree", "notes.txt"));
    // Same path, new content: the new text is found and the old is gone.
    await writeFile(join(dir, "notes.txt"), "The fig tree by the gate was pruned in winter.");
    await eventually(findChunk("fig tree pruned", "notes.txt"));
    await eventually(absent("pear tree", "notes.txt"));
    await rm(join(dir, "notes.txt"));
    await eventually(absent("fig tree", "notes.txt"));
    await rm(join(dir, "quarterly.pdf"));
    await eventually(absent(reportRareId, "quarterly.pdf"));
    const stats = await (await node.app.request("/library/stats", authorized(keys.alice))).json();
    expect(stats).toMatchObject({ documents: 1, by_type: { pdf: 0, txt: 0, md: 1 } });
  });
});
