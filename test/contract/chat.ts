import OpenAI, { AuthenticationError } from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { jsonBody, type ContractTarget } from "./target.js";

/**
 * Chat as OpenAI clients see it: the official `openai` SDK pointed at Archive. Runtimes without
 * a base URL (in-process, workerd) get the SDK's injectable `fetch` routed to the target.
 */
export function openai(target: ContractTarget, apiKey: string): OpenAI {
  if (target.baseUrl) return new OpenAI({ baseURL: `${target.baseUrl}/v1`, apiKey, maxRetries: 0 });
  return new OpenAI({
    baseURL: "http://archive.invalid/v1",
    apiKey,
    maxRetries: 0,
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      return target.fetch(url.pathname + url.search, init);
    },
  });
}

/** Archive's additions to a completion. */
interface ArchiveFields {
  archive?: { session_id: string | null; retrieved: unknown[] };
}

export default function chatContract(target: () => ContractTarget) {
  describe("chat", () => {
    const modelOf = async (client: OpenAI) => {
      const page = await client.models.list();
      const id = page.data[0]?.id;
      if (!id) throw new Error("the engine lists no model");
      return id;
    };

    it("lists the engine's models through the openai SDK", async () => {
      const page = await openai(target(), target().keys.alice).models.list();
      expect(page.data.length).toBeGreaterThan(0);
      expect(page.data[0]).toMatchObject({ object: "model", id: expect.any(String) });
    });

    it("answers a non-streamed completion through the openai SDK", async () => {
      const client = openai(target(), target().keys.alice);
      const completion = await client.chat.completions.create({
        model: await modelOf(client),
        messages: [{ role: "user", content: "Say something about lighthouses" }],
        temperature: 0.2,
        max_tokens: 128,
      });
      expect(completion.object).toBe("chat.completion");
      expect(completion.choices[0]?.message.role).toBe("assistant");
      expect(completion.choices[0]?.message.content).toMatch(/\S/);
      expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
      expect((completion as typeof completion & ArchiveFields).archive).toMatchObject({ session_id: null, retrieved: expect.any(Array) });
    });

    it("streams a completion with usage through the openai SDK", async () => {
      const client = openai(target(), target().keys.alice);
      const stream = await client.chat.completions.create({
        model: await modelOf(client),
        messages: [{ role: "user", content: "Describe a thunderstorm" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: (ChatCompletionChunk & ArchiveFields)[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
      expect(content).toMatch(/\S/);
      expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
      expect(chunks[0]?.archive).toMatchObject({ retrieved: expect.any(Array) });
    });

    it("answers a bad key with OpenAI's 401, which the SDK raises as AuthenticationError", async () => {
      const client = openai(target(), "not-a-real-key-000");
      const error = await client.chat.completions
        .create({ model: "any", messages: [{ role: "user", content: "hi" }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).status).toBe(401);
      expect((error as AuthenticationError).type).toBe("authentication_error");
    });

    it("keeps POST /chat's shape: {response, engine, session_id}", async () => {
      const response = await target().fetch("/chat", jsonBody(target().keys.alice, { message: "Hello, Archive" }));
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toEqual({ response: expect.stringMatching(/\S/), engine: expect.any(String), session_id: expect.any(String) });
      const empty = await target().fetch("/chat", jsonBody(target().keys.alice, { message: "" }));
      expect(empty.status).toBe(400);
      expect(empty.headers.get("content-type")).toBe("application/problem+json");
    });

    it("keeps each tenant's history to itself, even under the same session id", async () => {
      const session = `contract-${crypto.randomUUID()}`;
      const ask = async (key: string) => {
        const client = openai(target(), key);
        // Retrieval off: only history may change what the engine is shown.
        const params: ChatCompletionCreateParamsNonStreaming & { archive: { retrieval: boolean } } = {
          model: await modelOf(client),
          messages: [{ role: "user", content: "Where did I leave my umbrella?" }],
          archive: { retrieval: false },
        };
        const completion = await client.chat.completions.create(params, { headers: { "X-Session-Id": session } });
        return completion.usage?.prompt_tokens ?? 0;
      };
      const aliceFirst = await ask(target().keys.alice);
      const aliceSecond = await ask(target().keys.alice);
      const bobFirst = await ask(target().keys.bob);
      expect(aliceSecond).toBeGreaterThan(aliceFirst);
      expect(bobFirst).toBe(aliceFirst);
    });
  });
}
