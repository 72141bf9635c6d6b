import { mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../shared/errors.js";
import { silentLogger } from "../../shared/logger.js";
import { watchDropFolder, type DropFolderOptions, type DropFolderWatcher } from "./drop-folder.js";

/** What the watcher asked of the library, in order. */
type Call = ["ingest", string, string] | ["remove", string];

let dir: string;
let outside: string;
let calls: Call[];
let watcher: DropFolderWatcher | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "archive-drop-"));
  outside = await mkdtemp(join(tmpdir(), "archive-outside-"));
  calls = [];
});

afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

function start(options: Partial<DropFolderOptions> = {}): DropFolderWatcher {
  watcher = watchDropFolder({
    dir,
    tenant: "alice",
    logger: silentLogger,
    ingest: async (path, bytes) => void calls.push(["ingest", path, new TextDecoder().decode(bytes)]),
    remove: async (path) => void calls.push(["remove", path]),
    debounceMs: 20,
    settleMs: 50,
    rescanIntervalMs: 60_000,
    ...options,
  });
  return watcher;
}

/** Writes a file whose mtime is in the past, so it counts as fully written. */
async function put(path: string, content: string) {
  const full = join(dir, path);
  await mkdir(join(full, ".."), { recursive: true });
  await writeFile(full, content);
  const past = new Date(Date.now() - 10_000);
  await utimes(full, past, past);
}

async function eventually(condition: () => boolean, timeoutMs = 5000) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not met within ${timeoutMs} ms; calls: ${JSON.stringify(calls)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("watchDropFolder", () => {
  it("submits what is there at start, recursively, skipping hidden, temporary and unsupported files", async () => {
    await put("a.txt", "alpha");
    await put("nested/deeper/b.md", "bravo");
    await put("nested/c.pdf", "%PDF-charlie");
    for (const skipped of [".hidden.txt", ".git/d.txt", "draft.txt~", "~$lock.md", "movie.mp4", "partial.pdf.crdownload", "x.txt.tmp"]) await put(skipped, "skip");
    await start({ known: async () => ["gone-while-away.txt", "a.txt"] }).ready;
    expect(calls.filter(([kind]) => kind === "ingest").map((call) => call[1]).sort()).toEqual(["a.txt", "nested/c.pdf", "nested/deeper/b.md"]);
    // The library held a file deleted while nobody watched: it goes.
    expect(calls.filter(([kind]) => kind === "remove")).toEqual([["remove", "gone-while-away.txt"]]);
  });

  it("ingests a new file, re-ingests a changed one and removes a deleted one, from fs events alone", async () => {
    await start().ready;
    await writeFile(join(dir, "new.txt"), "first");
    await eventually(() => calls.some((call) => call[0] === "ingest" && call[2] === "first"));
    await writeFile(join(dir, "new.txt"), "second version");
    await eventually(() => calls.some((call) => call[0] === "ingest" && call[2] === "second version"));
    await rm(join(dir, "new.txt"));
    await eventually(() => calls.some((call) => call[0] === "remove" && call[1] === "new.txt"));
    expect(calls).toEqual([["ingest", "new.txt", "first"], ["ingest", "new.txt", "second version"], ["remove", "new.txt"]]);
  });

  it("handles a rename as the new path first, then the old path's removal", async () => {
    await put("inbox/report.md", "# Report");
    await start().ready;
    calls = [];
    await mkdir(join(dir, "archive"));
    await rename(join(dir, "inbox/report.md"), join(dir, "archive/report-2024.md"));
    await eventually(() => calls.length >= 2);
    expect(calls).toEqual([["ingest", "archive/report-2024.md", "# Report"], ["remove", "inbox/report.md"]]);
  });

  it("never reads through a symlink that leaves the folder, but follows one that stays inside", async () => {
    await writeFile(join(outside, "secret.txt"), "outside secret");
    await mkdir(join(outside, "dir"));
    await writeFile(join(outside, "dir", "also-secret.md"), "outside too");
    await symlink(join(outside, "secret.txt"), join(dir, "link.txt"));
    await symlink(join(outside, "dir"), join(dir, "linked-dir"));
    await put("real/inside.txt", "inside");
    await symlink(join(dir, "real/inside.txt"), join(dir, "alias.txt"));
    await symlink(dir, join(dir, "real/loop")); // a loop back to the root ends
    await start().ready;
    const ingested = calls.map((call) => call[2]);
    expect(ingested).not.toContain("outside secret");
    expect(ingested).not.toContain("outside too");
    expect(calls.map((call) => call[1]).sort()).toEqual(["alias.txt", "real/inside.txt"]);
  });

  it("waits for a file that is still being written", async () => {
    await start().ready;
    await writeFile(join(dir, "growing.txt"), "part one");
    await new Promise((resolve) => setTimeout(resolve, 30));
    await writeFile(join(dir, "growing.txt"), "part one, part two");
    await eventually(() => calls.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(calls).toEqual([["ingest", "growing.txt", "part one, part two"]]);
  });

  it("skips files over the size limit, and does not retry a file the library refused until it changes", async () => {
    await put("huge.txt", "x".repeat(2000));
    await put("bad.txt", "refused");
    let refusals = 0;
    const instance = start({
      maxBytes: 1000,
      ingest: async (path) => {
        refusals += 1;
        throw new AppError({ code: "empty_document", status: 422, title: "Empty", detail: `${path} refused` });
      },
    });
    await instance.ready;
    await instance.rescan();
    expect(refusals).toBe(1);
    await put("bad.txt", "refused again, changed");
    await instance.rescan();
    expect(refusals).toBe(2);
  });

  it("retries a file whose submission failed for a system reason on the next look", async () => {
    await put("flaky.txt", "flaky");
    let attempts = 0;
    const instance = start({
      ingest: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("Redis is down");
      },
    });
    await instance.ready;
    await instance.rescan();
    expect(attempts).toBe(2);
    await instance.rescan();
    expect(attempts).toBe(2);
  });

  it("falls back to periodic rescans when events are missed", async () => {
    const instance = start({ rescanIntervalMs: 50, debounceMs: 60_000 });
    await instance.ready;
    await put("late.txt", "found by the rescan");
    await eventually(() => calls.length > 0, 2000);
    expect(calls).toEqual([["ingest", "late.txt", "found by the rescan"]]);
  });
});
