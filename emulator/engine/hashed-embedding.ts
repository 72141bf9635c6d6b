/**
 * Deterministic sentence vectors for the emulated /v1/embeddings: a signed
 * feature hash of words and character trigrams, L2-normalised. Texts sharing
 * words (or word stems, through trigrams) get a higher cosine; unrelated texts
 * land near 0. Not semantic in the learned sense, but stable and cheap.
 */
import type { LanguageModel } from "./language-model.js";
import { isWordCore, tokenize, tokenKey } from "./tokenize.js";

export const embeddingDimensions = 384;

const trigramWeight = 0.5;
/** Common words still count a little, so "the cat" and "a cat" are not identical. */
const minWordWeight = 0.15;
/** Rarity (−ln P) at which a word weighs 1: roughly where content words begin. */
const fullWeightRarity = 8;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // murmur3's finaliser spreads FNV's weak low bits across the word.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function addFeature(vector: Float64Array, feature: string, weight: number): void {
  const hash = fnv1a(feature);
  const sign = hash & 1 ? 1 : -1;
  const index = (hash >>> 1) % embeddingDimensions;
  vector[index] = (vector[index] ?? 0) + sign * weight;
}

export function embedText(text: string, languageModel: LanguageModel): number[] {
  const vector = new Float64Array(embeddingDimensions);
  for (const token of tokenize(text)) {
    if (!isWordCore(token.core)) continue;
    const word = tokenKey(token.core);
    const weight = Math.min(1, Math.max(minWordWeight, languageModel.rarity(token.core) / fullWeightRarity));
    addFeature(vector, `w:${word}`, weight);
    const padded = `#${word}#`;
    const trigramCount = Math.max(1, padded.length - 2);
    for (let start = 0; start + 3 <= padded.length; start += 1) {
      addFeature(vector, `t:${padded.slice(start, start + 3)}`, (trigramWeight * weight) / Math.sqrt(trigramCount));
    }
  }
  let norm = Math.hypot(...vector);
  if (norm === 0) {
    // Text without words still needs a unit vector; a fixed one keeps it deterministic.
    addFeature(vector, "empty", 1);
    norm = 1;
  }
  return Array.from(vector, (value) => value / norm);
}

/** vLLM's `encoding_format: "base64"`: little-endian float32 bytes, base64-encoded. */
export function toBase64Float32(vector: readonly number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
