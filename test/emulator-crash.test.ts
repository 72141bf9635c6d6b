import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../emulator/redis-launcher.js";
import { findRedisServersOnDir } from "../emulator/redis-orphans.js";
import { startEmulatorProcess } from "./emulator-process.js";
import { tempDataDirs } from "./temp-dirs.js";

const dataDir = tempDataDirs("archive-crash-");

const redisDir = (dir: string) => join(dir, "redis");

function startedPid(output: string): number {
  const line = output.split("\n").find((entry) => entry.includes('"archive_started"'));
  if (!line) throw new Error(`no start line in:\n${output}`);
  return (JSON.parse(line) as { pid: number }).pid;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

async function addMemory(baseUrl: string, message: string) {
  const response = await fetch(`${baseUrl}/memories`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message }),
  });
  expect(response.status).toBe(201);
}

async function listMessages(baseUrl: string): Promise<string[]> {
  const body = (await (await fetch(`${baseUrl}/memories?limit=100`)).json()) as { memories: { message: string }[] };
  return body.memories.map((memory) => memory.message);
}

describe("crashes never leave a second redis-server", () => {
  it("kill -9 of Archive stops its redis-server within 5 s; the next start has exactly one, with every acknowledged write", async () => {
    const dir = await dataDir();
    const first = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir });
    for (const message of ["the boat is called Heron", "my sister lives in Ghent"]) await addMemory(first.baseUrl, message);
    expect(await findRedisServersOnDir(redisDir(dir))).toHaveLength(1);

    process.kill(startedPid(first.output()), "SIGKILL");
    const killedAt = Date.now();
    expect(await waitUntil(async () => (await findRedisServersOnDir(redisDir(dir))).length === 0, 5000)).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    await first.stop("SIGKILL");

    const second = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir });
    expect(await findRedisServersOnDir(redisDir(dir))).toHaveLength(1);
    expect(await listMessages(second.baseUrl)).toEqual(expect.arrayContaining(["the boat is called Heron", "my sister lives in Ghent"]));
    expect(await second.stop("SIGTERM")).toBe(0);
    expect(await findRedisServersOnDir(redisDir(dir))).toHaveLength(0);
  }, 120_000);

  it("a start stops an orphan redis-server left on its data directory before starting its own", async () => {
    const dir = await dataDir();
    const { mkdir } = await import("node:fs/promises");
    await mkdir(redisDir(dir), { recursive: true });
    // An orphan as an older Archive left it: reparented to init, no parent-death signal, holding the AOF.
    const orphanPid = Number(
      execFileSync("sh", ["-c", 'redis-server --port "$1" --dir "$2" --appendonly yes --save "" >/dev/null 2>&1 & echo $!', "sh", String(await freePort()), redisDir(dir)], {
        encoding: "utf8",
      }).trim(),
    );
    expect(await waitUntil(async () => (await findRedisServersOnDir(redisDir(dir))).length === 1, 5000)).toBe(true);

    const emulator = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir });
    expect(emulator.output()).toContain(`"event":"redis_orphan_stopped","pid":${orphanPid}`);
    const servers = await findRedisServersOnDir(redisDir(dir));
    expect(servers).toHaveLength(1);
    expect(servers[0]?.pid).not.toBe(orphanPid);

    // A directory whose Redis belongs to a live Archive is not taken over: the second start says why.
    const second = spawnSync("npm", ["start", "--silent"], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(await freePort()), ARCHIVE_DATA_DIR: dir },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain("is in use by a redis-server");
    expect(second.stderr).not.toMatch(/^\s+at /m);
    expect(await findRedisServersOnDir(redisDir(dir))).toEqual(servers);
    await emulator.stop("SIGTERM");
  }, 120_000);

  it("Ctrl-C (SIGINT to the whole process group) while capture jobs run: exit within 5 s, no stack traces", async () => {
    const dir = await dataDir();
    const emulator = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir }, { processGroup: true });
    // Each chat enqueues a capture job; the workers are busy scoring them when the signal lands.
    const chats = Array.from({ length: 6 }, (_, index) =>
      fetch(`${emulator.baseUrl}/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: `remember that locker ${index} holds the spare keys` }),
      }).then((response) => response.status),
    );
    expect(await Promise.all(chats)).toEqual(Array(6).fill(200));
    const signalled = Date.now();
    process.kill(-emulator.child.pid!, "SIGINT");
    const code = await emulator.stop("SIGINT");
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(code).toBe(0);
    const output = emulator.output();
    expect(output).not.toContain("Unhandled error event");
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).toContain('"event":"archive_stopped"');
    expect(await findRedisServersOnDir(redisDir(dir))).toHaveLength(0);
  }, 120_000);
});
