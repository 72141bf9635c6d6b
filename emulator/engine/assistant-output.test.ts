import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { instanceOf } from "./schema-instance.js";
import { createTestEngine, engineOrigin, parseSseJson, postJson } from "./test-support.js";

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["city", "unit"] },
  },
};
const ask = { role: "user", content: "Please use get_weather for Lisbon." };

type Completion = {
  choices: { index: number; message: { content: string | null; tool_calls: { id: string; type: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[];
  usage: { completion_tokens: number };
};

/** A JSON Schema validator (zod reads JSON Schema). */
const validator = (schema: unknown) => z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);

const client = (engineFetch: (request: Request) => Promise<Response>) =>
  new OpenAI({ apiKey: "unused", baseURL: `${engineOrigin}/v1`, maxRetries: 0, fetch: (input, init) => engineFetch(new Request(input, init)) });

describe("the emulated engine's tool calls", () => {
  it("calls a tool the prompt names, with arguments that match its parameters", async () => {
    const engine = createTestEngine();
    const body = (await (await postJson(engine, "/v1/chat/completions", { messages: [ask], tools: [weatherTool] })).json()) as Completion;
    const choice = body.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls[0]!;
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(call.id).toMatch(/^chatcmpl-tool-/);
    const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
    expect(validator(weatherTool.function.parameters).safeParse(args).success).toBe(true);
    expect(args.city).toBe("Lisbon");
  });

  it("answers in text when no tool is named, when tool_choice is none, and after a tool result", async () => {
    const engine = createTestEngine();
    const plain = (await (await postJson(engine, "/v1/chat/completions", { messages: [{ role: "user", content: "Hello there" }], tools: [weatherTool] })).json()) as Completion;
    expect(plain.choices[0]?.finish_reason).toBe("stop");
    const none = (await (await postJson(engine, "/v1/chat/completions", { messages: [ask], tools: [weatherTool], tool_choice: "none" })).json()) as Completion;
    expect(none.choices[0]?.message.content).toEqual(expect.any(String));

    const history = [
      ask,
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Lisbon"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "22 degrees and sunny" },
    ];
    const final = (await (await postJson(engine, "/v1/chat/completions", { messages: history, tools: [weatherTool] })).json()) as Completion;
    expect(final.choices[0]?.finish_reason).toBe("stop");
    expect(final.choices[0]?.message.content).toContain("22 degrees and sunny");
  });

  it("is forced by tool_choice, and refuses a forced choice without tools as vLLM does", async () => {
    const engine = createTestEngine();
    const forced = { type: "function", function: { name: "get_weather" } };
    const body = (await (await postJson(engine, "/v1/chat/completions", { messages: [{ role: "user", content: "Hi" }], tools: [weatherTool], tool_choice: forced })).json()) as Completion;
    expect(body.choices[0]?.message.tool_calls[0]?.function.name).toBe("get_weather");
    const required = (await (await postJson(engine, "/v1/chat/completions", { messages: [{ role: "user", content: "Hi" }], tools: [weatherTool], tool_choice: "required" })).json()) as Completion;
    expect(required.choices[0]?.finish_reason).toBe("tool_calls");
    const refused = await postJson(engine, "/v1/chat/completions", { messages: [{ role: "user", content: "Hi" }], tool_choice: "required" });
    expect(refused.status).toBe(400);
  });

  it("streams a tool call in pieces the openai SDK reassembles", async () => {
    const engine = createTestEngine();
    const runner = client(engine.fetch).chat.completions.stream({
      model: "archive-emulated-1",
      messages: [{ role: "user", content: "Use get_weather for Porto." }],
      tools: [weatherTool as OpenAI.Chat.Completions.ChatCompletionFunctionTool],
    });
    const completion = await runner.finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" ? JSON.parse(call.function.arguments) : undefined).toMatchObject({ city: "Porto" });
  });
});

describe("the emulated engine's structured output and n", () => {
  const schema = {
    type: "object",
    properties: {
      title: { type: "string", minLength: 3 },
      year: { type: "integer", minimum: 1900, maximum: 2100 },
      tags: { type: "array", items: { type: "string" }, minItems: 2 },
      rating: { anyOf: [{ type: "number", exclusiveMinimum: 0 }, { type: "null" }] },
      author: { $ref: "#/$defs/person" },
      status: { enum: ["draft", "published"] },
    },
    required: ["title", "year", "tags", "rating", "author", "status"],
    additionalProperties: false,
    $defs: { person: { type: "object", properties: { name: { type: "string" }, email: { type: "string", format: "email" } }, required: ["name", "email"] } },
  };

  it("answers response_format json_schema, json_object and vLLM's guided_json with JSON that validates", async () => {
    const engine = createTestEngine();
    const validates = validator(schema);
    for (const extra of [{ response_format: { type: "json_schema", json_schema: { name: "book", schema, strict: true } } }, { guided_json: schema }, { guided_json: JSON.stringify(schema) }]) {
      const body = (await (await postJson(engine, "/v1/chat/completions", { messages: [{ role: "user", content: "Describe the book Dune" }], ...extra })).json()) as Completion;
      const parsed = validates.safeParse(JSON.parse(body.choices[0]?.message.content ?? ""));
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
    const object = (await (await postJson(engine, "/v1/chat/completions", { messages: [{ role: "user", content: "Hi" }], response_format: { type: "json_object" } })).json()) as Completion;
    expect(JSON.parse(object.choices[0]?.message.content ?? "")).toEqual({ answer: expect.any(String) });
  });

  it("fills every kind of schema it is given with a valid instance", () => {
    const cases: unknown[] = [
      { type: "string", format: "date-time" },
      { type: ["string", "null"], maxLength: 2 },
      { type: "array", items: { type: "integer", exclusiveMaximum: 0 }, minItems: 3, maxItems: 3 },
      { allOf: [{ type: "object", properties: { a: { type: "boolean" } }, required: ["a"] }, { properties: { b: { const: 7 } }, required: ["b"] }] },
      { oneOf: [{ type: "null" }, { type: "number", minimum: 2.5 }] },
    ];
    for (const each of cases) {
      const value = instanceOf(each, { words: ["Dune"] });
      expect(validator(each).safeParse(value).success, JSON.stringify({ each, value })).toBe(true);
    }
  });

  it("honours n with n choices, streamed interleaved, and usage for all of them", async () => {
    const engine = createTestEngine();
    const body = (await (await postJson(engine, "/v1/chat/completions", { messages: [{ role: "user", content: "Tell me about Berlin" }], n: 3 })).json()) as Completion;
    expect(body.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    expect(new Set(body.choices.map((choice) => choice.message.content)).size).toBe(1);

    const streamed = parseSseJson(await (await postJson(engine, "/v1/chat/completions", { messages: [{ role: "user", content: "Tell me about Berlin" }], n: 2, stream: true, stream_options: { include_usage: true } })).text());
    const texts = ["", ""];
    for (const chunk of streamed) {
      for (const choice of chunk.choices as { index: number; delta: { content?: string } }[]) texts[choice.index] += choice.delta.content ?? "";
    }
    expect(texts).toEqual([body.choices[0]?.message.content, body.choices[0]?.message.content]);
    expect((streamed.at(-1)?.usage as { completion_tokens: number }).completion_tokens).toBe(body.usage.completion_tokens * 2 / 3);
  });
});
