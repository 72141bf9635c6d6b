import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Retriever } from "../../functions/chat/hooks.js";
import { post, startHarness, type Harness } from "../harness.js";

/**
 * Faithful passthrough (issue 10): every field of OpenAI's chat-completions request either reaches
 * the engine unchanged or is refused with a 400 naming it. The field list is read from the `openai`
 * SDK's own type declarations, so a field a future SDK adds fails this test until it is decided.
 */
function openAIRequestFields(): string[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("openai"));
  const declarations = readFileSync(join(root, "resources/chat/completions/completions.d.ts"), "utf8");
  const start = declarations.indexOf("export interface ChatCompletionCreateParamsBase {");
  const body = declarations.slice(start, declarations.indexOf("\n}", start));
  return [...body.matchAll(/^ {4}([a-z_]+)\??:/gm)].map((match) => match[1]!);
}

const model = "archive-emulated-1";
const weatherTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

type Fate = "passed" | "refused";
/** A value a client might send for each field, what Archive does with it, and fields it needs beside it. */
const samples: Record<string, { value: unknown; fate: Fate; with?: Record<string, unknown> }> = {
  model: { value: model, fate: "passed" },
  audio: { value: { voice: "alloy", format: "mp3" }, fate: "refused" },
  frequency_penalty: { value: 0.5, fate: "passed" },
  function_call: { value: "auto", fate: "refused" },
  functions: { value: [{ name: "f", parameters: { type: "object" } }], fate: "refused" },
  logit_bias: { value: { "50256": -100 }, fate: "passed" },
  logprobs: { value: true, fate: "passed" },
  max_completion_tokens: { value: 32, fate: "passed" },
  max_tokens: { value: 32, fate: "passed" },
  metadata: { value: { team: "blue" }, fate: "refused" },
  modalities: { value: ["text"], fate: "passed" },
  moderation: { value: { model: "omni-moderation-latest" }, fate: "refused" },
  n: { value: 2, fate: "passed" },
  parallel_tool_calls: { value: false, fate: "passed", with: { tools: [weatherTool] } },
  prediction: { value: { type: "content", content: "Hello" }, fate: "refused" },
  presence_penalty: { value: -0.5, fate: "passed" },
  prompt_cache_key: { value: "conversation-7", fate: "passed" },
  prompt_cache_options: { value: { mode: "explicit" }, fate: "refused" },
  prompt_cache_retention: { value: "24h", fate: "refused" },
  reasoning_effort: { value: "low", fate: "passed" },
  response_format: { value: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", properties: { a: { type: "string" } } } } }, fate: "passed" },
  safety_identifier: { value: "user-hash-1", fate: "passed" },
  seed: { value: 7, fate: "passed" },
  service_tier: { value: "flex", fate: "refused" },
  stop: { value: ["\n\n", "END"], fate: "passed" },
  store: { value: true, fate: "refused" },
  stream: { value: false, fate: "passed" },
  stream_options: { value: { include_usage: true }, fate: "passed", with: { stream: true } },
  temperature: { value: 0.2, fate: "passed" },
  tool_choice: { value: { type: "function", function: { name: "get_weather" } }, fate: "passed", with: { tools: [weatherTool] } },
  tools: { value: [weatherTool], fate: "passed" },
  top_logprobs: { value: 2, fate: "passed", with: { logprobs: true } },
  top_p: { value: 0.9, fate: "passed" },
  user: { value: "alice@example.com", fate: "passed" },
  verbosity: { value: "low", fate: "refused" },
  web_search_options: { value: { search_context_size: "low" }, fate: "refused" },
};

let harness: Harness;
const passages: { text: string }[] = [];
const retriever: Retriever = {
  name: "memory",
  retrieve: async () => passages.map((passage, index) => ({ source: "memory", id: `m${index}`, text: passage.text, similarity: 0.9, citation: {} })),
};

beforeAll(async () => {
  harness = await startHarness({ functions: ["chat"], record: true, seams: { retrievers: [retriever] } });
});
afterAll(() => harness.close());

const hello = [{ role: "user", content: "Hello there" }];

/** Sends `body`; returns the status, the parsed error (if any) and the body the engine received (if any). */
async function send(body: Record<string, unknown>) {
  const before = harness.engine.received.length;
  const response = await harness.app.request("/v1/chat/completions", post(body));
  const text = await response.text();
  const received = harness.engine.received.slice(before).find((request) => request.path === "/v1/chat/completions")?.body;
  const error = response.status >= 400 ? (JSON.parse(text) as { error: { param: string | null; code: string; message: string } }).error : undefined;
  return { status: response.status, error, received };
}

describe("the chat-completions request reaches the engine faithfully", () => {
  it("decides every field of the openai SDK's request type: passed unchanged or refused with a 400 naming it", async () => {
    const fields = openAIRequestFields().filter((field) => field !== "messages");
    expect(fields.length).toBeGreaterThan(30);
    // A field the SDK gained since this table was written must be decided here.
    expect(fields.filter((field) => !(field in samples))).toEqual([]);
    for (const field of fields) {
      const sample = samples[field]!;
      const { status, error, received } = await send({ messages: hello, ...sample.with, [field]: sample.value });
      if (sample.fate === "passed") {
        expect({ field, status, error }).toEqual({ field, status: 200, error: undefined });
        expect({ field, value: received?.[field] }).toEqual({ field, value: sample.value });
      } else {
        expect({ field, status, param: error?.param, code: error?.code }).toEqual({ field, status: 400, param: field, code: "unsupported_parameter" });
        expect(error?.message).toContain(`\`${field}\``);
        expect(received).toBeUndefined();
      }
    }
  });

  it("allows the harmless values of refusable fields", async () => {
    for (const extra of [{ store: false }, { service_tier: "auto" }, { modalities: ["text"] }, { audio: null, functions: null }]) {
      const { status, received } = await send({ messages: hello, ...extra });
      expect({ extra, status }).toEqual({ extra, status: 200 });
      expect(received).toMatchObject(Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== null)));
    }
  });

  it("forwards vLLM's extra parameters unchanged and keeps Archive's own fields to itself", async () => {
    const extras = {
      guided_json: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] },
      chat_template_kwargs: { enable_thinking: false },
      top_k: 20,
      min_p: 0.05,
      repetition_penalty: 1.1,
      skip_special_tokens: false,
    };
    const { status, received } = await send({ messages: hello, ...extras, session_id: "s-extras", archive: { retrieval: false } });
    expect(status).toBe(200);
    expect(received).toMatchObject(extras);
    expect(received).not.toHaveProperty("session_id");
    expect(received).not.toHaveProperty("archive");
  });

  it("passes image and audio parts, named messages, assistant tool_calls and tool results as sent", async () => {
    const messages = [
      { role: "developer", content: "Answer briefly." },
      {
        role: "user",
        name: "alice",
        content: [
          { type: "text", text: "What is in this picture, and what did I say?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
          { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
        ],
      },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Lisbon"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "22 degrees" }] },
    ];
    const { status, received } = await send({ messages, tools: [weatherTool], archive: { retrieval: false } });
    expect(status).toBe(200);
    expect(received?.messages).toEqual(messages);
  });

  it("adds retrieved context without breaking a tool-call sequence", async () => {
    passages.splice(0, passages.length, { text: "The user lives in Lisbon." });
    try {
      const messages = [
        { role: "system", content: "You are helpful." },
        { role: "user", content: "Use get_weather where I live" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_9", type: "function", function: { name: "get_weather", arguments: '{"city":"Lisbon"}' } }] },
        { role: "tool", tool_call_id: "call_9", content: "22 degrees" },
      ];
      const { status, received } = await send({ messages, tools: [weatherTool] });
      expect(status).toBe(200);
      const sent = received?.messages as { role: string; content: unknown }[];
      expect(sent.map((message) => message.role)).toEqual(["system", "system", "user", "assistant", "tool"]);
      expect(String(sent[1]?.content)).toContain("The user lives in Lisbon.");
      expect(sent.slice(2)).toEqual(messages.slice(1));
    } finally {
      passages.splice(0);
    }
  });

  it("refuses legacy function messages and file parts, naming where they are", async () => {
    const legacy = await send({ messages: [...hello, { role: "function", name: "f", content: "1" }] });
    expect(legacy).toMatchObject({ status: 400, error: { param: "messages.1.role", code: "unsupported_parameter" }, received: undefined });
    const file = await send({ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-1" } }] }] });
    expect(file).toMatchObject({ status: 400, error: { param: "messages.0.content.0.type" } });
  });

  it("answers a tool call end to end: the engine's tool_calls reach the client, n > 1 gives n choices", async () => {
    const response = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "Please use get_weather for Porto" }], tools: [weatherTool], n: 2 }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { finish_reason: string; message: { tool_calls: { function: { name: string; arguments: string } }[] } }[] };
    expect(body.choices).toHaveLength(2);
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(JSON.parse(body.choices[0]?.message.tool_calls[0]?.function.arguments ?? "{}")).toEqual({ city: "Porto" });
  });
});
