import { createOpenAI } from "@ai-sdk/openai";
import { AIMessageChunk } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { tool as langchainTool } from "@langchain/core/tools";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import OpenAI, { BadRequestError, NotFoundError, UnprocessableEntityError } from "openai";
import type { FunctionTool, ResponseFunctionToolCall, ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArchiveOverHttp, type ArchiveOverHttp } from "./archive-http.js";

/** `/v1/responses` through the three client libraries, against the emulated engine. */
let archive: ArchiveOverHttp;

beforeAll(async () => {
  archive = await startArchiveOverHttp();
});
afterAll(() => archive?.close());

const sdk = () => new OpenAI({ baseURL: archive.baseUrl, apiKey: archive.apiKey, maxRetries: 0 });

describe("responses: openai SDK", () => {
  it("creates a response and continues it with previous_response_id", async () => {
    const first = await sdk().responses.create({ model: archive.model, input: "Tell me about lighthouses", instructions: "Answer briefly." });
    expect(first.status).toBe("completed");
    expect(first.output_text).toMatch(/\S/);
    const next = await sdk().responses.create({ model: archive.model, input: "Who kept them?", previous_response_id: first.id });
    const fresh = await sdk().responses.create({ model: archive.model, input: "Who kept them?", store: false });
    expect(next.usage!.input_tokens).toBeGreaterThan(fresh.usage!.input_tokens);
  });

  it("goes through the chat path: the user's turn is captured to memory", async () => {
    await sdk().responses.create({ model: archive.model, input: [{ role: "user", content: [{ type: "input_text", text: "My sister lives in Porto" }] }] });
    await expect.poll(() => archive.capturedTurns()).toContain("My sister lives in Porto");
  });

  it("answers with the user's memories retrieved, as chat does (and says so in `archive`)", async () => {
    const remembered = await fetch(`${archive.baseUrl.replace(/\/v1$/, "")}/memories`, {
      method: "POST",
      headers: { authorization: `Bearer ${archive.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "My cat Biscuit is afraid of thunderstorms" }),
    });
    expect(remembered.status).toBe(201);
    const response = await sdk().responses.create({ model: archive.model, input: "Is my cat Biscuit afraid of thunderstorms?" });
    const { archive: info } = response as typeof response & { archive?: { retrieved: { source: string }[] } };
    expect(info?.retrieved).toContainEqual(expect.objectContaining({ source: "memory" }));
    const without = await sdk().responses.create({ model: archive.model, input: "Is my cat Biscuit afraid of thunderstorms?", archive: { retrieval: false } } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(without.usage!.input_tokens).toBeLessThan(response.usage!.input_tokens);
  });

  it("streams through responses.stream(), whose final response matches the deltas", async () => {
    const stream = sdk().responses.stream({ model: archive.model, input: "Describe the sea at night" });
    let deltas = "";
    stream.on("response.output_text.delta", (event) => {
      deltas += event.delta;
    });
    const final = await stream.finalResponse();
    expect(final.status).toBe("completed");
    expect(final.output_text).toBe(deltas);
    expect(deltas).toMatch(/\S/);
  });

  const weather: FunctionTool = {
    type: "function",
    name: "get_weather",
    description: "The current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
    strict: true,
  };

  it("round-trips a function tool: function_call → function_call_output with previous_response_id → final text", async () => {
    const asked = await sdk().responses.create({ model: archive.model, input: "Use get_weather for Lisbon, please", tools: [weather] });
    const call = asked.output.find((item): item is ResponseFunctionToolCall => item.type === "function_call");
    expect(call).toMatchObject({ name: "get_weather", status: "completed", call_id: expect.any(String) });
    expect(JSON.parse(call!.arguments)).toMatchObject({ city: expect.any(String) });
    const answered = await sdk().responses.create({
      model: archive.model,
      previous_response_id: asked.id,
      input: [{ type: "function_call_output", call_id: call!.call_id, output: JSON.stringify({ forecast: "sunny, 24 °C" }) }],
      tools: [weather],
    });
    expect(answered.output.map((item) => item.type)).toEqual(["message"]);
    // The emulated model quotes the tool result it was shown: the call and its output reached it in order.
    expect(answered.output_text).toContain("sunny");
  });

  it("streams a function call as function_call_arguments events", async () => {
    const stream = await sdk().responses.create({ model: archive.model, input: "Call get_weather for Oslo", tools: [weather], tool_choice: { type: "function", name: "get_weather" }, stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types).toContain("response.function_call_arguments.delta");
    const done = events.find((event) => event.type === "response.function_call_arguments.done");
    const completed = events.at(-1);
    if (done?.type !== "response.function_call_arguments.done" || completed?.type !== "response.completed") throw new Error(`unexpected events ${types.join(", ")}`);
    const deltas = events.flatMap((event) => (event.type === "response.function_call_arguments.delta" ? [event.delta] : [])).join("");
    expect(done).toMatchObject({ name: "get_weather", arguments: deltas });
    expect(completed.response.output).toEqual([expect.objectContaining({ type: "function_call", name: "get_weather", arguments: deltas })]);
    expect(types.indexOf("response.output_item.added")).toBeLessThan(types.indexOf("response.function_call_arguments.delta"));
  });

  it("answers in the JSON schema of text.format", async () => {
    const response = await sdk().responses.create({
      model: archive.model,
      input: "Give me a city and its population",
      text: { format: { type: "json_schema", name: "city", strict: true, schema: { type: "object", properties: { name: { type: "string" }, population: { type: "integer" } }, required: ["name", "population"], additionalProperties: false } } },
    });
    const parsed = JSON.parse(response.output_text) as { name: unknown; population: unknown };
    expect(typeof parsed.name).toBe("string");
    expect(Number.isInteger(parsed.population)).toBe(true);
    expect(response.text?.format).toMatchObject({ type: "json_schema", name: "city" });
  });

  it("maps errors to the SDK's classes", async () => {
    const unknown = await sdk().responses.create({ model: archive.model, input: "hi", previous_response_id: "resp_nope" }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown).toMatchObject({ param: "previous_response_id" });
    const unsupported = await sdk().responses.create({ model: archive.model, input: "hi", background: true }).catch((error: unknown) => error);
    expect(unsupported).toBeInstanceOf(BadRequestError);
    expect(unsupported).toMatchObject({ param: "background" });
    const invalid = await sdk().responses.create({ model: archive.model, input: "hi", temperature: 7 }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(UnprocessableEntityError);
    const missingModel = await sdk().responses.create({ model: "gpt-nope", input: "hi" }).catch((error: unknown) => error);
    expect(missingModel).toBeInstanceOf(NotFoundError);
  });
});

describe("responses: Vercel AI SDK (openai(model) calls the Responses API)", () => {
  const provider = () => createOpenAI({ baseURL: archive.baseUrl, apiKey: archive.apiKey });

  it("generateText", async () => {
    const result = await generateText({ model: provider()(archive.model), prompt: "Tell me about the harbour", maxRetries: 0 });
    expect(result.text).toMatch(/\S/);
    expect(result.finishReason).toBe("stop");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.response.id).toMatch(/^resp_/);
  });

  it("streamText", async () => {
    const result = streamText({ model: provider()(archive.model), prompt: "Describe a storm", maxRetries: 0 });
    let text = "";
    for await (const part of result.textStream) text += part;
    expect(text).toMatch(/\S/);
    expect(await result.text).toBe(text);
    expect(await result.finishReason).toBe("stop");
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
  });

  it("runs a tool loop (tool call → result → final text) and generateObject", async () => {
    const calls: string[] = [];
    const result = await generateText({
      model: provider()(archive.model),
      prompt: "Use get_weather for Porto",
      tools: {
        get_weather: tool({
          description: "The current weather in a city",
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => {
            calls.push(city);
            return { forecast: "foggy, 14 °C" };
          },
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(calls).toHaveLength(1);
    expect(result.steps.map((step) => step.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(result.text).toContain("foggy");

    const { object } = await generateObject({
      model: provider()(archive.model),
      schema: z.object({ name: z.string(), rooms: z.number().int() }),
      prompt: "Describe a lighthouse as JSON",
      maxRetries: 0,
    });
    expect(typeof object.name).toBe("string");
    expect(Number.isInteger(object.rooms)).toBe(true);
  });

  it("carries a conversation through previous_response_id", async () => {
    const first = await generateText({ model: provider()(archive.model), prompt: "Remember the word lantern", maxRetries: 0 });
    const second = await generateText({
      model: provider()(archive.model),
      prompt: "Which word?",
      providerOptions: { openai: { previousResponseId: first.response.id } },
      maxRetries: 0,
    });
    const alone = await generateText({ model: provider()(archive.model), prompt: "Which word?", providerOptions: { openai: { store: false } }, maxRetries: 0 });
    expect(second.usage.inputTokens).toBeGreaterThan(alone.usage.inputTokens!);
  });
});

describe("responses: LangChain ChatOpenAI({useResponsesApi: true})", () => {
  const model = () => new ChatOpenAI({ model: archive.model, apiKey: archive.apiKey, configuration: { baseURL: archive.baseUrl }, useResponsesApi: true, maxRetries: 0 });

  it("invokes", async () => {
    const message = await model().invoke("Tell me about lighthouses");
    expect(message.text).toMatch(/\S/);
    expect(message.usage_metadata?.output_tokens).toBeGreaterThan(0);
  });

  it("calls a bound tool and answers from its result", async () => {
    const getWeather = langchainTool(async ({ city }: { city: string }) => `rainy in ${city}`, {
      name: "get_weather",
      description: "The current weather in a city",
      schema: z.object({ city: z.string() }),
    });
    const withTools = model().bindTools([getWeather]);
    const question = "Use get_weather for Bergen";
    const asked = await withTools.invoke(question);
    expect(asked.tool_calls).toEqual([expect.objectContaining({ name: "get_weather", args: expect.objectContaining({ city: expect.any(String) }) })]);
    const result = await getWeather.invoke(asked.tool_calls![0]!);
    const answer = await withTools.invoke([["human", question], asked, result]);
    expect(answer.text).toContain("rainy");
  });

  it("streams", async () => {
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model().stream("Describe the tide")) merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.text).toMatch(/\S/);
  });
});
