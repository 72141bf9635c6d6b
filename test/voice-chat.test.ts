import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWavInfo } from "../functions/voice/index.js";
import { contractKeys, jsonBody, withKey } from "./contract/target.js";
import { startNodeSystem } from "./node-system.js";
import { requireVoiceTools } from "./voice-support.js";

/**
 * Acceptance: one spoken question, one request — transcribed, answered through chat with memory
 * retrieval, and spoken back. The whole Node composition (USE-lite embeddings, the emulated
 * engine, real Redis, flite and pocketsphinx), as `npm start` runs it.
 */
let running: Awaited<ReturnType<typeof startNodeSystem>>;
const app = () => running.system.app;

beforeAll(async () => {
  requireVoiceTools();
  running = await startNodeSystem();
}, 60_000);

afterAll(async () => {
  await running?.close();
});

const speak = async (text: string) => {
  const response = await app().request("/v1/audio/speech", jsonBody(contractKeys.alice, { input: text, voice: "kal16", response_format: "wav" }));
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
};

const voiceChat = async (key: string, audio: Uint8Array<ArrayBuffer>, fields: Record<string, string> = {}) => {
  const form = new FormData();
  form.append("audio", new Blob([audio]), "question.wav");
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return app().request("/voice/chat", withKey(key, { method: "POST", body: form }));
};

describe("voice chat (acceptance)", () => {
  it("answers a spoken question from a stored memory, with both sides' text and the reply spoken", { timeout: 120_000 }, async () => {
    const stored = await app().request("/memories", jsonBody(contractKeys.alice, { message: "My dog is called Biscuit." }));
    expect(stored.status).toBe(201);
    const search = await app().request("/memories/search", jsonBody(contractKeys.alice, { query: "the name of my dog" }));
    expect((await search.json()).memories[0]).toMatchObject({ message: "My dog is called Biscuit." });

    const response = await voiceChat(contractKeys.alice, await speak("What is the name of my dog?"), { session_id: "voice-session-1" });
    expect(response.status).toBe(200);
    const turn = await response.json();
    expect(turn.transcript).toMatch(/name of my dog/);
    expect(turn.reply).toContain("My dog is called Biscuit.");
    expect(turn.session_id).toBe("voice-session-1");
    expect(turn.audio).toMatchObject({ format: "wav", content_type: "audio/wav" });
    const spoken = readWavInfo(Uint8Array.from(atob(turn.audio.data), (char) => char.charCodeAt(0)));
    expect("durationSeconds" in spoken && spoken.durationSeconds).toBeGreaterThan(1);

    // Bob's memories are his own: the same question finds nothing of Alice's.
    const bob = await (await voiceChat(contractKeys.bob, await speak("What is the name of my dog?"))).json();
    expect(bob.reply).not.toContain("Biscuit");
  });

  it("refuses audio it cannot hear as a clear 400, without calling chat", { timeout: 30_000 }, async () => {
    const silence = new Uint8Array(44 + 32000);
    silence.set(new Uint8Array(await speak("x")).subarray(0, 44));
    new DataView(silence.buffer).setUint32(40, 32000, true);
    const response = await voiceChat(contractKeys.alice, silence);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "no_speech" });
  });
});
