import { AppError, badRequest, serviceUnavailable } from "../../shared/errors.js";
import {
  audioTooLong,
  encodeWav,
  readWavInfo,
  speechContentTypes,
  wavHeader,
  type AudioFormat,
  type SpeechFormat,
  type Synthesizer,
  type Transcriber,
  type TranscriptSegment,
} from "../../functions/voice/index.js";
import { fliteVoices, type Flite } from "./voice-flite.js";
import { pipedStdin, runTool } from "./voice-process.js";

/**
 * The offline backend (emulator, self-hosted without a GPU, tests): flite for speech,
 * pocketsphinx for transcription, sox to decode and resample. Audio goes through pipes only.
 */
export interface LocalVoiceTools {
  flite: Flite;
  /** Paths found on PATH; undefined: not installed (the error names the apt package). */
  sox: string | undefined;
  pocketsphinx: string | undefined;
}

/** OpenAI's voice names, so stock clients work; all map to flite's clearest voice. */
const openaiVoices = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"];
const defaultVoice = "kal16";
/** Sentences are synthesized in groups of about this many characters; the first group is answered at once. */
const chunkChars = 600;
const recognizerRate = 16_000;
/** OpenAI's `pcm` is 24 kHz; clients play it at that rate. */
const pcmRate = 24_000;
const toolTimeoutMs = 600_000;
export const aptPackages = { sox: "sox", pocketsphinx: "pocketsphinx pocketsphinx-en-us" } as const;

const missingTool = (tool: keyof typeof aptPackages) =>
  serviceUnavailable(`The local voice backend needs ${tool}: apt-get install -y ${aptPackages[tool]} (or set VOICE_STT_ENDPOINTS / VOICE_TTS_ENDPOINTS)`, { code: "voice_tool_missing" });

export function createLocalSynthesizer(tools: LocalVoiceTools): Synthesizer {
  const formats: SpeechFormat[] = tools.sox ? ["wav", "pcm", "flac"] : ["wav", "pcm"];
  return {
    backend: "local",
    formats,
    defaultVoice,
    async synthesize(request) {
      const voice = openaiVoices.includes(request.voice) ? defaultVoice : request.voice;
      if (!(fliteVoices as readonly string[]).includes(voice)) {
        throw new AppError({
          code: "unsupported_voice",
          status: 400,
          title: "Bad Request",
          detail: `Voice "${request.voice}" is not available on the local backend; use ${fliteVoices.join(", ")} (OpenAI's names map to ${defaultVoice})`,
          errors: [{ path: "voice", message: `one of ${fliteVoices.join(", ")}` }],
        });
      }
      const say = (text: string) => tools.flite.synthesize(text, { voice, speed: request.speed, signal: request.signal });
      const chunks = chunkText(request.text, chunkChars);
      const first = await say(chunks[0]!);
      const rate = request.format === "pcm" ? pcmRate : first.sampleRate;
      const encode = (pcm: Buffer) => (request.format === "pcm" ? resample(pcm, first.sampleRate, pcmRate) : pcm);
      const seconds = (bytes: number) => bytes / 2 / rate;

      if (chunks.length === 1 || request.format === "flac") {
        let pcm = encode(first.pcm);
        for (const chunk of chunks.slice(1)) pcm = Buffer.concat([pcm, (await say(chunk)).pcm]);
        const bytes =
          request.format === "flac"
            ? await toFlac(tools.sox!, pcm, rate, request.signal)
            : request.format === "wav"
              ? encodeWav(pcm, rate)
              : new Uint8Array(pcm);
        return { body: new Response(bytes).body!, contentType: speechContentTypes[request.format], bytes: bytes.length, durationSeconds: Promise.resolve(seconds(pcm.length)) };
      }

      // Long text: the first group plays while the next is being made (pull = one more group).
      let next = 1;
      let produced = 0;
      let settle!: (value: number | undefined) => void;
      const durationSeconds = new Promise<number | undefined>((resolve) => (settle = resolve));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          if (request.format === "wav") controller.enqueue(wavHeader(rate, 0xffffffff));
          const pcm = encode(first.pcm);
          produced += pcm.length;
          controller.enqueue(pcm);
        },
        async pull(controller) {
          if (next >= chunks.length) {
            settle(seconds(produced));
            return controller.close();
          }
          const pcm = encode((await say(chunks[next++]!)).pcm);
          produced += pcm.length;
          controller.enqueue(pcm);
        },
        cancel() {
          settle(undefined);
        },
      });
      return { body, contentType: speechContentTypes[request.format], bytes: undefined, durationSeconds };
    },
  };
}

export function createLocalTranscriber(tools: LocalVoiceTools, limits: { maxAudioSeconds: number }): Transcriber {
  const formats: AudioFormat[] = tools.sox ? ["wav", "flac", "ogg"] : ["wav"];
  return {
    backend: "local",
    formats,
    async transcribe(request) {
      if (request.language && !/^en(-|$)/.test(request.language)) {
        throw badRequest(`The local backend transcribes English only (language "${request.language}"); use language=en or a pool STT server`, "unsupported_language");
      }
      if (!tools.pocketsphinx) throw missingTool("pocketsphinx");
      const raw = await toRecognizerPcm(tools, request.audio, request.format, limits.maxAudioSeconds, request.signal);
      const durationSeconds = raw.length / 2 / recognizerRate;
      const recognizer = pipedStdin(tools.pocketsphinx, ["-infile", "/dev/stdin", "-time", "yes", "-logfn", "/dev/null"]);
      const run = await runTool(recognizer.command, recognizer.args, {
        input: raw,
        signal: request.signal,
        maxOutputBytes: 4 << 20,
        timeoutMs: toolTimeoutMs,
      });
      const segments = parseRecognition(run.stdout.toString("utf8"));
      return { text: segments.map((segment) => segment.text).join(" "), language: "en", durationSeconds, segments, model: "pocketsphinx-en-us" };
    },
  };
}

/** 16 kHz mono 16-bit samples, which is what the acoustic model was trained on. */
async function toRecognizerPcm(tools: LocalVoiceTools, audio: Uint8Array, format: AudioFormat, maxSeconds: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const maxBytes = maxSeconds * recognizerRate * 2;
  if (format === "wav") {
    const info = readWavInfo(audio);
    if ("problem" in info) throw badRequest(`The WAV file cannot be read: ${info.problem}`, "invalid_audio");
    if (info.sampleRate === recognizerRate && info.channels === 1 && info.bitsPerSample === 16) {
      return audio.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
    }
  }
  if (!tools.sox) throw missingTool("sox");
  const decoded = await runTool(tools.sox, ["-q", "-t", format === "ogg" ? "ogg" : format, "-", "-t", "raw", "-r", String(recognizerRate), "-c", "1", "-b", "16", "-e", "signed-integer", "-"], {
    input: audio,
    signal,
    maxOutputBytes: maxBytes + 2,
    timeoutMs: toolTimeoutMs,
  }).catch((error: unknown) => {
    throw badRequest(`The ${format.toUpperCase()} file cannot be decoded (${(error as Error).message})`, "invalid_audio");
  });
  if (decoded.stdout.length > maxBytes) throw audioTooLong(decoded.stdout.length / 2 / recognizerRate, maxSeconds);
  return decoded.stdout;
}

/**
 * pocketsphinx_continuous with `-time yes`: per utterance a hypothesis line, then one line per
 * word `word start end confidence`. Markers (`<s>`, `<sil>`, `[NOISE]`) and pronunciation
 * variants (`into(2)`) are its bookkeeping, not words.
 */
export function parseRecognition(output: string): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let current: TranscriptSegment | undefined;
  for (const line of output.split("\n").map((entry) => entry.trim()).filter(Boolean)) {
    const word = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)$/.exec(line);
    if (!word) {
      current = { start: 0, end: 0, text: line };
      segments.push(current);
      continue;
    }
    if (!current || /^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(word[1]!)) continue;
    const start = Number(word[2]);
    const end = Number(word[3]);
    if (current.end === 0) current.start = start;
    current.end = end;
  }
  return segments;
}

/** Whole sentences, grouped up to `limit` characters (a longer sentence is its own group). */
function chunkText(text: string, limit: number): string[] {
  const sentences = text.replace(/\s+/g, " ").trim().match(/[^.!?]+[.!?]*\s*/g) ?? [text];
  const groups: string[] = [];
  for (const sentence of sentences) {
    const last = groups.at(-1);
    if (last !== undefined && last.length + sentence.length <= limit) groups[groups.length - 1] = last + sentence;
    else groups.push(sentence);
  }
  return groups.map((group) => group.trim()).filter((group) => group !== "");
}

/** Linear interpolation between 16-bit samples: enough for speech going to 24 kHz. */
function resample(pcm: Buffer, from: number, to: number): Buffer {
  if (from === to) return pcm;
  const input = new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));
  const output = new Int16Array(Math.floor((input.length * to) / from));
  for (let index = 0; index < output.length; index++) {
    const position = (index * from) / to;
    const left = Math.floor(position);
    const right = Math.min(left + 1, input.length - 1);
    const weight = position - left;
    output[index] = Math.round(input[left]! * (1 - weight) + input[right]! * weight);
  }
  return Buffer.from(output.buffer, output.byteOffset, output.byteLength);
}

async function toFlac(sox: string, pcm: Buffer, rate: number, signal: AbortSignal | undefined): Promise<Uint8Array<ArrayBuffer>> {
  const run = await runTool(sox, ["-q", "-t", "raw", "-r", String(rate), "-c", "1", "-b", "16", "-e", "signed-integer", "-", "-t", "flac", "-"], {
    input: pcm,
    signal,
    maxOutputBytes: pcm.length + 4096,
    timeoutMs: toolTimeoutMs,
  });
  return new Uint8Array(run.stdout);
}
