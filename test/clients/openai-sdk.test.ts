import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey, bookJsonSchema, model, startArchiveServer, weather, type ArchiveServer } from "./archive-server.js";

let archive: ArchiveServer;
let client: OpenAI;

beforeAll(async () => {
  archive = await startArchiveServer();
  client = new OpenAI({ baseURL: archive.baseURL, apiKey, maxRetries: 0 });
}, 60_000);
afterAll(() => archive?.close());

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: "function",
    function: { name: weather.name, description: weather.description, parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
  },
];

describe("client: openai SDK", () => {
  it("chat", async () => {
    const completion = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Tell me about pelicans" }] });
    expect(completion.choices[0]?.message.content).toContain("pelicans");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("stream with usage", async () => {
    const stream = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Tell me about pelicans" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toContain("pelicans");
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("tool call round trip: tool call → tool result → final answer", async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "Please use get_weather for Lisbon" }];
    const first = await client.chat.completions.create({ model, messages, tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    if (call?.type !== "function") throw new Error("expected a function tool call");
    const { city } = JSON.parse(call.function.arguments) as { city: string };
    expect(city).toBe("Lisbon");
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: weather.answer(city) });
    const final = await client.chat.completions.create({ model, messages, tools });
    expect(final.choices[0]?.finish_reason).toBe("stop");
    expect(final.choices[0]?.message.content).toContain(weather.answer("Lisbon"));
    // The engine saw the whole sequence, tool_calls and tool result included.
    const sent = archive.engine.received.at(-1)?.body.messages as { role: string; tool_calls?: unknown; tool_call_id?: string }[];
    expect(sent.map((message) => message.role).slice(-3)).toEqual(["user", "assistant", "tool"]);
    expect(sent.at(-2)?.tool_calls).toEqual(first.choices[0]?.message.tool_calls);
  });

  it("structured output (response_format json_schema, and the SDK's parse helper)", async () => {
    const completion = await client.chat.completions.parse({
      model,
      messages: [{ role: "user", content: "Describe the novel Dune" }],
      response_format: { type: "json_schema", json_schema: { name: "book", schema: bookJsonSchema, strict: true } },
    });
    const book = completion.choices[0]?.message.parsed as { title: string; year: number; genres: string[] } | null;
    expect(book).toEqual({ title: expect.any(String), year: expect.any(Number), genres: expect.any(Array) });
    expect(book!.year).toBeGreaterThanOrEqual(1900);
  });

  it("errors map to the SDK's error classes", async () => {
    const anonymous = new OpenAI({ baseURL: archive.baseURL, apiKey: "wrong-key-0123456789", maxRetries: 0 });
    await expect(anonymous.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const refused = client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }], store: true });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toMatchObject({ status: 400, param: "store", code: "unsupported_parameter" });
    await expect(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "Hi" }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }], temperature: 7 })).rejects.toBeInstanceOf(OpenAI.UnprocessableEntityError);
  });
});
