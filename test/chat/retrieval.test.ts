import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetrievalRequest, Retriever } from "../../functions/chat/hooks.js";
import { harnessKeys, post, sseData, startHarness, type Harness } from "../harness.js";

describe("retrieval during chat", () => {
  const seen: RetrievalRequest[] = [];
  const memory: Retriever = {
    name: "memory",
    async retrieve(request) {
      seen.push(request);
      return [{ source: "memory", id: "mem-1", text: "Miso the cat likes sardines", similarity: 0.8123, citation: {} }];
    },
  };
  let slowAborted = false;
  // Answers only once the budget has run out and aborted it: the reply cannot have waited for it
  // (it would never come), and its late answer must not reach the prompt.
  const slowLibrary: Retriever = {
    name: "library",
    retrieve: (request) =>
      new Promise((resolve) => {
        request.signal?.addEventListener("abort", () => {
          slowAborted = true;
          resolve([{ source: "library", id: "late", text: "too late to matter", similarity: 0.9, citation: {} }]);
        });
      }),
  };
  const broken: Retriever = {
    name: "library",
    retrieve: async () => {
      throw new Error("index offline");
    },
  };
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ functions: ["chat"], seams: { retrievers: [memory, slowLibrary, broken] }, env: { CHAT_RETRIEVAL_BUDGET_MS: "150" } });
  });
  afterAll(() => harness.close());

  it("adds passages as quoted data, reports them, and skips slow and failing retrievers within the budget", async () => {
    const response = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "What does my cat eat?" }], session_id: "pets" }));
    expect(response.status).toBe(200);
    const body = await response.json();
    // The emulated engine quotes retrieved lines it was given: the passage reached the prompt.
    expect(body.choices[0].message.content).toContain("Miso the cat likes sardines");
    expect(body.choices[0].message.content).not.toContain("too late");
    expect(body.archive).toEqual({
      session_id: "pets",
      retrieved: [{ source: "memory", id: "mem-1", similarity: 0.8123, citation: {} }],
    });
    expect(slowAborted).toBe(true);
    expect(seen.at(-1)).toMatchObject({ tenant: "alice", sessionId: "pets", query: "What does my cat eat?" });
    const skipped = harness.logs.filter((line) => line.event === "chat_retriever_skipped").map((line) => line.reason);
    expect(skipped).toEqual(expect.arrayContaining(["timeout", "error"]));
  });

  it("is switched off per request", async () => {
    const before = seen.length;
    const response = await harness.app.request(
      "/v1/chat/completions",
      post({ messages: [{ role: "user", content: "What does my cat eat?" }], archive: { retrieval: false } }, harnessKeys.bob),
    );
    const body = await response.json();
    expect(body.archive.retrieved).toEqual([]);
    expect(body.choices[0].message.content).not.toContain("sardines");
    expect(seen.length).toBe(before);
  });

  it("puts retrieval info in a leading chunk of a stream that OpenAI clients skip over", async () => {
    const response = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "What does my cat eat?" }], stream: true }));
    const events = sseData(await response.text());
    const leading = JSON.parse(events[0] ?? "{}");
    const engineFirst = JSON.parse(events[1] ?? "{}");
    expect(leading).toMatchObject({ object: "chat.completion.chunk", choices: [], archive: { session_id: null, retrieved: [{ id: "mem-1" }] } });
    expect(leading.id).toBe(engineFirst.id);
    expect(leading.model).toBe(engineFirst.model);
    expect(events.at(-1)).toBe("[DONE]");
  });
});
