/**
 * Splits page texts into ~targetTokens chunks (cl100k_base) on sentence boundaries, with ~overlapTokens
 * of the previous chunk repeated at the start of the next so a passage cut at a boundary is still
 * found whole in one of the two.
 *
 * Offsets: `charStart`/`charEnd` index into the text of the chunk's own page (the `text` returned by
 * extractDocument), UTF-16 code units, end exclusive, and `pageText.slice(charStart, charEnd) ===
 * chunk.text` exactly — no normalization happens here. Chunks never cross pages, so a citation is
 * always one page; `index` runs across the whole document.
 */
import { countTokens, pretokenize } from "./tokens.js";
import type { Pieces } from "./tokens.js";

export interface ChunkOptions {
  targetTokens?: number;
  overlapTokens?: number;
}

export interface Chunk {
  index: number;
  text: string;
  /** cl100k_base tokens in `text`; never more than targetTokens. */
  tokens: number;
  page: number | null;
  charStart: number;
  charEnd: number;
}

export interface ChunkablePage {
  page: number | null;
  text: string;
}

export function chunkDocument(pages: readonly ChunkablePage[], options: ChunkOptions = {}): Chunk[] {
  const targetTokens = options.targetTokens ?? 250;
  const overlapTokens = options.overlapTokens ?? 50;
  // One code point can be 4 tokens; below 8 a chunk could not hold a sentence fragment at all.
  if (!Number.isInteger(targetTokens) || targetTokens < 8) throw new RangeError("targetTokens must be an integer >= 8");
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= targetTokens) {
    throw new RangeError("overlapTokens must be an integer in [0, targetTokens)");
  }
  const chunks: Chunk[] = [];
  for (const page of pages) {
    for (const span of chunkPage(page.text, targetTokens, overlapTokens)) {
      const text = page.text.slice(span.charStart, span.charEnd);
      chunks.push({ index: chunks.length, text, tokens: span.tokens, page: page.page, charStart: span.charStart, charEnd: span.charEnd });
    }
  }
  return chunks;
}

interface Span {
  charStart: number;
  charEnd: number;
  tokens: number;
}

function chunkPage(text: string, targetTokens: number, overlapTokens: number): Span[] {
  // Pieces keep a few tokens of headroom for the edge effects measureSpan corrects.
  const pieces = pretokenize(text, targetTokens - 4);
  if (pieces.length === 0) return [];
  const sentences = sentenceStartPieces(text, pieces);
  const tokensIn = (from: number, to: number) => pieces.prefix[to]! - pieces.prefix[from]!;
  const nextSentence = (piece: number) => sentences[firstGreater(sentences, piece)] ?? pieces.length;

  const spans: Span[] = [];
  const lastContent = text.trimEnd().length - 1;
  let start = 0;
  let previousEnd = 0;
  while (start < pieces.length) {
    let end = start;
    // Whole sentences first; a chunk must reach past the previous one or it adds nothing new.
    for (let next = nextSentence(end); tokensIn(start, next) <= targetTokens; next = nextSentence(end)) {
      end = next;
      if (end === pieces.length) break;
    }
    // A sentence that does not fit alone is cut at token (piece) boundaries.
    if (end <= previousEnd) {
      end = Math.max(end, start);
      while (end < pieces.length && tokensIn(start, end + 1) <= targetTokens) end += 1;
      for (let candidate = end; candidate > Math.max(start, previousEnd) && end - candidate < wordSearchPieces; candidate -= 1) {
        if (atWordStart(candidate)) {
          end = candidate;
          break;
        }
      }
    }
    const measured = measureSpan(text, pieces, start, end, targetTokens);
    if (measured) {
      spans.push(measured.span);
      end = measured.end;
    }
    if (end >= pieces.length || pieces.starts[end]! > lastContent) break;
    previousEnd = end;
    start = overlapStart(start, end);
  }
  return spans;

  /**
   * Where the next chunk starts: the longest run of whole trailing sentences within overlapTokens that
   * still leaves room for the whole next sentence; if the last sentence alone is longer than the
   * overlap (or this chunk is a piece of one long sentence), the last overlapTokens worth of pieces.
   */
  function overlapStart(chunkStart: number, chunkEnd: number): number {
    if (overlapTokens === 0) return chunkEnd;
    const nextEnd = nextSentence(chunkEnd);
    const nextFitsAlone = tokensIn(chunkEnd, nextEnd) <= targetTokens;
    const leavesRoom = (candidate: number) => !nextFitsAlone || tokensIn(candidate, nextEnd) <= targetTokens;
    for (let index = firstGreater(sentences, chunkStart); index < sentences.length && sentences[index]! < chunkEnd; index += 1) {
      const candidate = sentences[index]!;
      if (tokensIn(candidate, chunkEnd) <= overlapTokens && leavesRoom(candidate)) return candidate;
    }
    const lastSentence = sentences[firstGreater(sentences, chunkEnd - 1) - 1] ?? 0;
    if (lastSentence > chunkStart && tokensIn(lastSentence, chunkEnd) <= overlapTokens) return chunkEnd;
    let candidate = chunkEnd;
    while (candidate - 1 > chunkStart && tokensIn(candidate - 1, chunkEnd) <= overlapTokens) candidate -= 1;
    while (candidate < chunkEnd && !leavesRoom(candidate)) candidate += 1;
    for (let shorter = candidate; shorter < chunkEnd && shorter - candidate < wordSearchPieces; shorter += 1) {
      if (atWordStart(shorter)) return shorter;
    }
    return candidate;
  }

  /** Token boundaries inside words ("w" | "123") are legal cuts but ugly ones; whitespace is preferred. */
  function atWordStart(piece: number): boolean {
    const char = pieces.starts[piece]!;
    return isBlank(text, char) || isBlank(text, char - 1);
  }
}

/**
 * Cuts leading/trailing whitespace off pieces [start, end) and counts the exact text that will be
 * stored. That count can exceed the piece sum by a token at the edges (" word" vs "word"); in that
 * rare case trailing pieces are dropped (and the caller resumes from the returned end) so the bound
 * holds. A single piece is always emitted: it was sized to fit, and losing text is worse.
 */
function measureSpan(text: string, pieces: Pieces, start: number, end: number, targetTokens: number) {
  for (let last = end; last > start; last -= 1) {
    let charStart = pieces.starts[start]!;
    let charEnd = pieces.ends[last - 1]!;
    while (charStart < charEnd && isBlank(text, charStart)) charStart += 1;
    while (charEnd > charStart && isBlank(text, charEnd - 1)) charEnd -= 1;
    if (charStart === charEnd) return undefined;
    const tokens = countTokens(text.slice(charStart, charEnd));
    if (tokens <= targetTokens || last === start + 1) return { span: { charStart, charEnd, tokens }, end: last };
  }
  return undefined;
}

/** How many pieces a cut may move to land between words instead of inside one. */
const wordSearchPieces = 16;

const isBlank = (text: string, index: number) => /\s/.test(text[index] ?? "");

/** Index of the first element > value in a sorted array (binary search). */
function firstGreater(sorted: Int32Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Sentence starts as piece indices (a boundary inside a piece, e.g. " World", snaps to its start). */
function sentenceStartPieces(text: string, pieces: Pieces): Int32Array {
  const starts: number[] = [];
  let piece = 0;
  for (const boundary of sentenceBoundaries(text)) {
    while (piece < pieces.length && pieces.ends[piece]! <= boundary) piece += 1;
    if (piece < pieces.length && starts[starts.length - 1] !== piece) starts.push(piece);
  }
  return Int32Array.from(starts);
}

/**
 * PDF text breaks lines mid-sentence and ICU treats every newline as a sentence end, so segmentation
 * runs on a same-length copy where a single newline is a space, unless the next line starts a
 * markdown block (heading, list item, quote, table, fence). Same length keeps offsets valid.
 */
const softNewline = /(?<=[^\n])\n(?![\n#>*+|`-]|\d+[.)]\s)/g;
/** ICU's sentence iterator slows down superlinearly on long strings (13 s for 1.2 MB), so windows. */
const segmentWindowChars = 4096;

let segmenter: Intl.Segmenter | undefined;

function* sentenceBoundaries(text: string): Generator<number> {
  const view = text.replace(softNewline, " ");
  yield 0;
  if (typeof Intl.Segmenter !== "function") {
    // Fallback for runtimes built without ICU segmentation: terminal punctuation or a blank line.
    for (const match of view.matchAll(/[.!?]+["')\]]*\s+|\n\s*\n/g)) yield match.index + match[0].length;
    return;
  }
  segmenter ??= new Intl.Segmenter("en", { granularity: "sentence" });
  let from = 0;
  while (from < view.length) {
    const to = Math.min(view.length, from + segmentWindowChars);
    const starts = Array.from(segmenter.segment(view.slice(from, to)), (segment) => segment.index);
    if (to === view.length) {
      for (const start of starts.slice(1)) yield from + start;
      return;
    }
    // The window's last sentence may be cut short by the window: segment it again with what follows.
    if (starts.length > 1) {
      for (const start of starts.slice(1)) yield from + start;
      from += starts[starts.length - 1]!;
    } else {
      // One sentence longer than the window: carry on from a space inside it without calling that
      // a sentence start (it isn't one); the sentence will be split by tokens anyway.
      const space = view.lastIndexOf(" ", to - 1);
      from = space > from ? space + 1 : to;
    }
  }
}
