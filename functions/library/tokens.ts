/**
 * cl100k_base token counting and pre-tokenization with character offsets.
 *
 * BPE never merges across cl100k's pre-tokenizer pieces, so a piece boundary is a token boundary; the
 * chunker cuts only there, which keeps every offset on a character boundary by construction. Pieces
 * are counted one at a time through a cache because prose repeats its words: this is ~10x faster than
 * encoding whole texts, with identical counts.
 */
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";

/**
 * js-tiktoken merges pairs in quadratic time, so one 100 kB run of letters (base64, a PDF with no
 * spaces) would stall a job for minutes. Longer pieces are counted in slices of this many characters;
 * for such runs the count can differ from OpenAI's by a few tokens, which chunking tolerates.
 */
const maxPieceChars = 64;
const cacheLimit = 200_000;

let encoder: Tiktoken | undefined;
const pieceCounts = new Map<string, number>();

/** Built on first use: loading the ranks costs ~250 ms and most processes never chunk anything. */
function getEncoder(): Tiktoken {
  encoder ??= new Tiktoken(cl100k);
  return encoder;
}

function countPiece(piece: string): number {
  let count = pieceCounts.get(piece);
  if (count === undefined) {
    // Each piece is encoded alone, so text like "<|endoftext|>" arrives split into "<|", "endoftext",
    // "|>" and can never trip js-tiktoken's special-token check.
    count = getEncoder().encode(piece).length;
    // A long-lived worker sees unbounded vocabularies (ids, numbers); start over rather than grow.
    if (pieceCounts.size >= cacheLimit) pieceCounts.clear();
    pieceCounts.set(piece, count);
  }
  return count;
}

export interface Pieces {
  /** Number of pieces. */
  length: number;
  starts: Int32Array;
  ends: Int32Array;
  /** prefix[i] = tokens in pieces [0, i); tokens in [a, b) = prefix[b] - prefix[a]. */
  prefix: Int32Array;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Splits text into cl100k pre-tokenizer pieces, further slicing any piece longer than
 * maxPieceChars or holding more than maxPieceTokens tokens so that every piece can fit in a chunk.
 */
export function pretokenize(text: string, maxPieceTokens = Number.POSITIVE_INFINITY): Pieces {
  const starts: number[] = [];
  const ends: number[] = [];
  const counts: number[] = [];
  const push = (start: number, end: number, count: number) => {
    starts.push(start);
    ends.push(end);
    counts.push(count);
  };
  for (const match of text.matchAll(new RegExp(cl100k.pat_str, "gu"))) {
    const start = match.index;
    const end = start + match[0].length;
    if (end - start <= maxPieceChars) {
      const count = countPiece(match[0]);
      if (count <= maxPieceTokens) {
        push(start, end, count);
        continue;
      }
    }
    for (let sliceStart = start; sliceStart < end; ) {
      let sliceEnd = Math.min(end, sliceStart + maxPieceChars);
      if (sliceEnd < end && isHighSurrogate(text.charCodeAt(sliceEnd - 1))) sliceEnd -= 1;
      let count = countPiece(text.slice(sliceStart, sliceEnd));
      // Only reachable with a tiny token budget: shrink one code unit at a time until it fits.
      while (count > maxPieceTokens) {
        const step = isHighSurrogate(text.charCodeAt(sliceEnd - 2)) ? 2 : 1;
        if (sliceEnd - step <= sliceStart) break; // a single code point cannot be cut
        sliceEnd -= step;
        count = countPiece(text.slice(sliceStart, sliceEnd));
      }
      push(sliceStart, sliceEnd, count);
      sliceStart = sliceEnd;
    }
  }
  const prefix = new Int32Array(counts.length + 1);
  for (let index = 0; index < counts.length; index += 1) prefix[index + 1] = prefix[index]! + counts[index]!;
  return { length: counts.length, starts: Int32Array.from(starts), ends: Int32Array.from(ends), prefix };
}

/** cl100k_base token count of `text` (see maxPieceChars for the one approximation). */
export function countTokens(text: string): number {
  let total = 0;
  for (const match of text.matchAll(new RegExp(cl100k.pat_str, "gu"))) {
    const piece = match[0];
    if (piece.length <= maxPieceChars) {
      total += countPiece(piece);
      continue;
    }
    const pieces = pretokenize(piece);
    total += pieces.prefix[pieces.length]!;
  }
  return total;
}
