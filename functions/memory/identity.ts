import { crockfordBase32, ulidTime, ulidTimePart } from "../../shared/clock.js";
import { sha256Hex } from "../../shared/sha256.js";

/**
 * Content hashes and memory ids. The hash is computed synchronously (see shared/sha256.ts: the
 * Web Crypto hop costs more than the hashing on chat's hot path); Node and workerd agree on it.
 */
/** Ids are ULIDs: 26 Crockford base32 characters. Anything else cannot name a memory. */
export const memoryIdPattern = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const sha256 = (text: string): Uint8Array => Uint8Array.from(sha256Hex(text).match(/../g) ?? [], (pair) => parseInt(pair, 16));

/**
 * What "the same message" means for exact-duplicate detection: Unicode NFC, whitespace runs
 * collapsed, ends trimmed. Case and punctuation are kept — "US" and "us" are different memories.
 */
export function normalizeMessage(message: string): string {
  return message.normalize("NFC").replace(/\s+/gu, " ").trim();
}

export async function contentHash(message: string): Promise<string> {
  return sha256Hex(`memory-content/v1\u0000${normalizeMessage(message)}`);
}

/**
 * A captured turn's memory id: the capture time as a ULID's time part (so ids still sort by
 * time) and 80 bits of the turn id's hash as its random part. A retried job therefore always
 * writes the same id, which is what makes scoring idempotent.
 */
export async function memoryIdForTurn(turnId: string, capturedAt: number): Promise<string> {
  const digest = sha256(`memory-id/v1\u0000${turnId}`);
  let randomPart = "";
  // 16 characters × 5 bits = the first 80 bits of the digest.
  let buffer = 0;
  let bits = 0;
  let byteIndex = 0;
  while (randomPart.length < 16) {
    if (bits < 5) {
      buffer = ((buffer & 0xff) << 8) | (digest[byteIndex++] ?? 0); // only the unread low bits matter
      bits += 8;
    }
    bits -= 5;
    randomPart += crockfordBase32[(buffer >> bits) & 31];
  }
  return ulidTimePart(capturedAt) + randomPart;
}

/** The epoch ms in a memory id's ULID time part: when it was said (captured) or added. */
export function memoryIdTime(id: string): number {
  return ulidTime(id);
}
