import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passThroughChatStream, type StreamedReply } from "../../functions/chat/stream.js";
import { eventually, post, sseData, startHarness, type Harness } from "../harness.js";

const question = [{ role: "user", content: "Explain how tides work near estuaries" }];

describe("streaming pass-through", () => {
  let harness: Harness;

  beforeAll(async () => {
    // Pinned ids and clock: the engine's bytes are then the same for the same prompt.
    harness = await startHarness({ functions: ["chat"], engine: { createId: () => "pinned", now: () => 1_700_000_000_000 } });
  });
  afterAll(() => harness.close());

  it("forwards the engine's bytes unchanged after one leading archive frame, [DONE] and usage included", async () => {
    const body = { messages: question, stream: true, stream_options: { include_usage: true }, max_tokens: 200 };
    const direct = await fetch(`${harness.engine.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, model: harness.engine.engine.model }),
    });
    const directText = await direct.text();

    const response = await harness.app.request("/v1/chat/completions", post(body));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const [leading, ...rest] = text.split(/(?<=\n\n)/);
    expect(JSON.parse(leading?.slice("data: ".length) ?? "")).toMatchObject({ id: "chatcmpl-pinned", choices: [], archive: { session_id: null } });
    expect(rest.join("")).toBe(directText);

    const events = sseData(text);
    expect(events.at(-1)).toBe("[DONE]");
    const usage = JSON.parse(events.at(-2) ?? "{}");
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBeGreaterThan(0);
  });
});

describe("client disconnects", () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ functions: ["chat"], engine: { tokenDelayMs: 40 } });
  });
  afterAll(() => harness.close());

  it("cancelling the stream cancels the engine's request and saves no half answer", async () => {
    const engine = harness.engine.engine;
    const aborted = engine.stats.aborted;
    const response = await harness.app.request("/v1/chat/completions", post({ messages: question, stream: true, session_id: "cut-short" }));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the leading frame and the first engine chunk
    await reader.read();
    expect(engine.stats.inFlight).toBe(1);
    await reader.cancel();
    await eventually(() => engine.stats.aborted === aborted + 1);
    expect(engine.stats.inFlight).toBe(0);
    expect(await harness.redis.exists(`${harness.prefix}:t:alice:chat:history:cut-short`)).toBe(0);
  });

  it("a client that aborts a non-streamed request cancels the engine's generation, quietly", async () => {
    const engine = harness.engine.engine;
    const aborted = engine.stats.aborted;
    const controller = new AbortController();
    const pending = harness.app.request("/v1/chat/completions", { ...post({ messages: question }), signal: controller.signal });
    await eventually(() => engine.stats.inFlight === 1);
    controller.abort();
    const response = await pending;
    expect(response.status).toBe(499);
    await eventually(() => engine.stats.aborted === aborted + 1);
    expect(harness.logs.filter((line) => line.event === "request_failed")).toEqual([]);
  });

  it("a client that aborts mid-stream (without cancelling the body) cancels the engine too", async () => {
    const engine = harness.engine.engine;
    const aborted = engine.stats.aborted;
    const controller = new AbortController();
    const response = await harness.app.request("/v1/chat/completions", { ...post({ messages: question, stream: true }), signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await eventually(() => engine.stats.aborted === aborted + 1);
    await expect(async () => {
      for (;;) if ((await reader.read()).done) break;
    }).rejects.toThrow();
  });
});

describe("passThroughChatStream", () => {
  const encoder = new TextEncoder();
  const chunk = (content: string) =>
    `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 7, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
  const upstream = (pieces: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(encoder.encode(piece));
        controller.close();
      },
    });
  const run = async (pieces: string[]) => {
    const replies: StreamedReply[] = [];
    const stream = passThroughChatStream(upstream(pieces), {
      leading: { archive: { session_id: "s" } },
      fallback: { id: "fallback", created: 1, model: "fallback" },
      onComplete: async (reply) => {
        replies.push(reply);
      },
    });
    return { text: await new Response(stream).text(), replies };
  };

  it("puts the leading frame before the first event even when that event spans several reads", async () => {
    const body = chunk("Hel") + chunk("lo") + "data: [DONE]\n\n";
    const { text, replies } = await run([body.slice(0, 10), body.slice(10, 40), body.slice(40)]);
    const [leading, ...rest] = text.split(/(?<=\n\n)/);
    expect(JSON.parse(leading?.slice(6) ?? "")).toEqual({ id: "c1", object: "chat.completion.chunk", created: 7, model: "m", choices: [], archive: { session_id: "s" } });
    expect(rest.join("")).toBe(body);
    expect(replies).toEqual([{ content: "Hello", usage: undefined }]);
  });

  it("reports nothing for a stream without [DONE] or with an error event, and still forwards every byte", async () => {
    const cut = await run([chunk("partial")]);
    expect(cut.replies).toEqual([]);
    // Every byte the engine sent, then one error event so the client knows the reply is cut short.
    expect(cut.text).toContain(chunk("partial"));
    expect(JSON.parse(sseData(cut.text).at(-1) ?? "")).toMatchObject({ error: { code: "engine_stream_broken", type: "server_error" } });
    const failed = await run([chunk("a"), `data: ${JSON.stringify({ error: { message: "engine died" } })}\n\n`, "data: [DONE]\n\n"]);
    expect(failed.replies).toEqual([]);
    expect(failed.text).toContain("engine died");
  });

  it("ends a stream whose engine connection breaks with an error event, not a reset", async () => {
    let pulls = 0;
    const breaking = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(encoder.encode(chunk("half an")));
        else controller.error(new TypeError("terminated"));
      },
    });
    const text = await new Response(passThroughChatStream(breaking, { leading: { archive: {} }, fallback: { id: "f", created: 1, model: "m" } })).text();
    const events = sseData(text);
    expect(JSON.parse(events[1] ?? "")).toMatchObject({ choices: [{ delta: { content: "half an" } }] });
    expect(JSON.parse(events.at(-1) ?? "")).toMatchObject({ error: { code: "engine_stream_broken" } });
  });

  it("drops bytes that are not server-sent events and sends the error event instead", async () => {
    const { text, replies } = await run(["<html>502 Bad Gateway</html>"]);
    expect(replies).toEqual([]);
    expect(text).not.toContain("<html>");
    expect(JSON.parse(sseData(text).at(-1) ?? "")).toMatchObject({ error: { code: "engine_stream_broken" } });
  });

  it("uses the fallback identity when the stream holds no chunk", async () => {
    const { text } = await run([": keep-alive comment\n\n", "data: [DONE]\n\n"]);
    expect(JSON.parse(sseData(text)[0] ?? "")).toMatchObject({ id: "fallback", model: "fallback", created: 1 });
  });
});
