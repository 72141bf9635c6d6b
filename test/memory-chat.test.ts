import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harnessKeys, startMemoryHarness, type MemoryHarness } from "../functions/memory/test-harness.js";
import { createLocalEmbedder } from "../shared/embeddings/local-embedder.js";

/**
 * Acceptance: a scripted conversation through `POST /v1/chat/completions` (the official openai
 * SDK) against the emulated engine, with the real BullMQ worker scoring captured turns. Built from
 * the memory and chat functions directly, so it does not depend on a composition root.
 */
let harness: MemoryHarness;
let client: OpenAI;

beforeAll(async () => {
  // The embedder users get by default: offline USE-lite, so similarity here is real semantics.
  harness = await startMemoryHarness({ chat: true, workers: true, embedder: createLocalEmbedder() });
  client = new OpenAI({
    baseURL: "http://archive.invalid/v1",
    apiKey: harnessKeys.alice,
    maxRetries: 0,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      return harness.app.request(url.pathname + url.search, init);
    },
  });
});
afterAll(async () => {
  await harness?.close();
});

interface Retrieved {
  source: string;
  id: string;
  similarity: number;
  citation: { memory_id?: string; created_at?: string };
}

const session = "acceptance-1";
const say = async (content: string) => {
  const completion = await client.chat.completions.create(
    { model: "archive-emulated-1", messages: [{ role: "user", content }], max_tokens: 16 },
    { headers: { "X-Session-Id": session } },
  );
  return completion as typeof completion & { archive: { retrieved: Retrieved[] } };
};

describe("memory through chat (acceptance)", () => {
  it("remembers surprising turns once, forgets small talk, and brings the right memory back later", async () => {
    const script = [
      "Hello! How are you today?",
      "My sister Margarethe lives in Tromsø and keeps bees.",
      "I am fine, thanks.",
      "Quantum flibbertigibbet zamboni xylophone",
      "My sister Margarethe lives in Tromsø and keeps bees.",
    ];
    for (const turn of script) {
      const reply = await say(turn);
      expect(reply.choices[0]?.message.content).toMatch(/\S/);
    }
    const { completed, failed } = await harness.scoringIdle({ finished: script.length });
    expect({ completed, failed }).toEqual({ completed: script.length, failed: 0 });

    const scope = { tenant: "alice", redis: harness.redis };
    const { memories, total } = await harness.memory.service.list(scope, { limit: 50, offset: 0 });
    expect(total).toBe(2);
    expect(memories.map((memory) => memory.message).sort()).toEqual(["My sister Margarethe lives in Tromsø and keeps bees.", "Quantum flibbertigibbet zamboni xylophone"]);
    for (const memory of memories) {
      expect(memory.session_id).toBe(session);
      expect(memory.surprise_score).toBeGreaterThanOrEqual(0.7);
    }
    const margarethe = memories.find((memory) => memory.message.startsWith("My sister"))!;

    const later = await say("Where does Margarethe live?");
    expect(later.archive.retrieved[0]).toMatchObject({
      source: "memory",
      id: margarethe.id,
      citation: { memory_id: margarethe.id, created_at: margarethe.created_at },
    });
    expect(later.archive.retrieved[0]!.similarity).toBeGreaterThan(0.5);
    expect(later.archive.retrieved.map((passage) => passage.id)).not.toContain(undefined);

    // Bob asks the same question: Alice's memory is not his to retrieve.
    const bob = await client.chat.completions.create(
      { model: "archive-emulated-1", messages: [{ role: "user", content: "Where does Margarethe live?" }], max_tokens: 8 },
      { headers: { authorization: `Bearer ${harnessKeys.bob}` } },
    );
    expect((bob as typeof bob & { archive: { retrieved: Retrieved[] } }).archive.retrieved).toEqual([]);
  });
});
