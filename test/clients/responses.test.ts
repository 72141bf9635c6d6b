import { createOpenAI } from "@ai-sdk/openai";
import { AIMessageChunk } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { generateText, streamText } from "ai";
import OpenAI, { BadRequestError, NotFoundError, UnprocessableEntityError } from "openai";
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

  it("streams", async () => {
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model().stream("Describe the tide")) merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.text).toMatch(/\S/);
  });
});
