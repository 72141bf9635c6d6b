import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harnessKeys, startHarness, type Harness } from "../harness.js";
import { maxSessionsPerTenant } from "../../functions/chat/session-store.js";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ functions: ["chat"] });
}, 30_000);

afterAll(async () => harness?.close());

const call = (key: string, path: string, init: { method?: string; body?: unknown } = {}) =>
  harness.app.request(path, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${key}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

describe("chat sessions", () => {
  it("creates, lists newest first, renames and deletes a session", async () => {
    const first = await call(harnessKeys.alice, "/chat/sessions", { method: "POST", body: { title: "Trip to Lisbon" } });
    expect(first.status).toBe(201);
    const created = await first.json();
    expect(created).toMatchObject({ title: "Trip to Lisbon", messages: 0 });
    expect(first.headers.get("location")).toBe(`/chat/sessions/${created.id}`);
    const second = await (await call(harnessKeys.alice, "/chat/sessions", { method: "POST", body: {} })).json();
    expect(second.title).toBe("New conversation");

    const list = await (await call(harnessKeys.alice, "/chat/sessions")).json();
    expect(list.sessions.map((session: { id: string }) => session.id)).toEqual([second.id, created.id]);
    expect(list.total).toBe(2);

    const renamed = await call(harnessKeys.alice, `/chat/sessions/${created.id}`, { method: "PATCH", body: { title: "  Lisbon, May  " } });
    expect((await renamed.json()).title).toBe("Lisbon, May");
    expect((await (await call(harnessKeys.alice, `/chat/sessions/${created.id}`)).json()).title).toBe("Lisbon, May");

    const deleted = await call(harnessKeys.alice, `/chat/sessions/${created.id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ status: "deleted", id: created.id });
    expect((await call(harnessKeys.alice, `/chat/sessions/${created.id}`)).status).toBe(404);
    const after = await (await call(harnessKeys.alice, "/chat/sessions")).json();
    expect(after.sessions.map((session: { id: string }) => session.id)).toEqual([second.id]);
  });

  it("shows the conversation chat kept for the session, and deleting it forgets the history", async () => {
    const session = await (await call(harnessKeys.alice, "/chat/sessions", { method: "POST", body: { title: "history" } })).json();
    const reply = await call(harnessKeys.alice, "/v1/chat/completions", {
      method: "POST",
      body: { messages: [{ role: "user", content: "My cat is called Miso" }], session_id: session.id, archive: { retrieval: false } },
    });
    expect(reply.status).toBe(200);
    const answer = (await reply.json()).choices[0].message.content as string;

    const { messages } = await (await call(harnessKeys.alice, `/chat/sessions/${session.id}/messages`)).json();
    expect(messages.map((message: { role: string; content: string }) => [message.role, message.content])).toEqual([
      ["user", "My cat is called Miso"],
      ["assistant", answer],
    ]);
    expect(Date.parse(messages[0].at)).toBeGreaterThan(0);
    const listed = (await (await call(harnessKeys.alice, "/chat/sessions")).json()).sessions.find((entry: { id: string }) => entry.id === session.id);
    expect(listed.messages).toBe(2);

    await call(harnessKeys.alice, `/chat/sessions/${session.id}`, { method: "DELETE" });
    expect(await harness.redis.exists(`${harness.prefix}:t:alice:chat:history:${session.id}`)).toBe(0);
  });

  it("keeps tenants apart: another tenant's session is not found", async () => {
    const session = await (await call(harnessKeys.alice, "/chat/sessions", { method: "POST", body: { title: "private" } })).json();
    expect((await call(harnessKeys.bob, `/chat/sessions/${session.id}`)).status).toBe(404);
    expect((await call(harnessKeys.bob, `/chat/sessions/${session.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await call(harnessKeys.bob, `/chat/sessions/${session.id}/messages`)).status).toBe(404);
    const bobs = await (await call(harnessKeys.bob, "/chat/sessions")).json();
    expect(bobs.sessions.map((entry: { id: string }) => entry.id)).not.toContain(session.id);
    expect((await call(harnessKeys.alice, `/chat/sessions/${session.id}`)).status).toBe(200);
  });

  it("refuses bad input with problem+json naming the field", async () => {
    const empty = await call(harnessKeys.alice, "/chat/sessions", { method: "POST", body: { title: "   " } });
    expect(empty.status).toBe(422);
    expect(empty.headers.get("content-type")).toBe("application/problem+json");
    expect((await empty.json()).errors[0].path).toBe("title");
    const long = await call(harnessKeys.alice, "/chat/sessions", { method: "POST", body: { title: "x".repeat(121) } });
    expect(long.status).toBe(422);
    const unknown = await call(harnessKeys.alice, "/chat/sessions", { method: "POST", body: { name: "x" } });
    expect(unknown.status).toBe(422);
    expect((await call(harnessKeys.alice, "/chat/sessions?limit=1000")).status).toBe(422);
    expect((await call(harnessKeys.alice, "/chat/sessions/bad%20id")).status).toBe(404);
    expect((await call(harnessKeys.alice, "/chat/sessions")).status).toBe(200);
  });

  it("bounds the sessions of a tenant", async () => {
    const key = `${harness.prefix}:t:bob:chat:sessions`;
    const filler = Array.from({ length: maxSessionsPerTenant }, (_, index) => [String(index), `filler-${index}`]).flat();
    await harness.redis.zadd(key, ...filler);
    const refused = await call(harnessKeys.bob, "/chat/sessions", { method: "POST", body: {} });
    expect(refused.status).toBe(409);
    expect((await refused.json()).code).toBe("too_many_sessions");
    await harness.redis.del(key);
  });
});
