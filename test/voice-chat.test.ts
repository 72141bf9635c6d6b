import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readWavInfo } from "../functions/voice/index.js";
import { composeNode, type NodeComposition } from "../infra/node/compose.js";
import { loadConfig } from "../shared/config.js";
import { silentLogger } from "../shared/logger.js";
import { contractApiKeys, contractKeys, jsonBody, withKey } from "./contract/target.js";
import { startEngineServer } from "./engine-server.js";
import { requireVoiceTools } from "./voice-support.js";

/**
 * Acceptance: one spoken question, one request — transcribed, answered through chat with memory
 * retrieval, and spoken back. The whole Node composition (USE-lite embeddings, the emulated
 * engine, real Redis, flite and pocketsphinx), as `npm start` runs it.
 */
let system: NodeComposition;
let engine: Awaited<ReturnType<typeof startEngineServer>>;
let dataDir: string;

beforeAll(async () => {
  requireVoiceTools();
  engine = await startEngineServer();
  dataDir = await mkdtemp(join(tmpdir(), "archive-voice-chat-"));
  const config = loadConfig({
    ARCHIVE_API_KEYS: contractApiKeys,
    ARCHIVE_DATA_DIR: dataDir,
    REDIS_PREFIX: `voice-chat-${crypto.randomUUID().slice(0, 8)}`,
    INFERENCE_ENDPOINTS: engine.url,
  });
  system = composeNode({ config, redisUrl: inject("redisUrl"), logger: silentLogger, workers: true });
  await system.ready;
}, 60_000);

afterAll(async () => {
  await system?.close();
  await engine?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const speak = async (text: string) => {
  const response = await system.app.request("/v1/audio/speech", jsonBody(contractKeys.alice, { input: text, voice: "kal16", response_format: "wav" }));
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
};

const voiceChat = async (key: string, audio: Uint8Array<ArrayBuffer>, fields: Record<string, string> = {}) => {
  const form = new FormData();
  form.append("audio", new Blob([audio]), "question.wav");
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return system.app.request("/voice/chat", withKey(key, { method: "POST", body: form }));
};

describe("voice chat (acceptance)", () => {
  it("answers a spoken question from a stored memory, with both sides' text and the reply spoken", { timeout: 120_000 }, async () => {
    const stored = await system.app.request("/memories", jsonBody(contractKeys.alice, { message: "My dog is called Biscuit." }));
    expect(stored.status).toBe(201);
    // Chat gives retrieval 300 ms; the first search of a process loads the vector replica and the
    // model threads, which on a busy CI box can take longer. A user's second question never pays it.
    const search = await system.app.request("/memories/search", jsonBody(contractKeys.alice, { query: "the name of my dog" }));
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
