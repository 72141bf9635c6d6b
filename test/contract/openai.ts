import { BadRequestError, NotFoundError } from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { describe, expect, it } from "vitest";
import { openai } from "./chat.js";
import { jsonBody, withKey, type ContractTarget } from "./target.js";

/**
 * `/v1/models/:id`, `/v1/embeddings`, `/v1/completions` and `/v1/responses` through the official
 * openai SDK, on every runtime (on Workers the embedder is the pool's).
 */
export default function openaiRoutesContract(target: () => ContractTarget) {
  describe("openai routes", () => {
    const engineModel = async () => {
      const page = await openai(target(), target().keys.alice).models.list();
      return page.data[0]!.id;
    };

    it("retrieves one model, and answers an unknown id with the SDK's NotFoundError", async () => {
      const client = openai(target(), target().keys.alice);
      const id = await engineModel();
      expect(await client.models.retrieve(id)).toMatchObject({ id, object: "model" });
      expect(await client.models.retrieve(target().embeddingModel)).toMatchObject({ id: target().embeddingModel, object: "model" });
      const error = await client.models.retrieve("no-such-model").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    });

    it("embeds with the deployment's embedder, as floats and as base64 (the SDK's default)", async () => {
      const client = openai(target(), target().keys.alice);
      const input = ["the lighthouse keeper's logbook", "a storm over the harbour"];
      const floats = await client.embeddings.create({ model: target().embeddingModel, input, encoding_format: "float" });
      const decoded = await client.embeddings.create({ model: target().embeddingModel, input });
      expect(floats.model).toBe(target().embeddingModel);
      expect(floats.data.map((item) => item.index)).toEqual([0, 1]);
      const dimension = floats.data[0]!.embedding.length;
      expect(dimension).toBeGreaterThan(0);
      expect(Math.hypot(...floats.data[0]!.embedding)).toBeCloseTo(1, 4);
      // The SDK decodes base64 itself: little-endian float32 must give back the float answer (the
      // local model's last digits move with what it was batched with, hence not bit for bit).
      const dot = (left: number[], right: number[]) => left.reduce((sum, value, index) => sum + value * right[index]!, 0);
      expect(decoded.data[1]!.embedding).toHaveLength(dimension);
      expect(dot(decoded.data[1]!.embedding, floats.data[1]!.embedding)).toBeCloseTo(1, 5);
      expect(floats.usage.prompt_tokens).toBeGreaterThan(input.length);
      expect(floats.usage.total_tokens).toBe(floats.usage.prompt_tokens);

      const wrongSize = await client.embeddings.create({ model: target().embeddingModel, input: "x", dimensions: dimension + 1 }).catch((caught: unknown) => caught);
      expect(wrongSize).toBeInstanceOf(BadRequestError);
      expect(wrongSize).toMatchObject({ param: "dimensions" });
      const tokens = await client.embeddings.create({ model: target().embeddingModel, input: [1, 2, 3] }).catch((caught: unknown) => caught);
      expect(tokens).toMatchObject({ status: 400, param: "input" });
      const unknownModel = await client.embeddings.create({ model: "text-embedding-3-small", input: "x" }).catch((caught: unknown) => caught);
      expect(unknownModel).toBeInstanceOf(NotFoundError);
    });

    it("passes completions through, streamed and not, with OpenAI's errors", async () => {
      const client = openai(target(), target().keys.alice);
      const model = await engineModel();
      const plain = await client.completions.create({ model, prompt: "def fibonacci(n):", max_tokens: 12 });
      expect(plain.object).toBe("text_completion");
      expect(plain.choices[0]?.text).toMatch(/\S/);
      const stream = await client.completions.create({ model, prompt: "The harbour at dawn", max_tokens: 12, stream: true, stream_options: { include_usage: true } });
      let text = "";
      let completionTokens = 0;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? "";
        completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
      }
      expect(text).toMatch(/\S/);
      expect(completionTokens).toBeGreaterThan(0);
      const tooLong = await client.completions.create({ model, prompt: "x", max_tokens: 10_000_000 }).catch((caught: unknown) => caught);
      expect(tooLong).toMatchObject({ status: 422, param: "max_tokens" });
    });

    it("answers a response and continues it with previous_response_id", async () => {
      const client = openai(target(), target().keys.alice);
      const first = await client.responses.create({ input: "Tell me about lighthouses", instructions: "Be brief.", max_output_tokens: 64 });
      expect(first).toMatchObject({ object: "response", status: "completed", store: true, instructions: "Be brief." });
      expect(first.output_text).toMatch(/\S/);
      expect(first.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
      expect(first.usage?.output_tokens).toBeGreaterThan(0);

      // Retrieval off for both, so only the previous exchange makes the difference (the tenant's
      // memories from other tests would otherwise be retrieved into either prompt).
      const noRetrieval = { archive: { retrieval: false } };
      const second = await client.responses.create(Object.assign({ input: "And the keepers?", previous_response_id: first.id, max_output_tokens: 64 }, noRetrieval));
      expect(second.previous_response_id).toBe(first.id);
      // The engine was shown the first exchange: more prompt than the new question alone.
      const alone = await client.responses.create(Object.assign({ input: "And the keepers?", store: false as const, max_output_tokens: 64 }, noRetrieval));
      expect(second.usage!.input_tokens).toBeGreaterThan(alone.usage!.input_tokens + 5);

      expect((await client.responses.retrieve(first.id)).id).toBe(first.id);
      const notStored = await client.responses.retrieve(alone.id).catch((caught: unknown) => caught);
      expect(notStored).toBeInstanceOf(NotFoundError);
      // Stored per tenant: bob cannot continue (or read) alice's response.
      const bob = openai(target(), target().keys.bob);
      const foreign = await bob.responses.create({ input: "hi", previous_response_id: first.id }).catch((caught: unknown) => caught);
      expect(foreign).toBeInstanceOf(NotFoundError);
      expect(foreign).toMatchObject({ param: "previous_response_id" });
    });

    it("streams a response with the Responses event types, in order, numbered", async () => {
      const client = openai(target(), target().keys.alice);
      const stream = await client.responses.create({ input: "Describe a thunderstorm", stream: true });
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const types = [...new Set(events.map((event) => event.type))];
      expect(types).toEqual([
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
      ]);
      expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
      const deltas = events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : [])).join("");
      const completed = events.at(-1);
      if (completed?.type !== "response.completed") throw new Error("no response.completed");
      expect(completed.response.output_text ?? completed.response.output.flatMap((item) => (item.type === "message" ? item.content : [])).map((part) => ("text" in part ? part.text : "")).join("")).toBe(deltas);
      expect(deltas).toMatch(/\S/);
      expect(completed.response.usage?.output_tokens).toBeGreaterThan(0);
      expect((await client.responses.retrieve(completed.response.id)).status).toBe("completed");
    });

    it("refuses what it cannot honour with a 400 naming the field", async () => {
      const refuse = async (body: Record<string, unknown>) => {
        const response = await target().fetch("/v1/responses", jsonBody(target().keys.alice, { input: "hi", ...body }));
        expect(response.status).toBe(400);
        return ((await response.json()) as { error: { param: string } }).error.param;
      };
      expect(await refuse({ tools: [{ type: "web_search" }] })).toBe("tools[0].type");
      expect(await refuse({ background: true })).toBe("background");
      expect(await refuse({ frobnicate: 1 })).toBe("frobnicate");
      expect(await refuse({ input: [{ type: "message", role: "user", content: [{ type: "input_file", file_id: "f" }] }] })).toBe("input[0].content[0].type");
      const unknown = await target().fetch("/v1/responses/resp_unknown", withKey(target().keys.alice));
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { type: "not_found_error", code: "response_not_found" } });
    });
  });
}
