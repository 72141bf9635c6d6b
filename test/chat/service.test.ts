import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CapturedTurn, TurnCapture } from "../../functions/chat/hooks.js";
import { harnessKeys, post, startHarness, type Harness } from "../harness.js";
import { turnIdFor } from "../../functions/chat/turn-identity.js";

/** One call of the steered capture: the turn it got, what Redis answered, how it ended. */
interface CaptureCall {
  turn: CapturedTurn;
  ping?: unknown;
  ended: boolean;
  failed: boolean;
}

/**
 * A memory capture the test steers: each call is recorded when it starts and when it ends, and
 * can be held until the test lets it go, or made to fail for one message. Nothing is asserted
 * inside it: the service catches (and only logs) what capture throws, so a failed assertion there
 * would surface as a timeout elsewhere. It records; the tests assert. Calls are found by message,
 * so one still finishing from an earlier test cannot be mistaken for the one a test waits for.
 */
function steeredCapture() {
  const calls: CaptureCall[] = [];
  const failing = new Set<string>();
  let gate: Promise<void> = Promise.resolve();
  let openGate = () => {};
  const waiters: { ready: () => boolean; resolve: () => void }[] = [];
  const changed = () => {
    for (const waiter of [...waiters]) {
      if (!waiter.ready()) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const capture: TurnCapture = {
    async capture(turn, redis) {
      const call: CaptureCall = { turn, ended: false, failed: false };
      calls.push(call);
      changed();
      try {
        // The request's Redis must still be usable here, after the reply went out.
        call.ping = await redis.ping().catch((error: unknown) => error);
        await gate;
        if (failing.delete(turn.message)) {
          call.failed = true;
          throw new Error("queue unavailable");
        }
      } finally {
        call.ended = true;
        changed();
      }
    },
  };
  return {
    capture,
    calls,
    callOf: (message: string) => calls.find((call) => call.turn.message === message),
    /** Holds every capture until `release` is called. */
    hold() {
      gate = new Promise((resolve) => {
        openGate = resolve;
      });
    },
    release() {
      openGate();
      gate = Promise.resolve();
    },
    failFor(message: string) {
      failing.add(message);
    },
    /** Resolves once `condition` holds; checked whenever a capture starts or ends. */
    until(condition: () => boolean): Promise<void> {
      if (condition()) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ ready: condition, resolve }));
    },
    reset() {
      this.release();
      failing.clear();
      calls.length = 0;
    },
  };
}

/** One turn of the event loop: every promise reaction already due (a logged failure) has run. */
const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("memory capture", () => {
  const steer = steeredCapture();
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ functions: ["chat"], seams: { capture: steer.capture } });
  });
  afterAll(() => harness.close());
  beforeEach(() => steer.reset());

  it("hands every user turn to capture without delaying the reply", async () => {
    // Order, not wall-clock time (a loaded machine makes any bound flaky): capture is held until
    // the reply has been read, so a reply that waited for it would never arrive.
    steer.hold();
    const message = "My sister lives in Porto";
    const response = await harness.app.request(
      "/v1/chat/completions",
      post({ messages: [{ role: "user", content: message }], session_id: "family" }, harnessKeys.alice, { "x-request-id": "req-capture-1" }),
    );
    expect(response.status).toBe(200);
    await response.json();
    expect(steer.callOf(message)?.ended ?? false).toBe(false);

    steer.release();
    await steer.until(() => steer.callOf(message)?.ended === true);
    const call = steer.callOf(message);
    expect(call).toMatchObject({ ping: "PONG", failed: false });
    expect(call?.turn).toEqual({
      tenant: "alice",
      endUser: "default",
      sessionId: "family",
      message,
      turnId: await turnIdFor("alice", "family", "req-capture-1", message),
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
    // A last turn marks the end: captures start in request order, so once its capture has started,
    // any capture of the requests before it has started too (no waiting for "long enough").
    await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "last turn" }] }));
    await steer.until(() => steer.callOf("last turn") !== undefined);
    expect(steer.calls.map((call) => [call.turn.tenant, call.turn.message]).sort()).toEqual([
      ["alice", "last turn"],
      ["alice", "new turn"],
      ["alice", "streamed turn"],
      ["bob", "chat turn"],
    ]);
    await steer.until(() => steer.calls.every((call) => call.ended));
  });

  it("logs a failed capture and still answers", async () => {
    const message = "will not be captured";
    steer.failFor(message);
    const response = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: message }] }, harnessKeys.alice, { "x-request-id": "req-capture-fails" }));
    expect(response.status).toBe(200);
    await response.json();
    await steer.until(() => steer.callOf(message)?.ended === true);
    await nextTurn();
    expect(steer.callOf(message)?.failed).toBe(true);
    const line = harness.logs.find((entry) => entry.event === "chat_capture_failed" && entry.requestId === "req-capture-fails");
    expect(line?.level).toBe("error");
  });
});
