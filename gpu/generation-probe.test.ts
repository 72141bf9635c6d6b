import { afterEach, describe, expect, it, vi } from "vitest";
import { generationProbeAfterIdleMs } from "./generation-watch.js";
import { createFakeFetch, json, testPoolConfig } from "./fake-fetch.js";
import { createInferencePool } from "./pool.js";

const engine = "http://engine:8000";
const speech = "http://whisper:8000";
const config = testPoolConfig({ model: "m" });

/** An engine that answers /health and a chat completion, and a speech server with no chat route. */
const fake = () =>
  createFakeFetch({
    [engine]: (call) => (call.path === "/health" ? new Response(null, { status: 200 }) : json({ choices: [{ index: 0, message: { role: "assistant", content: "." } }] })),
    [speech]: (call) => (call.path === "/health" ? new Response(null, { status: 200 }) : json({ error: { message: "no such route" } }, 404)),
  });
const chatCalls = (calls: { path: string; method: string }[]) => calls.filter((call) => call.method === "POST" && call.path === "/v1/chat/completions");

describe("the idle generation probe", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("asks an idle chat engine for one token, and never a pool that turned it off", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const engineFetch = fake();
    const speechFetch = fake();
    const chat = createInferencePool({ endpoints: [{ url: engine, maxConcurrency: 1 }], config, fetch: engineFetch.fetch });
    const voice = createInferencePool({ endpoints: [{ url: speech, maxConcurrency: 1 }], config, fetch: speechFetch.fetch, generationProbe: false });
    const stops = [chat.startProbing(), voice.startProbing()];
    try {
      await vi.advanceTimersByTimeAsync(generationProbeAfterIdleMs + 2 * config.probeIntervalMs);
      expect(chatCalls(engineFetch.calls).length).toBeGreaterThanOrEqual(1);
      expect(chatCalls(speechFetch.calls)).toHaveLength(0);
      // The speech server was still probed on /health all along, and is in rotation.
      expect(speechFetch.calls.filter((call) => call.path === "/health").length).toBeGreaterThan(1);
      expect(voice.snapshot().endpoints[0]).toMatchObject({ state: "ready", failures: 0 });
    } finally {
      for (const stop of stops) stop();
      chat.close();
      voice.close();
    }
  });
});
