import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { freePort, startRedisServer } from "../emulator/redis-launcher.js";
import { startEmulatorProcess } from "./emulator-process.js";
import { tempDataDirs } from "./temp-dirs.js";

const dataDir = tempDataDirs("archive-faults-");

const dataRoutes = [
  { path: "/memories" },
  { path: "/memories/search", body: { query: "where are the keys" } },
  { path: "/library/search", body: { query: "where are the keys" } },
  { path: "/library/documents" },
];

async function call(baseUrl: string, route: (typeof dataRoutes)[number]) {
  const started = Date.now();
  const response = await fetch(`${baseUrl}${route.path}`, {
    method: route.body ? "POST" : "GET",
    headers: { "content-type": "application/json" },
    body: route.body ? JSON.stringify(route.body) : null,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type"), retryAfter: response.headers.get("retry-after"), text, ms: Date.now() - started };
}

describe("Redis faults get answers, not 500s or hangs", () => {
  it("Redis killed mid-traffic: data routes answer 503 problem+json with Retry-After within 2 s, and recover by themselves", async () => {
    const port = await freePort();
    let redis = await startRedisServer({ port });
    const emulator = await startEmulatorProcess({ ARCHIVE_DATA_DIR: await dataDir(), REDIS_URL: redis.url });
    try {
      for (const route of dataRoutes) expect((await call(emulator.baseUrl, route)).status, route.path).toBe(200);

      process.kill(redis.pid!, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (let round = 0; round < 3; round++) {
        for (const route of dataRoutes) {
          const answer = await call(emulator.baseUrl, route);
          expect(answer.status, `${route.path}: ${answer.text}`).toBe(503);
          expect(answer.type).toBe("application/problem+json");
          expect(answer.retryAfter).toMatch(/^\d+$/);
          expect(JSON.parse(answer.text)).toMatchObject({ status: 503, code: "redis_unavailable" });
          expect(answer.ms).toBeLessThan(2000);
        }
      }
      expect((await fetch(`${emulator.baseUrl}/health`)).status).toBe(503);

      redis = await startRedisServer({ port });
      const deadline = Date.now() + 15_000;
      let statuses: number[] = [];
      while (Date.now() < deadline) {
        statuses = await Promise.all(dataRoutes.map(async (route) => (await call(emulator.baseUrl, route)).status));
        if (statuses.every((status) => status === 200)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(statuses).toEqual(dataRoutes.map(() => 200));
      expect(emulator.output()).not.toContain("Unhandled error event");
      expect(emulator.output()).toContain('"event":"redis_recovered"');
    } finally {
      await emulator.stop("SIGTERM");
      await redis.stop();
    }
  }, 120_000);

  it("a Redis that refuses the password: the start fails with a clear message and no password appears anywhere", async () => {
    const port = await freePort();
    const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", "the-right-secret-8842"], {
      stdio: "ignore",
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const result = spawnSync("npm", ["start", "--silent"], {
        cwd: new URL("..", import.meta.url).pathname,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          PORT: String(await freePort()),
          ARCHIVE_DATA_DIR: await dataDir(),
          REDIS_URL: `redis://:a-wrong-secret-1977@127.0.0.1:${port}`,
        },
        encoding: "utf8",
        timeout: 60_000,
      });
      const output = result.stdout + result.stderr;
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("Archive cannot start.");
      expect(result.stderr).toContain("Check REDIS_URL and its password");
      expect(output).not.toContain("archive_started");
      expect(output).not.toContain("a-wrong-secret-1977");
      expect(output).not.toContain("the-right-secret-8842");
      expect(output).not.toMatch(/^\s+at /m);
    } finally {
      server.kill("SIGKILL");
    }
  }, 90_000);
});
