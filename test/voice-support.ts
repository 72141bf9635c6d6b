/**
 * Test-only helpers for voice: the real speech tools (never a stand-in), emulated OpenAI-audio
 * servers backed by them, word error rate, and WAV files of a given length.
 */
import { serve, type ServerType } from "@hono/node-server";
import { freePort } from "../emulator/redis-launcher.js";
import { createEmulatedVoiceEngine } from "../emulator/voice-engine.js";
import { createFlite } from "../infra/node/voice-flite.js";
import { aptPackages, createLocalSynthesizer, createLocalTranscriber, type LocalVoiceTools } from "../infra/node/voice-local.js";
import { findTool } from "../infra/node/voice-process.js";
import { wavHeader } from "../functions/voice/index.js";

/**
 * The five sentences of the round-trip acceptance check: everyday words, as a user would say them.
 * pocketsphinx is a 2015-era recogniser: "keeps bees" comes back "keeps me is" and "cold and
 * windy" "gold and wendy", so a set with those words scored 15.4 % (README, Voice).
 */
export const roundTripSentences = [
  "The quick brown fox jumps over the lazy dog.",
  "Please call me back tomorrow morning.",
  "I would like a cup of coffee with milk.",
  "We need to buy bread and eggs at the store.",
  "The meeting has been moved to next Tuesday.",
];

/**
 * The tools the local backend runs, or a failure that says what to install. Never a skip: in CI
 * (and anywhere) a voice test without its tools must fail loudly, naming the apt packages.
 */
export function requireVoiceTools(): void {
  const missing = (["pocketsphinx", "sox"] as const).filter((tool) => !findTool(tool === "pocketsphinx" ? "pocketsphinx_continuous" : tool));
  if (missing.length > 0) {
    throw new Error(`voice tests need ${missing.join(" and ")}: apt-get install -y ${missing.map((tool) => aptPackages[tool]).join(" ")}`);
  }
}

export function localVoiceTools(): LocalVoiceTools {
  requireVoiceTools();
  return { flite: createFlite({ threads: 2 }), sox: findTool("sox"), pocketsphinx: findTool("pocketsphinx_continuous") };
}

/** Two OpenAI-audio servers on real ports, as the compose file runs them (Whisper on vLLM, a TTS server). */
export async function startVoiceEngineServers() {
  const tools = localVoiceTools();
  const stt = createEmulatedVoiceEngine({ model: "whisper-emulated", transcriber: createLocalTranscriber(tools, { maxAudioSeconds: 3600 }) });
  const tts = createEmulatedVoiceEngine({ model: "tts-emulated", synthesizer: createLocalSynthesizer(tools) });
  const servers = await Promise.all([stt, tts].map(async (app) => {
    const port = await freePort();
    const server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, () => resolve(started));
    });
    return { url: `http://127.0.0.1:${port}`, server };
  }));
  const [sttServer, ttsServer] = servers as [(typeof servers)[number], (typeof servers)[number]];
  return {
    sttUrl: sttServer.url,
    ttsUrl: ttsServer.url,
    env: { VOICE_STT_ENDPOINTS: sttServer.url, VOICE_TTS_ENDPOINTS: ttsServer.url, VOICE_STT_MODEL: "whisper-emulated", VOICE_TTS_MODEL: "tts-emulated" },
    async close() {
      for (const { server } of servers) {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await tools.flite.close();
    },
  };
}

const words = (text: string) => text.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").split(/\s+/).filter(Boolean);

/** Word-level edit distance between what was said and what was heard, and the reference length. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const said = words(reference);
  const heard = words(hypothesis);
  let previous = Array.from({ length: heard.length + 1 }, (_, index) => index);
  for (let row = 1; row <= said.length; row++) {
    const current = [row];
    for (let column = 1; column <= heard.length; column++) {
      const substitution = previous[column - 1]! + (said[row - 1] === heard[column - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[column]! + 1, current[column - 1]! + 1));
    }
    previous = current;
  }
  return { errors: previous[heard.length]!, words: said.length };
}

/** A real WAV of `seconds` of quiet hum at 8 kHz 16-bit mono (20 minutes is about 19 MB). */
export function humWav(seconds: number, sampleRate = 8000): Uint8Array<ArrayBuffer> {
  const samples = Math.round(seconds * sampleRate);
  const file = new Uint8Array(44 + samples * 2);
  file.set(wavHeader(sampleRate, samples * 2), 0);
  const view = new DataView(file.buffer, 44);
  for (let index = 0; index < samples; index++) view.setInt16(index * 2, Math.round(300 * Math.sin((2 * Math.PI * 120 * index) / sampleRate)), true);
  return file;
}
