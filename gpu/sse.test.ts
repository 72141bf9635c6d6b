import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "./openai-types.js";
import { createSseDecoder, observeChatCompletionStream, readChatCompletionChunks } from "./sse.js";

const encoder = new TextEncoder();

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

const chunk = (content: string): ChatCompletionChunk => ({
  id: "c1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
});
const usageChunk: ChatCompletionChunk = {
  id: "c1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};
const wire = [chunk("Hel"), chunk("lo ✓"), usageChunk].map((value) => `data: ${JSON.stringify(value)}\n\n`).join("") + "data: [DONE]\n\n";

/** Every way of cutting `text` into two pieces, as a network might. */
const splits = (text: string) => Array.from({ length: text.length + 1 }, (_, index) => [text.slice(0, index), text.slice(index)]);

describe("SSE decoding", () => {
  it("yields the same events however the bytes are split (incl. inside a multi-byte character)", () => {
    const bytes = encoder.encode(wire);
    const expected = createSseDecoder().push(bytes);
    expect(expected.map((event) => event.data).at(-1)).toBe("[DONE]");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = createSseDecoder();
      const events = [...decoder.push(bytes.slice(0, cut)), ...decoder.push(bytes.slice(cut)), ...decoder.end()];
      expect(events).toEqual(expected);
    }
  });

  it("follows the event-stream rules: CRLF and CR, comments, multi-line data, event and id fields", () => {
    for (const [first, second] of splits(": keep-alive\r\nevent: note\r\nid: 7\r\ndata: a\rdata:b\r\n\r\ndata: last\n\n")) {
      const decoder = createSseDecoder();
      const events = [...decoder.push(encoder.encode(first!)), ...decoder.push(encoder.encode(second!)), ...decoder.end()];
      expect(events).toEqual([
        { event: "note", id: "7", data: "a\nb" },
        { id: "7", data: "last" },
      ]);
    }
  });

  it("drops an event that was never terminated by a blank line", () => {
    const decoder = createSseDecoder();
    expect(decoder.push(encoder.encode("data: half"))).toEqual([]);
    expect(decoder.end()).toEqual([]);
  });

  it("reads chat completion chunks up to [DONE]", async () => {
    const chunks = [];
    for await (const value of readChatCompletionChunks(streamOf([wire, "data: ignored-after-done\n\n"]))) chunks.push(value);
    expect(chunks.map((value) => value.choices[0]?.delta.content ?? null)).toEqual(["Hel", "lo ✓", null]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(7);
  });
});

describe("observing a stream on its way through", () => {
  it("passes the bytes through unchanged and reports content, usage and completion", async () => {
    const seen: string[] = [];
    const ends: boolean[] = [];
    let usage: ChatCompletionChunk["usage"];
    const parts = [wire.slice(0, 17), wire.slice(17, 90), wire.slice(90)];
    const observed = observeChatCompletionStream(streamOf(parts), {
      onChunk: (value) => {
        if (value.usage) usage = value.usage;
        const content = value.choices[0]?.delta.content;
        if (content) seen.push(content);
      },
      onEnd: (completed) => ends.push(completed),
    });
    expect(await new Response(observed).text()).toBe(wire);
    expect(seen.join("")).toBe("Hello ✓");
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    expect(ends).toEqual([true]);
  });

  it("reports an incomplete stream and cancels the upstream when the reader cancels", async () => {
    let upstreamCancelled = false;
    const upstream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk("x"))}\n\n`));
      },
      cancel() {
        upstreamCancelled = true;
      },
    });
    const ends: boolean[] = [];
    const observed = observeChatCompletionStream(upstream, { onEnd: (completed) => ends.push(completed) });
    const reader = observed.getReader();
    await reader.read();
    await reader.cancel();
    expect(upstreamCancelled).toBe(true);
    expect(ends).toEqual([false]);
  });
});
