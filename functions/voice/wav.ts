/**
 * WAV (RIFF, integer PCM) read and written in plain Web APIs, so every runtime can check an
 * upload's duration before it costs anything and wrap raw PCM for a client. Compressed formats
 * are the backends' business; only their kind is recognised here (see audio-format.ts).
 */
export interface PcmInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Where the sample data starts and how many bytes of it the file holds. */
  dataOffset: number;
  dataBytes: number;
  durationSeconds: number;
}

const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

/**
 * The format chunk and the data chunk of a WAV file, or a reason it is not one we can read. A
 * data size of 0 or 0xFFFFFFFF (written by encoders that stream to a pipe) means "to the end".
 */
export function readWavInfo(bytes: Uint8Array): PcmInfo | { problem: string } {
  if (bytes.length < 12 || ascii(bytes, 0, 4) !== "RIFF" || ascii(bytes, 8, 4) !== "WAVE") return { problem: "not a RIFF/WAVE file" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: { audioFormat: number; channels: number; sampleRate: number; bitsPerSample: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.length) return { problem: "the fmt chunk is truncated" };
      let audioFormat = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its sub-format GUID.
      if (audioFormat === 0xfffe && size >= 40 && body + 26 <= bytes.length) audioFormat = view.getUint16(body + 24, true);
      format = { audioFormat, channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bitsPerSample: view.getUint16(body + 14, true) };
    } else if (id === "data") {
      if (!format) return { problem: "the data chunk comes before the fmt chunk" };
      if (format.audioFormat !== 1) return { problem: `WAV audio format ${format.audioFormat} is not integer PCM` };
      if (format.channels < 1 || format.sampleRate < 1 || ![8, 16, 24, 32].includes(format.bitsPerSample)) return { problem: "the fmt chunk describes no playable PCM" };
      const available = bytes.length - body;
      const dataBytes = size === 0 || size === 0xffffffff ? available : Math.min(size, available);
      const frameBytes = (format.bitsPerSample / 8) * format.channels;
      return {
        sampleRate: format.sampleRate,
        channels: format.channels,
        bitsPerSample: format.bitsPerSample,
        dataOffset: body,
        dataBytes,
        durationSeconds: Math.floor(dataBytes / frameBytes) / format.sampleRate,
      };
    }
    offset = body + size + (size % 2);
  }
  return { problem: "no data chunk" };
}

/** A 44-byte header for 16-bit mono PCM; `dataBytes` may be 0xFFFFFFFF when the length is not known yet. */
export function wavHeader(sampleRate: number, dataBytes: number): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const text = (at: number, value: string) => [...value].forEach((char, index) => view.setUint8(at + index, char.charCodeAt(0)));
  const known = dataBytes !== 0xffffffff;
  text(0, "RIFF");
  view.setUint32(4, known ? 36 + dataBytes : 0xffffffff, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, dataBytes, true);
  return header;
}

/** 16-bit mono PCM as a complete WAV file. */
export function encodeWav(pcm: Uint8Array, sampleRate: number): Uint8Array<ArrayBuffer> {
  const file = new Uint8Array(44 + pcm.length);
  file.set(wavHeader(sampleRate, pcm.length), 0);
  file.set(pcm, 44);
  return file;
}
