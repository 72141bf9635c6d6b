import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultHistoryTtlSeconds } from "../../functions/chat/history.js";
import { harnessKeys, post, sseData, startHarness, type Harness } from "../harness.js";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ functions: ["chat"], env: { CHAT_HISTORY_MESSAGES: "4" }, record: true });
});
afterAll(() => harness.close());

interface Completion {
  choices: { message: { content: string } }[];
  usage: { prompt_tokens: number };
  archive: { session_id: string | null };
}

async function ask(content: string, options: { session?: string; key?: string; header?: boolean; user?: string } = {}): Promise<Completion> {
  const body: Record<string, unknown> = { messages: [{ role: "user", content }] };
  if (options.session && !options.header) body.session_id = options.session;
  if (options.user) body.user = options.user;
  const headers: Record<string, string> = options.session && options.header ? { "x-session-id": options.session } : {};
  const response = await harness.app.request("/v1/chat/completions", post(body, options.key, headers));
  expect(response.status).toBe(200);
  return (await response.json()) as Completion;
}

const historyKey = (tenant: string, session: string) => `${harness.prefix}:t:${tenant}:chat:history:${session}`;
const stored = async (tenant: string, session: string) =>
  (await harness.redis.lrange(historyKey(tenant, session), 0, -1)).map((entry) => JSON.parse(entry) as { role: string; content: string });

describe("session history", () => {
  it("saves each exchange and replays it before the next message of the same session", async () => {
    const session = `s-${crypto.randomUUID()}`;
    const alone = await ask("Which moons orbit Jupiter?");
    const first = await ask("Which moons orbit Jupiter?", { session });
    expect(first.usage.prompt_tokens).toBe(alone.usage.prompt_tokens);
    expect(first.archive.session_id).toBe(session);
    expect(await stored("alice", session)).toEqual([
      { role: "user", content: "Which moons orbit Jupiter?", at: expect.any(Number) },
      { role: "assistant", content: first.choices[0]?.message.content, at: expect.any(Number) },
    ]);

    // The same question again: the engine now sees the previous exchange too.
    const second = await ask("Which moons orbit Jupiter?", { session, header: true });
    expect(second.usage.prompt_tokens).toBeGreaterThan(alone.usage.prompt_tokens + 10);
    expect((await stored("alice", session)).length).toBe(4);
  });

  it("keeps history per tenant: another tenant's same session id sees nothing", async () => {
    const session = `shared-${crypto.randomUUID()}`;
    const baseline = await ask("Remember that my locker code is 4417", { session: `fresh-${crypto.randomUUID()}`, key: harnessKeys.bob });
    await ask("Remember that my locker code is 4417", { session });
    const bob = await ask("Remember that my locker code is 4417", { session, key: harnessKeys.bob });
    expect(bob.usage.prompt_tokens).toBe(baseline.usage.prompt_tokens);
    expect(await stored("bob", session)).toHaveLength(2);
    expect(await stored("alice", session)).toHaveLength(2);
  });

  it("bounds the list, expires it, and never replays a reply without its question", async () => {
    const session = `bounded-${crypto.randomUUID()}`;
    for (const question of ["first question", "second question", "third question"]) await ask(question, { session });
    const entries = await stored("alice", session);
    expect(entries.map((entry) => entry.content).filter((content) => content.endsWith("question"))).toEqual(["second question", "third question"]);
    const ttl = await harness.redis.ttl(historyKey("alice", session));
    expect(ttl).toBeGreaterThan(defaultHistoryTtlSeconds - 60);
    expect(ttl).toBeLessThanOrEqual(defaultHistoryTtlSeconds);

    // Drop the head so the list starts with a reply: that lone reply must not be replayed.
    await harness.redis.lpop(historyKey("alice", session));
    const control = `control-${crypto.randomUUID()}`;
    await ask("third question", { session: control });
    const expected = await ask("fourth question", { session: control });
    const next = await ask("fourth question", { session });
    expect(next.usage.prompt_tokens).toBe(expected.usage.prompt_tokens);
  });

  it("does not replay history when the client sends its own conversation, but still records the new exchange", async () => {
    const session = `client-${crypto.randomUUID()}`;
    await ask("Name a large bird", { session });
    const messages = [
      { role: "user", content: "Name a large bird" },
      { role: "assistant", content: "The ostrich." },
      { role: "user", content: "How fast does it run?" },
    ];
    const withSession = await harness.app.request("/v1/chat/completions", post({ messages, session_id: session }));
    const without = await harness.app.request("/v1/chat/completions", post({ messages }));
    const [a, b] = [(await withSession.json()) as Completion, (await without.json()) as Completion];
    expect(a.usage.prompt_tokens).toBe(b.usage.prompt_tokens);
    expect((await stored("alice", session)).map((entry) => entry.content)).toContain("How fast does it run?");
  });

  it("never makes OpenAI's `user` a session: two conversations of one user without session_id do not see each other", async () => {
    const user = `someone-${crypto.randomUUID()}@example.com`;
    const first = await ask("Plan a picnic by the lake", { user });
    expect(first.archive.session_id).toBeNull();
    const before = harness.engine.received.length;
    const other = await ask("Which wine goes with fish?", { user });
    expect(other.archive.session_id).toBeNull();
    const sent = harness.engine.received.slice(before).find((request) => request.path === "/v1/chat/completions")?.body.messages;
    expect(sent).toEqual([{ role: "user", content: "Which wine goes with fish?" }]);
    expect(other.usage.prompt_tokens).toBeLessThan(first.usage.prompt_tokens + 10);
  });

  it("keeps the conversations of two end users behind one key apart, even under one session id", async () => {
    const session = `s-${crypto.randomUUID()}`;
    await ask("My locker code is 4711", { session, user: "ann" });
    const before = harness.engine.received.length;
    await ask("What is my locker code?", { session, user: "ben" });
    const sent = harness.engine.received.slice(before).find((request) => request.path === "/v1/chat/completions")?.body.messages;
    expect(sent).toEqual([{ role: "user", content: "What is my locker code?" }]);
    // The same person, named by the header instead of the body, gets the conversation back.
    const headers = { "x-session-id": session, "x-archive-user": "ann" };
    const again = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "What is my locker code?" }] }, undefined, headers));
    expect(again.status).toBe(200);
    const replayed = harness.engine.received.at(-1)?.body.messages as { content: string }[];
    expect(replayed.map((message) => message.content)).toContain("My locker code is 4711");
    // The default end user's list is untouched.
    expect(await stored("alice", session)).toEqual([]);
  });

  it("saves a streamed exchange once the stream completes", async () => {
    const session = `stream-${crypto.randomUUID()}`;
    const response = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "Describe glaciers" }], stream: true, session_id: session }));
    expect(response.headers.get("x-archive-session")).toBe(session);
    const text = await response.text();
    const content = sseData(text)
      .filter((data) => data !== "[DONE]")
      .map((data) => JSON.parse(data) as { choices: { delta: { content?: string } }[] })
      .map((chunk) => chunk.choices[0]?.delta.content ?? "")
      .join("");
    expect(content).toContain("glaciers");
    expect(await stored("alice", session)).toEqual([
      { role: "user", content: "Describe glaciers", at: expect.any(Number) },
      { role: "assistant", content, at: expect.any(Number) },
    ]);
  });

  it("continues a /chat conversation by session_id", async () => {
    const first = await harness.app.request("/chat", post({ message: "Let's talk about volcanoes" }));
    const { session_id: session } = (await first.json()) as { session_id: string };
    await harness.app.request("/chat", post({ message: "Which one erupted last?", session_id: session }));
    expect((await stored("alice", session)).map((entry) => entry.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });
});
