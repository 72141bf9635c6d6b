import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CapturedTurn, TurnCapture } from "../../functions/chat/hooks.js";
import { harnessKeys, eventually, post, startHarness, type Harness } from "../harness.js";
import { turnIdFor } from "../../functions/chat/turn-identity.js";

describe("memory capture", () => {
  const captured: CapturedTurn[] = [];
  let failNext = false;
  // Slow on purpose: capture must never hold up a reply.
  const capture: TurnCapture = {
    async capture(turn, redis) {
      expect(await redis.ping()).toBe("PONG");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (failNext) {
        failNext = false;
        throw new Error("queue unavailable");
      }
      captured.push(turn);
    },
  };
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ functions: ["chat"], seams: { capture } });
  });
  afterAll(() => harness.close());

  it("hands every user turn to capture without delaying the reply", async () => {
    const response = await harness.app.request(
      "/v1/chat/completions",
      post({ messages: [{ role: "user", content: "My sister lives in Porto" }], session_id: "family" }, harnessKeys.alice, { "x-request-id": "req-capture-1" }),
    );
    expect(response.status).toBe(200);
    await response.json();
    // Order, not wall-clock time (a loaded machine makes any bound flaky): capture takes a second,
    // so a reply that had waited for it would find the turn already captured.
    expect(captured).toHaveLength(0);

    await eventually(() => captured.length === 1, 3000);
    expect(captured[0]).toEqual({
      tenant: "alice",
      endUser: "default",
      sessionId: "family",
      message: "My sister lives in Porto",
      turnId: await turnIdFor("alice", "family", "req-capture-1", "My sister lives in Porto"),
      capturedAt: expect.any(Number),
    });
  });

  it("derives a stable turn id: a retry of the same request is the same turn, a new request a new one", async () => {
    const same = await turnIdFor("alice", "s", "req-1", "hello");
    expect(await turnIdFor("alice", "s", "req-1", "hello")).toBe(same);
    expect(await turnIdFor("alice", "s", "req-2", "hello")).not.toBe(same);
    expect(await turnIdFor("bob", "s", "req-1", "hello")).not.toBe(same);
    expect(same).toMatch(/^[0-9a-f]{64}$/);
  });

  it("captures streamed and /chat turns, only the newest user message, and nothing for an assistant-last request", async () => {
    captured.length = 0;
    const stream = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "streamed turn" }], stream: true }));
    await stream.text();
    await harness.app.request("/chat", post({ message: "chat turn" }, harnessKeys.bob));
    await harness.app.request(
      "/v1/chat/completions",
      post({ messages: [{ role: "user", content: "old turn" }, { role: "assistant", content: "answer" }, { role: "user", content: "new turn" }] }),
    );
    await harness.app.request(
      "/v1/chat/completions",
      post({ messages: [{ role: "user", content: "old turn" }, { role: "assistant", content: "continue this" }] }),
    );
    await eventually(() => captured.length >= 3, 3000);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(captured.map((turn) => [turn.tenant, turn.message]).sort()).toEqual([
      ["alice", "new turn"],
      ["alice", "streamed turn"],
      ["bob", "chat turn"],
    ]);
  });

  it("logs a failed capture and still answers", async () => {
    failNext = true;
    const response = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "will not be captured" }] }));
    expect(response.status).toBe(200);
    await eventually(() => harness.logs.some((line) => line.event === "chat_capture_failed"), 3000);
    const line = harness.logs.find((entry) => entry.event === "chat_capture_failed");
    expect(line?.level).toBe("error");
    expect(typeof line?.requestId).toBe("string");
  });
});
