import OpenAI, { NotFoundError, UnprocessableEntityError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArchiveOverHttp, type ArchiveOverHttp } from "./archive-http.js";

/** `/v1/completions` (editor autocomplete) and `GET /v1/models/:id` through the openai SDK. */
let archive: ArchiveOverHttp;

beforeAll(async () => {
  archive = await startArchiveOverHttp({ env: { MEMORY_RETRIEVAL: "false" } });
});
afterAll(() => archive?.close());

const sdk = () => new OpenAI({ baseURL: archive.baseUrl, apiKey: archive.apiKey, maxRetries: 0 });

describe("completions: openai SDK", () => {
  it("completes a prompt, the engine's answer unchanged", async () => {
    const completion = await sdk().completions.create({ model: archive.model, prompt: "function add(a, b) {", max_tokens: 16, echo: true, logprobs: 1 });
    expect(completion.object).toBe("text_completion");
    expect(completion.model).toBe(archive.model);
    expect(completion.choices[0]?.text.startsWith("function add(a, b) {")).toBe(true);
    expect(completion.choices[0]?.logprobs?.token_logprobs?.length).toBeGreaterThan(1);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("streams", async () => {
    const stream = await sdk().completions.create({ model: archive.model, prompt: "The lighthouse", max_tokens: 16, stream: true, stream_options: { include_usage: true } });
    const pieces: string[] = [];
    let usage: OpenAI.Completions.CompletionUsage | undefined;
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.text ?? "");
      usage = chunk.usage ?? usage;
    }
    expect(pieces.filter((piece) => piece !== "").length).toBeGreaterThan(1);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("maps an unknown model and an out-of-bounds field to the SDK's error classes", async () => {
    const missing = await sdk().completions.create({ model: "gpt-nope", prompt: "x" }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ code: "model_not_found" });
    const bounded = await sdk().completions.create({ model: archive.model, prompt: "x", n: 1000 }).catch((error: unknown) => error);
    expect(bounded).toBeInstanceOf(UnprocessableEntityError);
    expect(bounded).toMatchObject({ param: "n" });
  });

  it("does not capture autocomplete prompts as memories (a chat turn, by contrast, is)", async () => {
    await sdk().completions.create({ model: archive.model, prompt: "My locker combination is 4-8-15", max_tokens: 4 });
    await sdk().chat.completions.create({ model: archive.model, messages: [{ role: "user", content: "My bike lock code is 2-7-1" }] });
    await expect.poll(() => archive.capturedTurns()).toContain("My bike lock code is 2-7-1");
    expect(await archive.capturedTurns()).not.toContain("My locker combination is 4-8-15");
  });
});

describe("models: openai SDK", () => {
  it("retrieves a model by id (slashes included) and 404s an unknown one", async () => {
    expect(await sdk().models.retrieve(archive.model)).toMatchObject({ id: archive.model, object: "model" });
    const missing = await sdk().models.retrieve("org/no-such-model").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).message).toContain("org/no-such-model");
  });
});
