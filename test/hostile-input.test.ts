import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulatorProcess, type EmulatorProcess } from "./emulator-process.js";
import { tempDataDirs } from "./temp-dirs.js";
import { decompressionBombPdf, manyPagesPdf } from "./hostile-pdfs.js";

/**
 * Input an attacker controls, against a real `npm start`: nothing may stall other requests, and
 * every bad input gets a 4xx with a problem body.
 */
const key = "hostile-suite-key-1";
const auth = { authorization: `Bearer ${key}` };
let emulator: EmulatorProcess;
const dataDir = tempDataDirs("archive-hostile-");

beforeAll(async () => {
  emulator = await startEmulatorProcess({ ARCHIVE_DATA_DIR: await dataDir(), ARCHIVE_API_KEYS: `${key}:mallory`, LIBRARY_EXTRACT_TIMEOUT_MS: "8000" });
}, 60_000);

afterAll(async () => {
  await emulator?.stop("SIGTERM");
});

/**
 * Polls `/health` back to back while `work` runs. On this shared 2-core box a lone answer can wait
 * a few hundred ms for a core with no fault of the server's, so the bound is on the 95th
 * percentile, with the worst answer held under a second (the fault this guards against froze the
 * server for 7 to 31 s).
 */
async function healthDuring<T>(work: () => Promise<T>): Promise<{ result: T; p95Ms: number; slowestMs: number; polls: number }> {
  let running = true;
  const latencies: number[] = [];
  const poller = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${emulator.baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  try {
    const result = await work();
    running = false;
    await poller;
    latencies.sort((a, b) => a - b);
    const p95Ms = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
    return { result, p95Ms, slowestMs: latencies.at(-1) ?? 0, polls: latencies.length };
  } finally {
    running = false;
  }
}

async function uploadAndWait(filename: string, bytes: Uint8Array) {
  const response = await fetch(`${emulator.baseUrl}/library/documents?filename=${filename}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/pdf" },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  expect(response.status).toBe(202);
  const { status_url: statusUrl } = (await response.json()) as { status_url: string };
  const deadline = Date.now() + 90_000;
  for (;;) {
    const status = (await (await fetch(`${emulator.baseUrl}${statusUrl}`, { headers: auth })).json()) as {
      state: string;
      error?: { code: string; message: string };
    };
    if (status.state === "completed" || status.state === "failed") return status;
    if (Date.now() > deadline) throw new Error(`job still ${status.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("hostile input", () => {
  it("a decompression-bomb PDF (514 KB → 48 Mi operators) fails its job with a reason; /health keeps answering (p95 < 500 ms)", async () => {
    const bomb = await decompressionBombPdf(48 << 20);
    const { result, p95Ms, slowestMs, polls } = await healthDuring(() => uploadAndWait("bomb.pdf", bomb));
    expect(result.state).toBe("failed");
    expect(result.error).toMatchObject({ code: "pdf_over_budget", message: expect.stringContaining("operators") });
    expect(polls).toBeGreaterThan(0);
    // /health runs real checks (a sandbox program at most every 10 s, an embedding) beside the other
    // test files on two cores; the freeze this guards against was 21–31 s.
    expect(p95Ms).toBeLessThan(500);
    expect(slowestMs).toBeLessThan(2000);
  }, 120_000);

  it("a 10,000-page PDF finishes or fails within its budget; /health keeps answering (p95 < 500 ms)", async () => {
    const { result, p95Ms, slowestMs, polls } = await healthDuring(() => uploadAndWait("ledger.pdf", manyPagesPdf(10_000)));
    expect(["completed", "failed"]).toContain(result.state);
    if (result.state === "failed") expect(result.error?.code).toBe("extract_timeout");
    expect(polls).toBeGreaterThan(10);
    // A bound for the freeze it guards against (21–31 s), with room for two cores shared with a CPU burner.
    expect(p95Ms).toBeLessThan(500);
    expect(slowestMs).toBeLessThan(2000);
  }, 120_000);

  it("metadata nested 5,000 deep (a 10 KB body) is a 4xx, not a stack overflow", async () => {
    const metadata = `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`;
    const response = await fetch(`${emulator.baseUrl}/memories`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: `{"message":"deep","metadata":${metadata}}`,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ code: "json_too_deep" });
  });

  it("metadata within the body's depth but deeper than metadata allows is a 422 naming the field", async () => {
    let metadata: unknown = "leaf";
    for (let level = 0; level < 12; level++) metadata = { nested: metadata };
    const response = await fetch(`${emulator.baseUrl}/memories`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ message: "deep", metadata }),
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ errors: [{ path: "metadata" }] });
  });

  it("a 60 KB URL gets a problem+json answer (431), and a 10 KB one 414", async () => {
    const huge = await fetch(`${emulator.baseUrl}/memories?q=${"x".repeat(60_000)}`, { headers: auth });
    expect(huge.status).toBe(431);
    expect(huge.headers.get("content-type")).toBe("application/problem+json");
    expect(await huge.json()).toMatchObject({ status: 431, code: "headers_too_large" });

    const long = await fetch(`${emulator.baseUrl}/memories?q=${"x".repeat(10_000)}`, { headers: auth });
    expect(long.status).toBe(414);
    expect(await long.json()).toMatchObject({ status: 414, code: "uri_too_long" });
  });

  it("only the mounted health paths skip auth: DELETE /memories/health without a key is 401", async () => {
    const sneaky = await fetch(`${emulator.baseUrl}/memories/health`, { method: "DELETE" });
    expect(sneaky.status).toBe(401);
    const writeToHealth = await fetch(`${emulator.baseUrl}/memory/health`, { method: "DELETE" });
    expect(writeToHealth.status).toBe(401);
    expect((await fetch(`${emulator.baseUrl}/memory/health`)).status).toBe(200);
    expect((await fetch(`${emulator.baseUrl}/health`)).status).toBe(200);
    expect((await fetch(`${emulator.baseUrl}/memories`)).status).toBe(401);
  });

  it("a client that disconnects mid-upload is a 499, not a logged 500", async () => {
    const before = (await (await fetch(`${emulator.baseUrl}/metrics`)).json()) as { requests: { by_status: Record<string, number> } };
    const { port } = new URL(emulator.baseUrl);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /library/documents?filename=cut.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n`,
        );
        socket.write("x".repeat(10_000), () => setTimeout(() => socket.destroy(), 200));
      });
      socket.on("close", () => resolve());
      socket.on("error", () => undefined);
    });
    let after = before;
    for (let attempt = 0; attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = (await (await fetch(`${emulator.baseUrl}/metrics`)).json()) as typeof before;
      if ((after.requests.by_status["4xx"] ?? 0) > (before.requests.by_status["4xx"] ?? 0)) break;
    }
    expect(after.requests.by_status["4xx"] ?? 0).toBeGreaterThan(before.requests.by_status["4xx"] ?? 0);
    expect(after.requests.by_status["5xx"] ?? 0).toBe(before.requests.by_status["5xx"] ?? 0);
    expect(emulator.output()).not.toContain('"event":"request_failed"');
  });
});
