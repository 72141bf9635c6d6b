import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestClock, harnessKeys, startHarness, type Harness } from "./harness.js";
import { jobScope } from "../functions/request-scope.js";
import { silentLogger } from "../shared/logger.js";
import { createLocalEmbedder } from "../infra/node/embeddings/local-embedder.js";

/**
 * Acceptance: conversations through `POST /v1/chat/completions` (the official openai SDK) against
 * the emulated engine, with the real BullMQ worker scoring captured turns, and the memory API over
 * HTTP. Only the memory and chat functions, composed by functions/compose.ts as every runtime composes them.
 */
let harness: Harness;
let client: OpenAI;
const day = 24 * 3600_000;
const clock = createTestClock(Date.UTC(2026, 0, 1));

beforeAll(async () => {
  // The embedder users get by default: offline USE-lite, so similarity here is real semantics.
  harness = await startHarness({ functions: ["memory", "chat"], workers: true, clock, embedder: createLocalEmbedder(), env: { ARCHIVE_KEEP_RECENT: "0", ARCHIVE_DAYS: "30" } });
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
  citation: { memory_id?: string; created_at?: string; tier?: string };
}
type WithArchive<T> = T & { archive: { retrieved: Retrieved[] } };

interface Hit {
  id: string;
  message: string;
  answered: string | null;
  tier: "hot" | "cold";
  similarity: number;
  lexical: number;
  importance: number;
  created_at: string;
}

const say = async (content: string, options: { user?: string; session?: string; answered?: string; archive?: Record<string, unknown> } = {}) => {
  const messages: OpenAI.ChatCompletionMessageParam[] = options.answered
    ? [{ role: "assistant", content: options.answered }, { role: "user", content }]
    : [{ role: "user", content }];
  const body = { model: "archive-emulated-1", messages, max_tokens: 16, ...(options.user ? { user: options.user } : {}), ...(options.archive ? { archive: options.archive } : {}) };
  const completion = await client.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsNonStreaming, { headers: { "X-Session-Id": options.session ?? "acceptance-1" } });
  return completion as WithArchive<typeof completion>;
};

const api = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await harness.app.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${harnessKeys.alice}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};
const search = async (body: Record<string, unknown>, headers?: Record<string, string>) => (await api("/memories/search", body, headers)).json.memories as Hit[];

let finished = 0;
const settle = async (turns: number) => {
  finished += turns;
  const { failed } = await harness.scoringIdle({ finished });
  expect(failed).toBe(0);
};

describe("memory through chat (acceptance)", () => {
  it("keeps every turn once, with what it answered, and finds it by its words and by a paraphrase", async () => {
    const script = [
      "Hello! How are you today?",
      "My sister Margarethe lives in Tromsø and keeps bees.",
      "I am fine, thanks.",
      "My parcel number is ZX-4471-QB, it should arrive Monday.",
      "My sister Margarethe lives in Tromsø and keeps bees.",
    ];
    for (const turn of script) expect((await say(turn)).choices[0]?.message.content).toMatch(/\S/);
    await say("Yes, the red one.", { answered: "Would you like the red bicycle or the blue one?" });
    await say("Never store this one.", { archive: { remember: false } });
    await settle(script.length + 1);

    const scope = jobScope(harness.redis, "alice", { logger: silentLogger });
    const { memories, total } = await harness.fn("memory").service.list(scope, { limit: 50, offset: 0 });
    // Every turn but the exact duplicate and the opted-out one.
    expect(total).toBe(5);
    expect(memories.map((memory) => memory.message)).not.toContain("Never store this one.");
    expect(memories.find((memory) => memory.message === "Yes, the red one.")).toMatchObject({ answered: "Would you like the red bicycle or the blue one?" });
    for (const memory of memories) expect(memory.importance).toBeGreaterThan(0);

    // Lexical only: an identifier means nothing to the embedding.
    const [parcel] = await search({ query: "ZX-4471-QB" });
    expect(parcel).toMatchObject({ message: script[3], lexical: 1, tier: "hot" });
    // By meaning: not one word of the memory is in the question.
    const [sister] = await search({ query: "Where is the home of that beekeeping relative?" });
    expect(sister).toMatchObject({ message: script[1], lexical: 0 });
    // The context is searchable: the user only said "yes, the red one".
    const [bicycle] = await search({ query: "bicycle colour" });
    expect(bicycle).toMatchObject({ message: "Yes, the red one." });

    const later = await say("Where does Margarethe live?");
    const margarethe = memories.find((memory) => memory.message === script[1])!;
    expect(later.archive.retrieved[0]).toMatchObject({ source: "memory", id: margarethe.id, citation: { memory_id: margarethe.id, tier: "hot" } });
    await settle(1);

    // Bob (another key) asks the same question: Alice's memory is not his to retrieve.
    const bob = await client.chat.completions.create(
      { model: "archive-emulated-1", messages: [{ role: "user", content: "Where does Margarethe live?" }], max_tokens: 8 },
      { headers: { authorization: `Bearer ${harnessKeys.bob}` } },
    );
    expect((bob as WithArchive<typeof bob>).archive.retrieved).toEqual([]);
    await settle(1);
  });

  it("keeps two end users behind one key apart on every path", async () => {
    const carol = `carol-${crypto.randomUUID()}`;
    const dave = `dave ${crypto.randomUUID()}@example.com`;
    await say("My locker code is 5521 and it is in hall B.", { user: carol, session: "carol-1" });
    await settle(1);
    const added = await api("/memories", { message: "Dave's bike is a green Bianchi.", user: dave });
    expect(added.status).toBe(201);

    const messages = async (query: string, user: { user?: string; header?: string }) =>
      (await search({ query, ...(user.user ? { user: user.user } : {}) }, user.header ? { "X-Archive-User": user.header } : {})).map((hit) => hit.message);
    // Each sees only their own memories, whichever way the end user is named.
    expect(await messages("locker code 5521", { user: carol })).toEqual(["My locker code is 5521 and it is in hall B."]);
    expect(await messages("locker code 5521", { user: dave })).toEqual(["Dave's bike is a green Bianchi."]);
    expect(await messages("locker code 5521", { header: dave })).toEqual(["Dave's bike is a green Bianchi."]);
    expect(await messages("green Bianchi bike", { user: carol })).toEqual(["My locker code is 5521 and it is in hall B."]);
    // The default end user of the same key sees neither.
    const own = await messages("locker code 5521 green Bianchi", {});
    expect(own).not.toContain("My locker code is 5521 and it is in hall B.");
    expect(own).not.toContain("Dave's bike is a green Bianchi.");

    // Another tenant naming the same end user is another person altogether.
    expect(await search({ query: "locker code 5521", user: carol }, { authorization: `Bearer ${harnessKeys.bob}` })).toEqual([]);

    const id = (added.json as { id: string }).id;
    expect((await api(`/memories/${id}`, undefined, { "X-Archive-User": carol })).status).toBe(404);
    expect((await api(`/memories/${id}?user=${encodeURIComponent(dave)}`)).status).toBe(200);
    expect((await api(`/memories/stats`, undefined, { "X-Archive-User": dave })).json).toMatchObject({ hot: 1 });
    const daveList = await api(`/memories?user=${encodeURIComponent(dave)}`);
    expect((daveList.json.memories as Hit[]).map((memory) => memory.message)).toEqual(["Dave's bike is a green Bianchi."]);

    // Chat retrieval follows the request's `user`.
    const asDave = await say("What is my locker code?", { user: dave, session: "dave-1" });
    expect(asDave.archive.retrieved.map((passage) => passage.id)).not.toContain((await search({ query: "locker", user: carol }))[0]!.id);
    const asCarol = await say("What is my locker code?", { user: carol, session: "carol-1" });
    expect(asCarol.archive.retrieved[0]).toMatchObject({ source: "memory" });
    await settle(2);
  });

  it("narrows search to a time window, over the time the memory was said", async () => {
    const user = `erin-${crypto.randomUUID()}`;
    clock.set(Date.UTC(2026, 2, 1));
    await api("/memories", { message: "We booked the Lisbon trip for the spring holiday.", user });
    clock.set(Date.UTC(2026, 3, 1));
    await api("/memories", { message: "We cancelled the Lisbon trip because of the strike.", user });
    const both = await search({ query: "Lisbon trip", user });
    expect(both).toHaveLength(2);
    const march = await search({ query: "Lisbon trip", user, after: "2026-02-15T00:00:00Z", before: "2026-03-15T00:00:00Z" });
    expect(march.map((hit) => hit.message)).toEqual(["We booked the Lisbon trip for the spring holiday."]);
    const april = await search({ query: "Lisbon trip", user, after: "2026-03-15T00:00:00Z" });
    expect(april.map((hit) => hit.message)).toEqual(["We cancelled the Lisbon trip because of the strike."]);
    // Through chat: only the window's memory comes back.
    const inChat = await say("What happened with the Lisbon trip?", { user, session: "erin-1", archive: { before: "2026-03-15T00:00:00Z", remember: false } });
    expect(inChat.archive.retrieved.map((passage) => passage.id)).toEqual([march[0]!.id]);
    const bad = await api("/memories/search", { query: "Lisbon", user, after: "2026-04-01T00:00:00Z", before: "2026-03-01T00:00:00Z" });
    expect(bad.status).toBe(422);
  });

  it("finds an archived memory through chat retrieval and search, flagged as cold, for its owner only", async () => {
    const user = `frank-${crypto.randomUUID()}`;
    clock.set(Date.UTC(2025, 5, 1));
    await say("The spare key to the cabin is under the blue flowerpot.", { user, session: "frank-1" });
    await settle(1);
    clock.set(Date.UTC(2025, 5, 1) + 90 * day);
    const run = await api("/memories/archive/run", {}, { "X-Archive-User": user });
    expect(run.json).toMatchObject({ archived: 1 });
    expect((await api("/memories/stats", undefined, { "X-Archive-User": user })).json).toMatchObject({ hot: 0, archived: 1 });

    const [cold] = await search({ query: "Where is the spare cabin key?", user });
    expect(cold).toMatchObject({ message: "The spare key to the cabin is under the blue flowerpot.", tier: "cold" });
    const reply = await say("Where is the spare cabin key?", { user, session: "frank-2", archive: { remember: false } });
    expect(reply.archive.retrieved[0]).toMatchObject({ source: "memory", id: cold!.id, citation: { tier: "cold" } });
    // Another end user of the same key: not theirs (they have no memories at all).
    expect(await search({ query: "Where is the spare cabin key?", user: `${user}-other` })).toEqual([]);
    expect(await search({ query: "Where is the spare cabin key?", user }, { authorization: `Bearer ${harnessKeys.bob}` })).toEqual([]);
    expect((await say("Where is the spare cabin key?", { user: `${user}-other`, session: "x-1", archive: { remember: false } })).archive.retrieved).toEqual([]);

    // Restored, it is hot again, and search says so.
    await api("/memories/archive/restore", { ids: [cold!.id], user });
    expect((await search({ query: "spare cabin key flowerpot", user }))[0]).toMatchObject({ id: cold!.id, tier: "hot" });
  });
});
