import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimatePromptTokens } from "../../functions/chat/token-budget.js";
import { post, startHarness, type Harness } from "../harness.js";

let harness: Harness;
const window = 512;

beforeAll(async () => {
  // A small context window and the default CHAT_MAX_TOKENS (4096): a fixed default would not fit.
  harness = await startHarness({ functions: ["chat"], engine: { maxModelLen: window }, record: true });
});
afterAll(() => harness.close());

async function complete(body: Record<string, unknown>) {
  const response = await harness.app.request("/v1/chat/completions", post({ archive: { retrieval: false }, ...body }));
  const sent = harness.engine.received.at(-1)?.body;
  return { status: response.status, sent, text: await response.text() };
}

describe("the default max_tokens", () => {
  it("leaves the prompt room in the engine's context window (max_model_len from /v1/models)", async () => {
    const question = `Summarise this: ${"the quick brown fox jumps over the lazy dog ".repeat(20)}`;
    const { status, sent, text } = await complete({ messages: [{ role: "user", content: question }] });
    expect({ status, text: status === 200 ? "" : text }).toEqual({ status: 200, text: "" });
    const maxTokens = sent?.max_tokens as number;
    expect(maxTokens).toBe(window - estimatePromptTokens([{ role: "user", content: question }], undefined));
    expect(maxTokens).toBeGreaterThan(0);
    expect(maxTokens).toBeLessThan(window - question.length / 5);
  });

  it("is capped by CHAT_MAX_TOKENS, and a client's own limit is passed as sent", async () => {
    const small = await startHarness({ functions: ["chat"], engine: { maxModelLen: window }, record: true, env: { CHAT_MAX_TOKENS: "50" } });
    try {
      await small.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "Hi" }] }));
      expect(small.engine.received.at(-1)?.body.max_tokens).toBe(50);
    } finally {
      await small.close();
    }
    const own = await complete({ messages: [{ role: "user", content: "Hi" }], max_completion_tokens: 20 });
    expect(own.sent).toMatchObject({ max_completion_tokens: 20 });
    expect(own.sent).not.toHaveProperty("max_tokens");
  });

  it("counts tools and tool calls as prompt, and leaves the limit to the engine when nothing fits", async () => {
    const tools = [{ type: "function", function: { name: "lookup", description: "x".repeat(600), parameters: { type: "object" } } }];
    const withTools = await complete({ messages: [{ role: "user", content: "Hi" }], tools });
    const without = await complete({ messages: [{ role: "user", content: "Hi" }] });
    expect(withTools.sent?.max_tokens as number).toBeLessThan((without.sent?.max_tokens as number) - 150);
    // The estimate is on the safe side: when it leaves no room, the engine decides (vLLM: what is left of the window).
    const huge = await complete({ messages: [{ role: "user", content: "word ".repeat(400) }] });
    expect(huge.sent).not.toHaveProperty("max_tokens");
  });
});
