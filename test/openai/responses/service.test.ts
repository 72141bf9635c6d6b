import { afterAll, describe, expect, it } from "vitest";
import { testRedis } from "../../redis.js";
import { createIdGenerator, systemClock } from "../../../shared/clock.js";
import { silentLogger } from "../../../shared/logger.js";
import { createRedisKeys } from "../../../shared/redis-keys.js";
import type { ChatService, CompletionRequestBody } from "../../../functions/chat/index.js";
import type { RequestScope } from "../../../functions/request-scope.js";
import { createResponseRequestSchema } from "../../../functions/openai/responses/schema.js";
import { createResponsesService } from "../../../functions/openai/responses/service.js";
import { createResponseStore } from "../../../functions/openai/responses/store.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

const ttlSeconds = 3600;
const keys = createRedisKeys(prefix);
const schema = createResponseRequestSchema({ maxTokens: 512 });

/** A chat service that records what it was asked and answers with a tool call or a text. */
function recordingChat() {
  const requests: CompletionRequestBody[] = [];
  const chat: Pick<ChatService, "complete"> = {
    async complete(body) {
      requests.push(body);
      const wantsTool = (body.tools?.length ?? 0) > 0 && body.messages.at(-1)?.role === "user";
      const message = wantsTool
        ? { role: "assistant" as const, content: null, tool_calls: [{ id: `call_${requests.length}`, type: "function", function: { name: "lookup", arguments: "{}" } }] }
        : { role: "assistant" as const, content: `answer ${requests.length}` };
      return {
        kind: "json",
        sessionId: undefined,
        completion: {
          id: "c", object: "chat.completion", created: 1, model: "m",
          choices: [{ index: 0, message, finish_reason: wantsTool ? "tool_calls" : "stop" }],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
          archive: { session_id: null, retrieved: [] },
        },
      };
    },
  };
  return { chat, requests };
}

const scopeFor = (tenant: string): RequestScope => ({
  tenant, endUser: "default", requestId: "r", redis: async () => redis, signal: undefined, logger: silentLogger, defer: () => undefined,
});

function serviceWith(chat: Pick<ChatService, "complete">) {
  return createResponsesService({
    chat,
    store: createResponseStore({ keys, ttlSeconds }),
    clock: systemClock,
    ids: createIdGenerator(),
    defaultModel: async () => "m",
  });
}

const create = async (service: ReturnType<typeof serviceWith>, body: Record<string, unknown>, tenant = "alice") => {
  const result = await service.create(schema.parse(body), scopeFor(tenant));
  if (result.kind !== "json") throw new Error("expected JSON");
  return result.response;
};

describe("responses service", () => {
  it("continues a conversation: earlier turns and a tool call reach chat in order, instructions do not carry over", async () => {
    const { chat, requests } = recordingChat();
    const service = serviceWith(chat);
    const first = await create(service, { input: "Look it up", instructions: "Be terse.", tools: [{ type: "function", name: "lookup", parameters: { type: "object" } }] });
    const call = first.output[0];
    expect(call).toMatchObject({ type: "function_call", name: "lookup", call_id: "call_1" });
    expect(requests[0]?.messages).toEqual([{ role: "system", content: "Be terse." }, { role: "user", content: "Look it up" }]);
    expect(requests[0]?.tools).toEqual([{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }]);

    const second = await create(service, { previous_response_id: first.id, input: [{ type: "function_call_output", call_id: "call_1", output: "42" }] });
    expect(second.output[0]).toMatchObject({ type: "message", content: [{ text: "answer 2" }] });
    expect(requests[1]?.messages).toEqual([
      { role: "user", content: "Look it up" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_1", content: "42" },
    ]);
  });

  it("resolves item_reference to a stored output item, for the owning tenant only", async () => {
    const { chat, requests } = recordingChat();
    const service = serviceWith(chat);
    const first = await create(service, { input: "Say something" });
    const itemId = first.output[0]!.id;
    await create(service, { input: [{ role: "user", content: "Say something" }, { type: "item_reference", id: itemId }, { role: "user", content: "More" }] });
    expect(requests[1]?.messages).toEqual([
      { role: "user", content: "Say something" },
      { role: "assistant", content: "answer 1" },
      { role: "user", content: "More" },
    ]);
    await expect(create(service, { input: [{ type: "item_reference", id: itemId }] }, "bob")).rejects.toMatchObject({ status: 404, code: "item_not_found" });
  });

  it("keeps stored responses for a bounded time, and nothing at all with store: false", async () => {
    const { chat } = recordingChat();
    const service = serviceWith(chat);
    const kept = await create(service, { input: "keep me" });
    const ttl = await redis.ttl(keys.tenant("alice", "response", kept.id));
    expect(ttl).toBeGreaterThan(ttlSeconds - 10);
    expect(ttl).toBeLessThanOrEqual(ttlSeconds);
    expect(await redis.ttl(keys.tenant("alice", "response-item", kept.output[0]!.id))).toBeGreaterThan(0);
    const before = await redis.keys(`${prefix}:t:alice:response*`);
    const unkept = await create(service, { input: "forget me", store: false });
    expect(unkept.store).toBe(false);
    expect(await redis.keys(`${prefix}:t:alice:response*`)).toEqual(expect.arrayContaining(before));
    expect((await redis.keys(`${prefix}:t:alice:response*`)).length).toBe(before.length);
    await expect(service.retrieve(unkept.id, scopeFor("alice"))).rejects.toMatchObject({ status: 404 });
    await service.remove(kept.id, scopeFor("alice"));
    await expect(service.retrieve(kept.id, scopeFor("alice"))).rejects.toMatchObject({ status: 404 });
  });

  it("maps Responses fields onto chat's: max_output_tokens, text.format, tool_choice by name", async () => {
    const { chat, requests } = recordingChat();
    await create(serviceWith(chat), {
      input: "x",
      max_output_tokens: 77,
      text: { format: { type: "json_schema", name: "thing", schema: { type: "object" }, strict: true } },
      tools: [{ type: "function", name: "lookup" }],
      tool_choice: { type: "function", name: "lookup" },
      parallel_tool_calls: false,
    });
    expect(requests[0]).toMatchObject({
      max_tokens: 77,
      response_format: { type: "json_schema", json_schema: { name: "thing", schema: { type: "object" }, strict: true } },
      tool_choice: { type: "function", function: { name: "lookup" } },
      parallel_tool_calls: false,
    });
  });
});
