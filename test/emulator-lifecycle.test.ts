import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { startEmulatorProcess } from "./emulator-process.js";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function dataDir() {
  const dir = await mkdtemp(join(tmpdir(), "archive-life-"));
  dirs.push(dir);
  return dir;
}

function startedLine(output: string): { redis: string; redis_pid: number } {
  const line = output.split("\n").find((entry) => entry.includes('"archive_started"'));
  if (!line) throw new Error(`no start line in:\n${output}`);
  return JSON.parse(line);
}

/** Running, not a zombie waiting for a reaper (a container's PID 1 may never reap it). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("npm start", () => {
  it("is healthy, stops within 10 s on SIGTERM without orphans, and keeps data across restarts", async () => {
    const dir = await dataDir();
    const first = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir });
    const health = await (await fetch(`${first.baseUrl}/health`)).json();
    expect(health.status).toBe("healthy");

    const { redis: redisInfo, redis_pid: redisPid } = startedLine(first.output());
    const port = Number(/:(\d+) /.exec(redisInfo)?.[1]);
    const client = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await client.set("archive:lifecycle-probe", "written before SIGTERM");
    client.disconnect();

    const stopped = Date.now();
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(10_000);
    expect(alive(redisPid)).toBe(false);

    const second = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir });
    const { redis: secondInfo } = startedLine(second.output());
    const again = new Redis({ port: Number(/:(\d+) /.exec(secondInfo)?.[1]), maxRetriesPerRequest: 0 });
    expect(await again.get("archive:lifecycle-probe")).toBe("written before SIGTERM");
    again.disconnect();
    await second.stop("SIGINT");
  }, 90_000);

  it("fails cleanly on a busy port: a clear message, exit 1, and no redis-server started for it", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const dir = await dataDir();
    const result = spawnSync("npm", ["start", "--silent"], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), ARCHIVE_DATA_DIR: dir },
      encoding: "utf8",
      timeout: 60_000,
    });
    blocker.close();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    // The port is checked first: Redis is never started, so nothing has to be stopped again.
    expect(result.stdout).not.toContain('"event":"redis_started"');
  }, 90_000);

  it("refuses to listen on 0.0.0.0 without API keys, saying what to set", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "emulator/main.ts"], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? "", HOST: "0.0.0.0", PORT: "0" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("ARCHIVE_API_KEYS");
    expect(result.stderr).toContain("0.0.0.0");
  }, 40_000);
});
