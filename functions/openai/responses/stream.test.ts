import { describe, expect, it } from "vitest";
import { createSseDecoder } from "../../../gpu/sse.js";
import { frameOf } from "./render.js";
import { createResponseRequestSchema } from "./schema.js";
import { responsesEventStream, type ResponsesStreamOptions } from "./stream.js";

const encoder = new TextEncoder();
const frame = frameOf(createResponseRequestSchema({ maxTokens: 100 }).parse({ input: "hi" }), {
  id: "resp_test",
  createdAt: 0,
  model: "m",
});

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;

function upstreamOf(frames: string[], options: { onCancel?: () => void } = {}) {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = frames[index++];
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
    cancel: () => options.onCancel?.(),
  });
}

async function eventsOf(stream: ReadableStream<Uint8Array>) {
  const decoder = createSseDecoder();
  const events: { event?: string; data: Record<string, unknown> }[] = [];
  for await (const bytes of stream) for (const event of decoder.push(bytes)) events.push({ event: event.event, data: JSON.parse(event.data) as Record<string, unknown> });
  return events;
}

const options = (finish: ResponsesStreamOptions["finish"] = async () => undefined): ResponsesStreamOptions => {
  let next = 0;
  return { frame, ids: { next: () => String(next++) }, now: () => 1000, finish };
};

describe("responses event stream", () => {
  it("names every event in both the SSE `event:` field and `type`, and numbers them", async () => {
    const events = await eventsOf(responsesEventStream(upstreamOf([chunk({ content: "Hel" }), chunk({ content: "lo" }), "data: [DONE]\n\n"]), options()));
    expect(events.every(({ event, data }) => event === data.type)).toBe(true);
    expect(events.map(({ data }) => data.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.at(-1)?.data).toMatchObject({ type: "response.completed", response: { status: "completed", output: [{ type: "message", content: [{ text: "Hello" }] }] } });
  });

  it("ends with error and response.failed when the engine's stream breaks off (no [DONE]), storing nothing", async () => {
    let stored = false;
    const events = await eventsOf(responsesEventStream(upstreamOf([chunk({ content: "Half an ans" })]), options(async () => {
      stored = true;
    })));
    expect(events.slice(-2).map(({ data }) => data.type)).toEqual(["error", "response.failed"]);
    expect(events.at(-1)?.data).toMatchObject({ response: { status: "failed", error: { code: "server_error" } } });
    expect(stored).toBe(false);
  });

  it("reports an engine error event as a failed response", async () => {
    const events = await eventsOf(responsesEventStream(upstreamOf([chunk({ content: "a" }), `data: ${JSON.stringify({ error: { message: "CUDA out of memory" } })}\n\n`, "data: [DONE]\n\n"]), options()));
    expect(events.at(-1)?.data).toMatchObject({ type: "response.failed", response: { error: { message: "CUDA out of memory" } } });
  });

  it("says incomplete, not completed, when the reply stopped at max_output_tokens", async () => {
    const stopped = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "length" }] })}\n\n`;
    const events = await eventsOf(responsesEventStream(upstreamOf([chunk({ content: "Once upon" }), stopped, "data: [DONE]\n\n"]), options()));
    expect(events.at(-1)?.data).toMatchObject({ type: "response.incomplete", response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [{ status: "incomplete" }] } });
  });

  it("fails the response when it cannot be stored, instead of completing one that cannot be continued", async () => {
    const events = await eventsOf(responsesEventStream(upstreamOf([chunk({ content: "ok" }), "data: [DONE]\n\n"]), options(() => Promise.reject(new Error("redis down")))));
    expect(events.map(({ data }) => data.type)).not.toContain("response.completed");
    expect(events.at(-1)?.data).toMatchObject({ type: "response.failed" });
  });

  it("cancels the engine's stream when the client goes away", async () => {
    let cancelled = false;
    const stream = responsesEventStream(upstreamOf([chunk({ content: "a" }), chunk({ content: "b" })], { onCancel: () => (cancelled = true) }), options());
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel(new Error("client left"));
    expect(cancelled).toBe(true);
  });

  it("keeps the text of a message and the tool calls after it as separate output items", async () => {
    const call = (index: number, delta: Record<string, unknown>) => chunk({ tool_calls: [{ index, ...delta }] });
    const events = await eventsOf(responsesEventStream(upstreamOf([
      chunk({ content: "Checking." }),
      call(0, { id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }),
      call(0, { function: { arguments: '{"city":' } }),
      call(0, { function: { arguments: '"Oslo"}' } }),
      call(1, { id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } }),
      "data: [DONE]\n\n",
    ]), options()));
    const completed = events.at(-1)?.data as { response: { output: Record<string, unknown>[] } };
    expect(completed.response.output).toEqual([
      expect.objectContaining({ type: "message", status: "completed" }),
      expect.objectContaining({ type: "function_call", call_id: "call_a", name: "get_weather", arguments: '{"city":"Oslo"}', status: "completed" }),
      expect.objectContaining({ type: "function_call", call_id: "call_b", name: "get_time", arguments: "{}" }),
    ]);
    const types = events.map(({ data }) => data.type);
    // The message is closed before the first call is added.
    expect(types.indexOf("response.output_item.done")).toBeLessThan(types.lastIndexOf("response.output_item.added"));
  });
});
