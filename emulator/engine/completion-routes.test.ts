import { describe, expect, it } from "vitest";
import type { LegacyLogprobs } from "./logprobs.js";
import { createTestEngine, parseSseJson, postJson } from "./test-support.js";

interface CompletionBody {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{ index: number; text: string; logprobs: LegacyLogprobs | null; finish_reason: string; stop_reason: string | null }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

async function complete(body: Record<string, unknown>): Promise<CompletionBody> {
  const response = await postJson(createTestEngine(), "/v1/completions", body);
  expect(response.status).toBe(200);
  return (await response.json()) as CompletionBody;
}

/** What memory scoring does with the response: perplexity over the prompt tokens. */
function promptPerplexity(logprobs: LegacyLogprobs, promptTokens: number): number {
  const values = logprobs.token_logprobs.slice(1, promptTokens).filter((value): value is number => value !== null);
  return Math.exp(-values.reduce((total, value) => total + value, 0) / values.length);
}

describe("POST /v1/completions", () => {
  it("echoes the prompt with vLLM's legacy logprobs covering prompt then generated tokens", async () => {
    const prompt = "Hello! How are you today?";
    const body = await complete({ model: "archive-emulated-1", prompt, echo: true, logprobs: 1, max_tokens: 1 });
    expect(body).toMatchObject({ id: "cmpl-test1", object: "text_completion", model: "archive-emulated-1" });
    expect(body.usage).toEqual({ prompt_tokens: 7, completion_tokens: 1, total_tokens: 8, prompt_tokens_details: null });

    const [choice] = body.choices;
    expect(choice?.text.startsWith(prompt)).toBe(true);
    const logprobs = choice?.logprobs;
    if (!logprobs) throw new Error("logprobs missing");
    expect(logprobs.tokens).toEqual(["Hello", "!", " How", " are", " you", " today", "?", choice?.text.slice(prompt.length)]);
    expect(logprobs.tokens.join("")).toBe(choice?.text);
    expect(logprobs.text_offset).toEqual([0, 5, 6, 10, 14, 18, 24, 25]);
    expect(logprobs.token_logprobs[0]).toBeNull();
    expect(logprobs.top_logprobs[0]).toBeNull();
    logprobs.token_logprobs.slice(1).forEach((value, index) => {
      expect(value).toBeLessThan(0);
      const top = logprobs.top_logprobs[index + 1];
      const token = logprobs.tokens[index + 1] ?? "";
      // vLLM's dict holds the top-1 alternative plus the chosen token itself.
      expect(top?.[token]).toBe(value);
      expect(Object.keys(top ?? {}).length).toBeLessThanOrEqual(2);
    });

    const perplexity = promptPerplexity(logprobs, body.usage.prompt_tokens);
    expect(perplexity).toBeGreaterThanOrEqual(3);
    expect(perplexity).toBeLessThanOrEqual(10);
  });

  it("gives rare text a much higher perplexity over the wire", async () => {
    const score = async (prompt: string): Promise<number> => {
      const body = await complete({ prompt, echo: true, logprobs: 0, max_tokens: 0 });
      const logprobs = body.choices[0]?.logprobs;
      if (!logprobs) throw new Error("logprobs missing");
      return promptPerplexity(logprobs, body.usage.prompt_tokens);
    };
    expect(await score("Quantum flibbertigibbet zamboni")).toBeGreaterThan(30);
    expect(await score("My sister lives in Berlin and works as a nurse.")).toBeLessThan(15);
  });

  it("returns identical logprobs for identical prompts", async () => {
    const request = { prompt: "The meeting was moved to Thursday.", echo: true, logprobs: 2, max_tokens: 5 };
    const first = await complete(request);
    const second = await complete(request);
    expect(second.choices).toEqual(first.choices);
  });

  it("with max_tokens 0 and echo returns the prompt only", async () => {
    const body = await complete({ prompt: "Just the prompt.", echo: true, logprobs: 0, max_tokens: 0 });
    expect(body.choices[0]).toMatchObject({ text: "Just the prompt.", finish_reason: "length" });
    expect(body.usage.completion_tokens).toBe(0);
  });

  it("continues text without echo, ends sentences with stop, and honours max_tokens", async () => {
    const finished = await complete({ prompt: "The weather today is", max_tokens: 16 });
    expect(finished.choices[0]?.finish_reason).toBe("stop");
    expect(finished.choices[0]?.text).toMatch(/^ \S.*[.!?]$/);
    expect(finished.choices[0]?.logprobs).toBeNull();

    const cut = await complete({ prompt: "The weather today is", max_tokens: 2 });
    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(cut.usage.completion_tokens).toBe(2);
    expect(finished.choices[0]?.text.startsWith(cut.choices[0]?.text ?? "?")).toBe(true);
  });

  it("answers each prompt of a batch as its own choice", async () => {
    const body = await complete({ prompt: ["First prompt.", "Second one"], max_tokens: 3 });
    expect(body.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(body.usage.prompt_tokens).toBe(3 + 2);
  });

  it("streams the echoed prompt, then tokens, usage and [DONE]", async () => {
    const prompt = "Tell me a story";
    const response = await postJson(createTestEngine(), "/v1/completions", {
      prompt,
      echo: true,
      logprobs: 0,
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = parseSseJson(await response.text());
    const usageChunk = chunks.pop();
    expect(usageChunk).toMatchObject({ object: "text_completion", choices: [], usage: { prompt_tokens: 4, completion_tokens: 3 } });
    const choices = chunks.map((chunk) => (chunk.choices as CompletionBody["choices"])[0]);
    expect(choices[0]?.text).toBe(prompt);
    expect(choices[0]?.logprobs?.token_logprobs[0]).toBeNull();
    expect(choices).toHaveLength(4);
    expect(choices.at(-1)?.finish_reason).toBe("length");
    // Offsets keep counting across chunks, as in one response.
    expect(choices[1]?.logprobs?.text_offset).toEqual([prompt.length]);

    const whole = await complete({ prompt, echo: true, logprobs: 0, max_tokens: 3 });
    expect(choices.map((choice) => choice?.text).join("")).toBe(whole.choices[0]?.text);
  });

  it("rejects a missing prompt and an unknown model", async () => {
    const engine = createTestEngine();
    const invalid = await postJson(engine, "/v1/completions", { max_tokens: 3 });
    expect(invalid.status).toBe(400);
    const unknown = await postJson(engine, "/v1/completions", { model: "other", prompt: "hi" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: "NotFoundError", code: 404 } });
  });
});
