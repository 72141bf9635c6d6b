import { createOpenAI } from "@ai-sdk/openai";
import { APICallError, generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiKey, model, startArchiveServer, weather, type ArchiveServer } from "./archive-server.js";

let archive: ArchiveServer;
// `provider(model)` would use the Responses API; `.chat()` is the chat-completions model.
let chatModel: ReturnType<ReturnType<typeof createOpenAI>["chat"]>;

beforeAll(async () => {
  archive = await startArchiveServer();
  chatModel = createOpenAI({ baseURL: archive.baseURL, apiKey }).chat(model);
}, 60_000);
afterAll(() => archive?.close());

describe("client: Vercel AI SDK (ai + @ai-sdk/openai, .chat() model)", () => {
  it("chat", async () => {
    const result = await generateText({ model: chatModel, prompt: "Tell me about pelicans", maxRetries: 0 });
    expect(result.text).toContain("pelicans");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it("stream with usage", async () => {
    const result = streamText({ model: chatModel, prompt: "Tell me about pelicans", maxRetries: 0 });
    let text = "";
    for await (const part of result.textStream) text += part;
    expect(text).toContain("pelicans");
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
  });

  it("tool call round trip: tool call → tool result → final answer", async () => {
    const result = await generateText({
      model: chatModel,
      prompt: "Please use get_weather for Lisbon",
      tools: { [weather.name]: tool({ description: weather.description, inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => weather.answer(city) }) },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({ toolName: weather.name, input: { city: "Lisbon" } });
    expect(result.steps[0]?.toolResults[0]).toMatchObject({ output: weather.answer("Lisbon") });
    expect(result.text).toContain(weather.answer("Lisbon"));
  });

  it("structured output (generateObject)", async () => {
    const book = z.object({ title: z.string(), year: z.number().int().min(1900).max(2100), genres: z.array(z.string()) });
    const result = await generateObject({ model: chatModel, schema: book, prompt: "Describe the novel Dune", maxRetries: 0 });
    expect(book.safeParse(result.object).success).toBe(true);
    // It asked for the schema through response_format, and Archive passed it on.
    const sent = archive.engine.received.at(-1)?.body.response_format as { type: string } | undefined;
    expect(sent?.type).toBe("json_schema");
  });

  it("errors map to the SDK's APICallError with the status", async () => {
    const wrongKey = createOpenAI({ baseURL: archive.baseURL, apiKey: "wrong-key-0123456789" }).chat(model);
    const unauthorized = await generateText({ model: wrongKey, prompt: "Hi", maxRetries: 0 }).catch((error: unknown) => error);
    expect(APICallError.isInstance(unauthorized)).toBe(true);
    expect(unauthorized).toMatchObject({ statusCode: 401, isRetryable: false });
    const missing = await generateText({ model: createOpenAI({ baseURL: archive.baseURL, apiKey }).chat("no-such-model"), prompt: "Hi", maxRetries: 0 }).catch((error: unknown) => error);
    expect(APICallError.isInstance(missing)).toBe(true);
    expect(missing).toMatchObject({ statusCode: 404 });
    const refused = await generateText({ model: chatModel, prompt: "Hi", maxRetries: 0, providerOptions: { openai: { store: true } } }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 400, message: expect.stringContaining("store") });
  });
});
