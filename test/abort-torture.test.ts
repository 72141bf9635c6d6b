import { request as httpRequest } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulatorProcess, type EmulatorProcess } from "./emulator-process.js";
import { isGenerationProbe, startEngineServer } from "./engine-server.js";

/**
 * Abort torture (issue 10): clients that disconnect at every possible moment must never take the
 * `npm start` process down. The engine runs in this test process so its counters show what it saw.
 */
type Engine = Awaited<ReturnType<typeof startEngineServer>>;

// Few engine slots, so part of the requests wait in the pool's queue when their client leaves.
const concurrency = 4;

/**
 * Two engines, one process each: a slow one, so every disconnect comes before the reply is complete
 * (each engine request must be cancelled), and an instant one, whose whole reply is already in
 * Archive's buffers while the client leaves (the race that crashed `npm start`: the engine's `end`
 * arriving after the client's abort).
 */
const engines = [
  { name: "a slow engine: every engine request is cancelled", tokenDelayMs: 25, firstTokenDelayMs: 30, cancelsAll: true },
  { name: "an instant engine: replies end while clients leave", tokenDelayMs: 0, firstTokenDelayMs: 0, cancelsAll: false },
];

/** Where the client goes away. */
type Disconnect = { at: "before-headers"; afterMs: number } | { at: "headers" } | { at: "chunk"; chunks: number };

/** A streamed chat request over a raw socket, destroyed at `disconnect`; resolves once the socket is gone. */
function abandonedStream(baseUrl: string, index: number, disconnect: Disconnect): Promise<void> {
  return new Promise((resolve) => {
    const body = JSON.stringify({
      messages: [{ role: "user", content: `Question ${index}: tell me about Lisbon, Porto and the Douro valley.` }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const outgoing = httpRequest(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      agent: false,
    });
    outgoing.on("error", () => undefined); // our own destroy
    outgoing.on("close", () => resolve());
    if (disconnect.at === "before-headers") setTimeout(() => outgoing.destroy(), disconnect.afterMs);
    outgoing.on("response", (response) => {
      response.on("error", () => undefined);
      if (disconnect.at === "headers") {
        outgoing.destroy();
        return;
      }
      let seen = 0;
      response.on("data", () => {
        seen += 1;
        if (disconnect.at === "chunk" && seen >= disconnect.chunks) outgoing.destroy();
      });
    });
    outgoing.end(body);
  });
}

/** Deterministic spread of disconnect points (no Math.random: a failure must be reproducible). */
function disconnectFor(index: number): Disconnect {
  switch (index % 4) {
    case 0:
      // From "the body is still on its way" through retrieval to the queue wait.
      return { at: "before-headers", afterMs: (index * 7) % 40 };
    case 1:
      return { at: "headers" };
    default:
      return { at: "chunk", chunks: 1 + (index % 5) };
  }
}

interface Metrics {
  requests: { by_status: Record<string, number> };
}

describe.each(engines)("abort torture against `npm start` with $name", ({ tokenDelayMs, firstTokenDelayMs, cancelsAll }) => {
  let engine: Engine;
  let emulator: EmulatorProcess;
  let dataDir: string;

  beforeAll(async () => {
    // Recorded, to tell the pool's generation probe (an idle endpoint's one token) from clients' chats.
    engine = await startEngineServer({ tokenDelayMs, firstTokenDelayMs }, undefined, { record: true });
    dataDir = await mkdtemp(join(tmpdir(), "archive-abort-"));
    emulator = await startEmulatorProcess({
      ARCHIVE_DATA_DIR: dataDir,
      INFERENCE_ENDPOINTS: `${engine.url}#${concurrency}`,
      INFERENCE_QUEUE_SIZE: "1000",
      // Retrieval and memory scoring embed through the engine: the same work per request, without
      // loading the local model into the process (the torture is about aborts, not embeddings).
      EMBEDDINGS: "pool",
      EMBEDDINGS_MODEL: "archive-emulated-1",
    });
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
    await engine?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("200 streamed requests disconnected at chosen points: the process stays up and healthy, no 5xx, every engine request ends", async () => {
    const total = 200;
    const parallel = 16;
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < total) {
          const index = next++;
          await abandonedStream(emulator.baseUrl, index, disconnectFor(index));
        }
      }),
    );

    // (Memory scoring also calls the engine: only chat counts here. The pool's generation probe is
    // a chat request too, the pool's own, sent at startup to the idle endpoint and always completed.)
    const chat = engine.engine.stats.of("chat");
    await vi.waitFor(() => expect(chat.inFlight).toBe(0), { timeout: 15_000, interval: 50 });
    const probes = engine.received.filter(isGenerationProbe).length;
    expect(chat.requests - probes).toBeGreaterThan(total / 2);
    if (cancelsAll) {
      expect(chat.completed).toBe(probes);
      expect(chat.aborted).toBe(chat.requests - probes);
    } else {
      expect(chat.completed + chat.aborted).toBe(chat.requests);
    }

    expect(emulator.child.exitCode).toBeNull();
    const health = await fetch(`${emulator.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("healthy");

    // The server still answers a client that stays.
    const answer = await fetch(`${emulator.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "Still there?" }] }),
    });
    expect(answer.status).toBe(200);

    const metrics = (await (await fetch(`${emulator.baseUrl}/metrics`)).json()) as Metrics;
    expect(metrics.requests.by_status["5xx"] ?? 0).toBe(0);
    expect(emulator.output()).not.toMatch(/archive_crashed|request_failed|ERR_INVALID_STATE|uncaught/i);
    // Each disconnect Archive noticed is one 499 line: at least one per cancelled engine request (a
    // socket destroyed before its request was sent never reaches Archive; a reply that ended before
    // its client left needs none).
    const closed = emulator.output().split("\n").filter((line) => line.includes('"event":"client_closed_request"'));
    expect(closed.length).toBeGreaterThanOrEqual(chat.aborted);
    expect(closed.length).toBeLessThanOrEqual(total);
    expect(closed.every((line) => line.includes('"status":499'))).toBe(true);
    // A client that left before the reply started is counted as 499 (client closed request).
    if (cancelsAll) expect(metrics.requests.by_status["4xx"] ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
