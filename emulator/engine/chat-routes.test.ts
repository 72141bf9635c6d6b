import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { syntheticNotice } from "./index.js";
import { createTestEngine, engineOrigin, parseSseJson, postJson } from "./test-support.js";

const modelName = "archive-emulated-1";
const userQuestion = { role: "user", content: "Where does my sister live and how long is the warranty?" };
const systemWithContext = {
  role: "system",
  content: [
    "You are Archive, a helpful assistant.",
    "",
    "Relevant memories:",
    "The user's sister lives in Berlin.",
    "",
    "Library excerpts:",
    "[manual.pdf #3] The warranty lasts two years.",
  ].join("\n"),
};

describe("POST /v1/chat/completions (non-streaming)", () => {
  it("answers in vLLM's chat.completion shape", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", { model: modelName, messages: [userQuestion] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: "chatcmpl-test1",
      object: "chat.completion",
      created: Date.UTC(2025, 0, 1) / 1000,
      model: modelName,
      choices: [{ index: 0, message: { role: "assistant" }, finish_reason: "stop", logprobs: null }],
    });
    const [choice] = body.choices as Array<{ message: { content: string } }>;
    expect(choice?.message.content).toContain(syntheticNotice);
    const usage = body.usage as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    expect(usage.prompt_tokens).toBeGreaterThan(10);
    expect(usage.completion_tokens).toBeGreaterThan(5);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it("names the question's key words and quotes retrieved context verbatim", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", { messages: [systemWithContext, userQuestion] });
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    const content = body.choices[0]?.message.content ?? "";
    expect(content).toContain("sister");
    expect(content).toContain("warranty");
    expect(content).toContain('"The user\'s sister lives in Berlin."');
    expect(content).toContain('"[manual.pdf #3] The warranty lasts two years."');
    expect(content).not.toContain("You are Archive");
  });

  it("is deterministic for the same conversation", async () => {
    const engine = createTestEngine();
    const request = { messages: [systemWithContext, userQuestion], logprobs: true, top_logprobs: 2 };
    const first = (await (await postJson(engine, "/v1/chat/completions", request)).json()) as { choices: unknown };
    const second = (await (await postJson(engine, "/v1/chat/completions", request)).json()) as { choices: unknown };
    expect(second.choices).toEqual(first.choices);
  });

  it("honours max_tokens with finish_reason length", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", { messages: [userQuestion], max_tokens: 3 });
    const body = (await response.json()) as {
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: { completion_tokens: number };
    };
    expect(body.choices[0]?.finish_reason).toBe("length");
    expect(body.choices[0]?.message.content).toBe("You asked about");
    expect(body.usage.completion_tokens).toBe(3);
  });

  it("cuts at a stop sequence and reports it as stop_reason", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", { messages: [userQuestion], stop: [" and"] });
    const body = (await response.json()) as { choices: Array<{ message: { content: string }; finish_reason: string; stop_reason: string }> };
    expect(body.choices[0]).toMatchObject({ finish_reason: "stop", stop_reason: " and" });
    expect(body.choices[0]?.message.content).toBe("You asked about sister, live");
  });

  it("returns per-token logprobs with alternatives when asked", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", { messages: [userQuestion], logprobs: true, top_logprobs: 2, max_tokens: 4 });
    const body = (await response.json()) as {
      choices: Array<{ logprobs: { content: Array<{ token: string; logprob: number; bytes: number[]; top_logprobs: unknown[] }> } }>;
    };
    const entries = body.choices[0]?.logprobs.content ?? [];
    expect(entries.map((entry) => entry.token).join("")).toBe("You asked about sister");
    for (const entry of entries) {
      expect(entry.logprob).toBeLessThan(0);
      expect(entry.bytes).toEqual([...new TextEncoder().encode(entry.token)]);
      expect(entry.top_logprobs).toHaveLength(2);
    }
  });

  it("rejects an unknown model with vLLM's 404 error body", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", { model: "gpt-4o", messages: [userQuestion] });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { message: "The model `gpt-4o` does not exist.", type: "NotFoundError", param: "model", code: 404 },
    });
  });

  it.each([
    ["no messages", { messages: [] }],
    ["a message without role", { messages: [{ content: "hi" }] }],
    ["a non-numeric max_tokens", { messages: [userQuestion], max_tokens: "ten" }],
    ["stream_options without stream", { messages: [userQuestion], stream_options: { include_usage: true } }],
  ])("rejects %s with 400 in vLLM's error format", async (_name, body) => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", body);
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: { type: string; code: number; message: string } };
    expect(error.error).toMatchObject({ type: "BadRequestError", code: 400 });
    expect(error.error.message.length).toBeGreaterThan(0);
  });

  it("rejects a body that is not JSON", async () => {
    const engine = createTestEngine();
    const response = await engine.fetch(
      new Request(`${engineOrigin}/v1/chat/completions`, { method: "POST", body: "{not json" }),
    );
    expect(response.status).toBe(400);
  });

  it("refuses a request longer than the context window", async () => {
    const engine = createTestEngine({ maxModelLen: 64 });
    const response = await postJson(engine, "/v1/chat/completions", { messages: [userQuestion], max_tokens: 60 });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: { message: string } };
    expect(error.error.message).toContain("maximum context length is 64 tokens");
  });
});

describe("POST /v1/chat/completions (streaming)", () => {
  it("streams role, content deltas, finish, usage and [DONE]", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", {
      messages: [systemWithContext, userQuestion],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const chunks = parseSseJson(await response.text());
    for (const chunk of chunks) expect(chunk).toMatchObject({ id: "chatcmpl-test1", object: "chat.completion.chunk", model: modelName });

    const [first, ...rest] = chunks;
    expect(first?.choices).toEqual([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
    const usageChunk = rest.pop();
    expect(usageChunk?.choices).toEqual([]);
    const contentChoices = rest.map((chunk) => (chunk.choices as Array<{ delta: { content: string }; finish_reason: string | null }>)[0]);
    expect(contentChoices.slice(0, -1).every((choice) => choice?.finish_reason === null)).toBe(true);
    expect(contentChoices.at(-1)?.finish_reason).toBe("stop");

    const streamed = contentChoices.map((choice) => choice?.delta.content).join("");
    const nonStreamed = (await (await postJson(engine, "/v1/chat/completions", { messages: [systemWithContext, userQuestion] })).json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(streamed).toBe(nonStreamed.choices[0]?.message.content);
    expect(usageChunk?.usage).toMatchObject({ completion_tokens: contentChoices.length });
  });

  it("omits usage unless asked, and stops at max_tokens with length", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/v1/chat/completions", { messages: [userQuestion], stream: true, max_tokens: 2 });
    const chunks = parseSseJson(await response.text());
    expect(chunks).toHaveLength(3);
    expect(chunks.every((chunk) => !("usage" in chunk))).toBe(true);
    expect(chunks.at(-1)?.choices).toMatchObject([{ delta: { content: " asked" }, finish_reason: "length" }]);
  });
});

describe("the official openai SDK against the engine", () => {
  const client = (engineFetch: (request: Request) => Promise<Response>): OpenAI =>
    new OpenAI({
      apiKey: "unused",
      baseURL: `${engineOrigin}/v1`,
      maxRetries: 0,
      fetch: (input, init) => engineFetch(new Request(input, init)),
    });

  it("parses a completion, a stream with usage, and a typed 404", async () => {
    const engine = createTestEngine();
    const openai = client(engine.fetch);
    const completion = await openai.chat.completions.create({ model: modelName, messages: [{ role: "user", content: "Tell me about Berlin." }] });
    expect(completion.choices[0]?.message.content).toContain("Berlin");

    const stream = await openai.chat.completions.create({
      model: modelName,
      messages: [{ role: "user", content: "Tell me about Berlin." }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let completionTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
    }
    expect(text).toBe(completion.choices[0]?.message.content);
    expect(completionTokens).toBe(completion.usage?.completion_tokens);

    const missing = openai.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "hi" }] });
    await expect(missing).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(missing).rejects.toMatchObject({ status: 404, message: expect.stringContaining("The model `nope` does not exist.") });
  });
});
