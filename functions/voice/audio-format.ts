import type { AudioFormat } from "./backend.js";

/**
 * An upload's container, from its first bytes: file names and content types from clients are
 * often wrong (`application/octet-stream`, `blob`), the magic numbers are not.
 */
export function sniffAudioFormat(bytes: Uint8Array): AudioFormat | undefined {
  const text = (at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
  if (bytes.length < 12) return undefined;
  if (text(0, 4) === "RIFF" && text(8, 4) === "WAVE") return "wav";
  if (text(0, 4) === "fLaC") return "flac";
  if (text(0, 4) === "OggS") return "ogg";
  if (text(4, 4) === "ftyp") return "m4a";
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return "webm";
  if (text(0, 3) === "ID3") return "mp3";
  // An MPEG audio frame sync: 11 set bits.
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0) return "mp3";
  return undefined;
}

/** Content types of the speech formats, as OpenAI answers them. */
export const speechContentTypes = {
  wav: "audio/wav",
  pcm: "audio/pcm",
  mp3: "audio/mpeg",
  opus: "audio/ogg; codecs=opus",
  flac: "audio/flac",
  aac: "audio/aac",
} as const;
