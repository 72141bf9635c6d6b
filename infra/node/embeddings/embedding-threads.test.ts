import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createEmbeddingThreads, type EmbeddingThreads } from "./embedding-threads.js";
import type { FakeModelSettings } from "./fake-model-thread.js";

const fakeModel = new URL("./fake-model-thread.ts", import.meta.url);
const opened: EmbeddingThreads[] = [];
const open = (threads: number, settings: FakeModelSettings = {}) => {
  const pool = createEmbeddingThreads({ threads, entry: fakeModel, settings });
  opened.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((pool) => pool.close()));
});

// The fake model's vector for a text: [thread id, loads so far in that thread, text length].
const threadOf = (vectors: Float32Array[]) => vectors[0]![0]!;
const loadsOf = (vectors: Float32Array[]) => vectors[0]![1]!;

describe("embedding threads", () => {
  it("runs concurrent calls on separate threads, each loading its model once", async () => {
    const pool = open(2, { msPerText: 100 });
    const first = await Promise.all([pool.embed(["a"]), pool.embed(["b"])]);
    expect(new Set(first.map(threadOf)).size).toBe(2);
    const later = await Promise.all([pool.embed(["c"]), pool.embed(["d"]), pool.embed(["e"])]);
    // Never more threads than asked for; a third concurrent call waits for one of the two.
    expect(new Set([...first, ...later].map(threadOf)).size).toBe(2);
    expect([...first, ...later].map(loadsOf)).toEqual([1, 1, 1, 1, 1]);
  });

  it("reports a failed model load, and the next call loads again", async () => {
    const pool = open(1, { failedLoads: 1 });
    await expect(pool.embed(["a"])).rejects.toThrow("fake model load 1 failed");
    const vectors = await pool.embed(["a"]);
    expect(loadsOf(vectors)).toBe(2);
  });

  it("fails the call of a thread that dies, and a new thread takes the next call", async () => {
    const pool = open(1);
    const before = threadOf(await pool.embed(["a"]));
    await expect(pool.embed(["crash"])).rejects.toThrow("exited (code 3)");
    const after = await pool.embed(["b"]);
    expect(threadOf(after)).not.toBe(before);
    expect(loadsOf(after)).toBe(1);
  });

  it("fails calls in flight and later calls once closed", async () => {
    const pool = open(1, { msPerText: 2000 });
    const running = expect(pool.embed(["slow"])).rejects.toThrow("closed");
    const waiting = expect(pool.embed(["queued"])).rejects.toThrow("closed");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    await Promise.all([running, waiting]);
    await expect(pool.embed(["after"])).rejects.toThrow("closed");
  });

  it("counts the time its threads are busy, and none while they idle (embedder utilisation)", async () => {
    const pool = open(2, { msPerText: 150 });
    expect(pool.usage()).toEqual({ size: 2, started: 0, busy: 0, busyMs: 0 });
    await Promise.all([pool.embed(["warm"]), pool.embed(["warm"])]); // thread start and model load count as busy too
    const before = pool.usage().busyMs;
    const running = Promise.all([pool.embed(["a"]), pool.embed(["b"])]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.usage()).toMatchObject({ started: 2, busy: 2 });
    await running;
    const after = pool.usage();
    expect(after.busy).toBe(0);
    // Two threads blocked 150 ms each: about 300 ms of busy time, not the 150 ms of wall time.
    expect(after.busyMs - before).toBeGreaterThanOrEqual(290);
    expect(after.busyMs - before).toBeLessThan(1500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pool.usage().busyMs).toBe(after.busyMs);
  });

  it("does not keep a process alive once idle, without close()", async () => {
    // A real process: only its exit shows whether an idle thread holds the event loop open.
    const dir = await mkdtemp(join(tmpdir(), "embedding-threads-"));
    try {
      const script = join(dir, "idle.mts");
      await writeFile(
        script,
        [
          `import { createEmbeddingThreads } from ${JSON.stringify(new URL("./embedding-threads.ts", import.meta.url).href)};`,
          `const pool = createEmbeddingThreads({ threads: 2, entry: new URL(${JSON.stringify(fakeModel.href)}) });`,
          `const vectors = await Promise.all([pool.embed(["a"]), pool.embed(["b"])]);`,
          `console.log("embedded", vectors.length);`,
        ].join("\n"),
      );
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", tsx, script], { timeout: 20_000 });
      expect(stdout.trim()).toBe("embedded 2");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
