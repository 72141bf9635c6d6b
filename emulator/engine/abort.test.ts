import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { describe, expect, it, vi } from "vitest";
import { createTestEngine, postJson } from "./test-support.js";

const streamRequest = {
  messages: [{ role: "user", content: "Tell me everything about Berlin, Munich and Hamburg." }],
  stream: true,
};

async function readFirstChunk(response: Response): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = response.body?.getReader();
  if (!reader) throw new Error("response has no body");
  const first = await reader.read();
  expect(first.done).toBe(false);
  expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{/);
  return reader;
}

describe("client aborts", () => {
  it("counts a stream the client aborts through its AbortSignal and stops generating", async () => {
    const engine = createTestEngine({ tokenDelayMs: 40 });
    const controller = new AbortController();
    const response = await postJson(engine, "/v1/chat/completions", streamRequest, controller.signal);
    const reader = await readFirstChunk(response);
    expect(engine.stats.inFlight).toBe(1);

    controller.abort();
    await vi.waitFor(() => expect(engine.stats.aborted).toBe(1));
    expect(engine.stats).toMatchObject({ inFlight: 0, completed: 0 });
    // The body ends without [DONE], which is how an SSE client knows it was cut.
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).not.toContain("[DONE]");
  });

  it("counts a stream whose reader is cancelled", async () => {
    const engine = createTestEngine({ tokenDelayMs: 40 });
    const response = await postJson(engine, "/v1/chat/completions", streamRequest);
    const reader = await readFirstChunk(response);
    await reader.cancel();
    expect(engine.stats).toMatchObject({ aborted: 1, inFlight: 0, completed: 0 });
  });

  it("counts a non-streaming request abandoned while it waits for its first token", async () => {
    const engine = createTestEngine({ firstTokenDelayMs: 5_000 });
    const controller = new AbortController();
    const pending = postJson(engine, "/v1/completions", { prompt: "Hello", max_tokens: 4 }, controller.signal);
    await vi.waitFor(() => expect(engine.stats.inFlight).toBe(1));
    controller.abort();
    await pending.catch(() => undefined);
    await vi.waitFor(() => expect(engine.stats.aborted).toBe(1));
    expect(engine.stats.inFlight).toBe(0);
  });

  it("counts a finished stream as completed, not aborted", async () => {
    const engine = createTestEngine({ tokenDelayMs: 1 });
    const response = await postJson(engine, "/v1/chat/completions", streamRequest);
    expect(await response.text()).toMatch(/data: \[DONE\]\n\n$/);
    expect(engine.stats).toMatchObject({ requests: 1, completed: 1, aborted: 0, inFlight: 0 });
  });

  it("sees a real HTTP client disconnect when served by Node", async () => {
    const engine = createTestEngine({ tokenDelayMs: 40 });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: engine.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const controller = new AbortController();
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(streamRequest),
        signal: controller.signal,
      });
      await readFirstChunk(response);
      controller.abort();
      await vi.waitFor(() => expect(engine.stats.aborted).toBe(1));
      expect(engine.stats).toMatchObject({ inFlight: 0, completed: 0 });
    } finally {
      // Do not wait for the HTTP client's idle keep-alive socket to time out.
      if ("closeAllConnections" in server) server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    }
  });
});
