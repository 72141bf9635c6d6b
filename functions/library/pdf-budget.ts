/**
 * What a PDF may cost before pdf.js sees it. A few hundred compressed bytes can inflate to hundreds
 * of megabytes of page operators (a "decompression bomb"), and pdf.js parses a page's content in
 * one go, so the only safe place to refuse such a file is before parsing: every Flate stream is
 * inflated here with a running total, and every content stream's operators are counted. Portable
 * (DecompressionStream is a Web API), so Workers get the same protection as Node.
 */
import { concatBytes } from "../../shared/bytes.js";
import { AppError } from "../../shared/errors.js";

export interface PdfBudget {
  /** Bytes all non-image streams may inflate to, together. */
  maxDecompressedBytes: number;
  /** Operators one content stream (a page's content or a form it draws) may hold. */
  maxOperatorsPerPage: number;
}

export const overBudget = (filename: string, detail: string) =>
  new AppError({ code: "pdf_over_budget", status: 422, title: "PDF Over Budget", detail: `"${filename}" ${detail}` });

const latin1 = new TextDecoder("latin1");
// A stream's dictionary (one level of nested dictionaries, as DecodeParms has) and its "stream" keyword.
const streamHeader = /<<((?:[^<>]|<(?!<)|>(?!>)|<<(?:[^<>]|<(?!<)|>(?!>))*>>)*)>>\s*stream\r?\n/g;
const endstream = new TextEncoder().encode("endstream");

export async function checkPdfBudget(filename: string, bytes: Uint8Array, budget: PdfBudget): Promise<void> {
  const text = latin1.decode(bytes);
  let inflated = 0;
  for (const match of text.matchAll(streamHeader)) {
    const dictionary = match[1] ?? "";
    const start = (match.index ?? 0) + match[0].length;
    const end = indexOf(bytes, endstream, start);
    const flateLayers = countLeadingFlate(dictionary);
    if (flateLayers === 0 || /\/Subtype\s*\/Image\b/.test(dictionary)) continue;
    const counter = isContentStream(dictionary) ? createOperatorCounter() : undefined;
    let data: Uint8Array = bytes.subarray(start, end < 0 ? bytes.length : end);
    for (let layer = 0; layer < flateLayers; layer++) {
      const last = layer === flateLayers - 1;
      data = await inflate(data, budget.maxDecompressedBytes - inflated, (chunk) => {
        inflated += chunk.length;
        if (inflated > budget.maxDecompressedBytes) {
          throw overBudget(filename, `inflates to more than ${budget.maxDecompressedBytes} bytes; the limit is LIBRARY_PDF_MAX_DECOMPRESSED_BYTES`);
        }
        if (last && counter && counter.feed(chunk) > budget.maxOperatorsPerPage) {
          throw overBudget(filename, `has a page with more than ${budget.maxOperatorsPerPage} drawing operators; the limit is LIBRARY_PDF_MAX_OPERATORS_PER_PAGE`);
        }
      }, !last);
    }
  }
}

/** `/Filter /FlateDecode` or `/Filter [/FlateDecode /FlateDecode …]`: how many inflations come first. */
function countLeadingFlate(dictionary: string): number {
  const filter = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(dictionary)?.[1];
  if (!filter) return 0;
  let layers = 0;
  for (const name of filter.match(/\/[A-Za-z0-9]+/g) ?? []) {
    if (name !== "/FlateDecode" && name !== "/Fl") break;
    layers++;
  }
  return layers;
}

/** Page contents and form XObjects carry operators; fonts, images, xref and object streams do not. */
function isContentStream(dictionary: string): boolean {
  if (/\/Length[123]\b|\/Type\s*\/(XRef|ObjStm|Metadata|EmbeddedFile)\b/.test(dictionary)) return false;
  const subtype = /\/Subtype\s*\/([A-Za-z0-9]+)/.exec(dictionary)?.[1];
  return subtype === undefined || subtype === "Form";
}

/**
 * Inflates with a byte budget: `onChunk` sees every piece as it is produced and may throw to stop.
 * A damaged stream ends quietly (pdf.js is lenient about those too); only the budget is an error.
 * `keep` collects the output for a further layer; otherwise nothing is held.
 */
async function inflate(input: Uint8Array, remaining: number, onChunk: (chunk: Uint8Array) => void, keep: boolean): Promise<Uint8Array> {
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  const stream = new Blob([input as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("deflate"));
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onChunk(value);
      if (keep && keptBytes <= remaining) {
        kept.push(value);
        keptBytes += value.length;
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    // A truncated or corrupt deflate stream: what was produced so far has been counted.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return concatBytes(kept);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let index = haystack.indexOf(first, from); index >= 0 && index <= haystack.length - needle.length; index = haystack.indexOf(first, index + 1)) {
    let matched = true;
    for (let offset = 1; offset < needle.length; offset++) {
      if (haystack[index + offset] !== needle[offset]) {
        matched = false;
        break;
      }
    }
    if (matched) return index;
  }
  return -1;
}

const enum Mode {
  Normal,
  Token,
  Literal,
  Hex,
  Comment,
  InlineImage,
}

const isWhitespace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c || byte === 0x00;
const isDelimiter = (byte: number) =>
  byte === 0x28 || byte === 0x29 || byte === 0x3c || byte === 0x3e || byte === 0x5b || byte === 0x5d || byte === 0x7b || byte === 0x7d || byte === 0x2f || byte === 0x25;

/**
 * Counts operators in a content stream fed in pieces: keywords outside strings, names, numbers
 * and comments (`Tj`, `re`, `'`…), skipping inline image data. Operands are not counted.
 */
export function createOperatorCounter(): { feed(chunk: Uint8Array): number } {
  let mode = Mode.Normal;
  let operators = 0;
  let depth = 0;
  let escaped = false;
  let token = "";
  let tokenIsKeyword = false;
  let imageTail = 0;

  const endToken = () => {
    if (tokenIsKeyword && token !== "true" && token !== "false" && token !== "null") {
      operators++;
      if (token === "ID") mode = Mode.InlineImage;
    }
    token = "";
  };

  return {
    feed(chunk) {
      for (let index = 0; index < chunk.length; index++) {
        const byte = chunk[index]!;
        switch (mode) {
          case Mode.Literal:
            if (escaped) escaped = false;
            else if (byte === 0x5c) escaped = true;
            else if (byte === 0x28) depth++;
            else if (byte === 0x29 && --depth === 0) mode = Mode.Normal;
            continue;
          case Mode.Hex:
            if (byte === 0x3e) mode = Mode.Normal;
            continue;
          case Mode.Comment:
            if (byte === 0x0a || byte === 0x0d) mode = Mode.Normal;
            continue;
          case Mode.InlineImage:
            // Image data ends at whitespace, "EI", whitespace.
            imageTail = imageTail === 0 ? (isWhitespace(byte) ? 1 : 0) : imageTail === 1 ? (byte === 0x45 ? 2 : isWhitespace(byte) ? 1 : 0) : imageTail === 2 ? (byte === 0x49 ? 3 : isWhitespace(byte) ? 1 : 0) : isWhitespace(byte) ? 4 : 0;
            if (imageTail === 4) {
              imageTail = 0;
              mode = Mode.Normal;
            }
            continue;
          case Mode.Token:
            if (!isWhitespace(byte) && !isDelimiter(byte)) {
              if (token.length < 8) token += String.fromCharCode(byte);
              continue;
            }
            mode = Mode.Normal;
            endToken(); // may switch to inline image data
            if ((mode as Mode) === Mode.InlineImage) continue;
            break;
          case Mode.Normal:
            break;
        }
        if (isWhitespace(byte)) continue;
        if (byte === 0x28) {
          mode = Mode.Literal;
          depth = 1;
        } else if (byte === 0x3c) {
          // "<<" opens a dictionary (stay normal); "<" alone opens a hex string.
          if (chunk[index + 1] === 0x3c) index++;
          else mode = Mode.Hex;
        } else if (byte === 0x25) mode = Mode.Comment;
        else if (isDelimiter(byte) && byte !== 0x2f) continue;
        else {
          mode = Mode.Token;
          tokenIsKeyword = byte !== 0x2f && !(byte >= 0x30 && byte <= 0x39) && byte !== 0x2b && byte !== 0x2d && byte !== 0x2e;
          token = String.fromCharCode(byte);
        }
      }
      return operators;
    },
  };
}
