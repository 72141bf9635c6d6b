/**
 * Microphone → 16 kHz mono 16-bit WAV, which every speech backend reads (the local one needs PCM;
 * MediaRecorder would give webm/opus). Samples are taken on the main thread (ScriptProcessor): an
 * AudioWorklet would need a module URL of its own, for a few seconds of speech it is not worth it.
 */
export interface Recording {
  stop(): Promise<Blob>;
}

const targetRate = 16_000;

export async function startRecording(): Promise<Recording> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(4096, 1, 1);
  const chunks: Float32Array[] = [];
  processor.addEventListener("audioprocess", (event) => chunks.push(new Float32Array(event.inputBuffer.getChannelData(0))));
  source.connect(processor);
  processor.connect(context.destination);
  return {
    async stop() {
      processor.disconnect();
      source.disconnect();
      for (const track of stream.getTracks()) track.stop();
      await context.close();
      return encodeWav(resample(chunks, context.sampleRate));
    },
  };
}

function resample(chunks: readonly Float32Array[], rate: number): Float32Array {
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Float32Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  const ratio = rate / targetRate;
  const out = new Float32Array(Math.floor(length / ratio));
  for (let index = 0; index < out.length; index++) out[index] = joined[Math.floor(index * ratio)] ?? 0;
  return out;
}

function encodeWav(samples: Float32Array): Blob {
  const buffer = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(buffer);
  const text = (at: number, value: string) => [...value].forEach((char, index) => view.setUint8(at + index, char.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, targetRate, true);
  view.setUint32(28, targetRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((sample, index) => view.setInt16(44 + index * 2, Math.max(-1, Math.min(1, sample)) * 0x7fff, true));
  return new Blob([buffer], { type: "audio/wav" });
}
