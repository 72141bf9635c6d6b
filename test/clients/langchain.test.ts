import { AIMessage, HumanMessage, ToolMessage, type AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiKey, model, startArchiveServer, weather, type ArchiveServer } from "./archive-server.js";

let archive: ArchiveServer;
const chat = (options: { key?: string; model?: string } = {}) =>
  new ChatOpenAI({ model: options.model ?? model, apiKey: options.key ?? apiKey, maxRetries: 0, configuration: { baseURL: archive.baseURL } });

beforeAll(async () => {
  archive = await startArchiveServer();
}, 60_000);
afterAll(() => archive?.close());

describe("client: LangChain (@langchain/openai ChatOpenAI)", () => {
  it("chat", async () => {
    const reply = await chat().invoke("Tell me about pelicans");
    expect(reply.content).toContain("pelicans");
    expect(reply.usage_metadata?.output_tokens).toBeGreaterThan(0);
  });

  it("stream with usage", async () => {
    let text = "";
    let last: AIMessageChunk | undefined;
    for await (const chunk of await chat().stream("Tell me about pelicans")) {
      text += typeof chunk.content === "string" ? chunk.content : "";
      if (chunk.usage_metadata) last = chunk;
    }
    expect(text).toContain("pelicans");
    expect(last?.usage_metadata?.output_tokens).toBeGreaterThan(0);
  });

  it("tool call round trip: tool call → tool result → final answer", async () => {
    const getWeather = tool(async ({ city }: { city: string }) => weather.answer(city), {
      name: weather.name,
      description: weather.description,
      schema: z.object({ city: z.string() }),
    });
    const llm = chat().bindTools([getWeather]);
    const messages: BaseMessage[] = [new HumanMessage("Please use get_weather for Lisbon")];
    const first = await llm.invoke(messages);
    expect(first.tool_calls?.[0]).toMatchObject({ name: weather.name, args: { city: "Lisbon" } });
    messages.push(first);
    for (const call of first.tool_calls ?? []) messages.push((await getWeather.invoke(call)) as ToolMessage);
    const final = await llm.invoke(messages);
    expect(final).toBeInstanceOf(AIMessage);
    expect(final.tool_calls ?? []).toEqual([]);
    expect(final.content).toContain(weather.answer("Lisbon"));
  });

  it("structured output (withStructuredOutput, JSON schema and function calling)", async () => {
    const book = z.object({ title: z.string(), year: z.number().int().min(1900).max(2100), genres: z.array(z.string()) });
    for (const method of ["jsonSchema", "functionCalling"] as const) {
      const result = await chat().withStructuredOutput(book, { name: "book", method }).invoke("Describe the novel Dune");
      expect({ method, ok: book.safeParse(result).success }).toEqual({ method, ok: true });
    }
  });

  it("errors surface as the openai SDK's error classes, with LangChain's error codes", async () => {
    const unauthorized = await chat({ key: "wrong-key-0123456789" }).invoke("Hi").catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(unauthorized).toMatchObject({ status: 401, lc_error_code: "MODEL_AUTHENTICATION" });
    const missing = await chat({ model: "no-such-model" }).invoke("Hi").catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404, lc_error_code: "MODEL_NOT_FOUND" });
    const bad = await new ChatOpenAI({ model, apiKey, maxRetries: 0, configuration: { baseURL: archive.baseURL }, modelKwargs: { store: true } }).invoke("Hi").catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad).toMatchObject({ status: 400, param: "store" });
  });
});
