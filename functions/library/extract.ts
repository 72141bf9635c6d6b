/**
 * Turns an uploaded or dropped file into page texts. Portable (Web APIs + unpdf, which runs its
 * pdf.js build in-process on Node and workerd alike). Where threads exist (Node), PDFs go through
 * an injected `PdfExtractor` that runs `extractPdfPages` off the event loop; the default runs it
 * here, which is what workerd (one request per isolate, with its own CPU limit) does.
 *
 * The page texts returned here are what gets stored and cited: chunk offsets index into them, so any
 * normalization happens here, once, and never again downstream.
 */
import { getDocumentProxy } from "unpdf";
import { AppError, payloadTooLarge } from "../../shared/errors.js";
import { checkPdfBudget, type PdfBudget } from "./pdf-budget.js";

export type LibraryFileType = "pdf" | "txt" | "md";

export interface ExtractedPage {
  /** 1-based page number for PDFs; null for text files, which are one page. */
  page: number | null;
  text: string;
}

export interface ExtractedDocument {
  fileType: LibraryFileType;
  /** PDFs: one entry per page, in order, including pages with no text (text ""). */
  pages: ExtractedPage[];
}

export interface ExtractInput {
  filename: string;
  bytes: Uint8Array;
  /** Checked here too so the drop-folder path, which never passes through HTTP, gets the same limit. */
  maxBytes?: number;
  /** What a PDF may cost to read; omitted → unbounded (tests of the text path). */
  pdfBudget?: PdfBudget;
}

/** Reads a PDF's pages; failures are AppErrors (422 for the file's faults) or plain errors. */
export type PdfExtractor = (filename: string, bytes: Uint8Array, budget: PdfBudget | undefined) => Promise<ExtractedPage[]>;

const fileTypesByExtension: Record<string, LibraryFileType> = {
  pdf: "pdf",
  txt: "txt",
  text: "txt",
  md: "md",
  markdown: "md",
};

const unprocessable = (code: string, title: string, detail: string, cause?: unknown) =>
  new AppError({ code, status: 422, title, detail, cause });

const invalidFilename = (detail: string) =>
  new AppError({ code: "invalid_filename", status: 400, title: "Invalid Filename", detail });

/**
 * A bare file name, never a path: the name is used as the document's source key and shown in
 * citations, and a name like `../x` must not be able to address anything else. Returned NFC-normalized
 * because macOS hands out NFD names and the same file must map to the same source from every client.
 */
export function safeFilename(name: string): string {
  const normalized = name.normalize("NFC");
  if (normalized.trim() === "") throw invalidFilename("The file name is empty");
  if (normalized === "." || normalized === "..") throw invalidFilename("The file name cannot be . or ..");
  if (/[/\\]/.test(normalized)) throw invalidFilename("The file name must not contain path separators");
  // Control characters (NUL included) end up in logs and Content-Disposition headers.
  if (/[\u0000-\u001f\u007f]/.test(normalized)) throw invalidFilename("The file name contains control characters");
  if (/^[A-Za-z]:/.test(normalized)) throw invalidFilename("The file name must not start with a drive letter");
  if (new TextEncoder().encode(normalized).length > 255) throw invalidFilename("The file name is longer than 255 bytes");
  return normalized;
}

export function fileTypeFromName(filename: string): LibraryFileType | undefined {
  const dot = filename.lastIndexOf(".");
  return dot > 0 ? fileTypesByExtension[filename.slice(dot + 1).toLowerCase()] : undefined;
}

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((byte, index) => bytes[index] === byte);
const pdfMagic = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

/** The one answer for a file type the library does not read. */
export const unsupportedType = (filename: string) =>
  new AppError({
    code: "unsupported_type",
    status: 415,
    title: "Unsupported Media Type",
    detail: `"${filename}" is not a supported type; upload .pdf, .txt or .md`,
  });

export async function extractDocument(input: ExtractInput, extractPdf: PdfExtractor = extractPdfPages): Promise<ExtractedDocument> {
  const filename = safeFilename(input.filename);
  const declaredType = fileTypeFromName(filename);
  if (!declaredType) {
    throw unsupportedType(filename);
  }
  if (input.maxBytes !== undefined && input.bytes.length > input.maxBytes) throw payloadTooLarge(input.maxBytes);
  if (input.bytes.length === 0) throw unprocessable("empty_document", "Empty Document", `"${filename}" is empty`);

  // A .txt/.md whose bytes are a PDF is read as the PDF it is: the text path would index binary
  // noise, and misnamed downloads are common. The reverse is not done: a .pdf that is not a PDF fails.
  if (declaredType === "pdf" || startsWith(input.bytes, pdfMagic)) {
    return { fileType: "pdf", pages: await extractPdf(filename, input.bytes, input.pdfBudget) };
  }
  const text = normalizeText(decodeText(filename, input.bytes));
  if (text === "") throw unprocessable("empty_document", "Empty Document", `"${filename}" contains only whitespace`);
  return { fileType: declaredType, pages: [{ page: null, text }] };
}

/**
 * Text decoding: a BOM decides (UTF-8, UTF-16LE, UTF-16BE). Without one, strict UTF-8 is tried; if the
 * bytes are not valid UTF-8 they are read as windows-1252, the encoding old Windows/latin1 editors
 * write (WHATWG maps the "latin1" label to it, and every byte decodes). NUL bytes without a UTF-16
 * BOM mean a binary file with a text extension, which is refused rather than indexed as noise.
 */
export function decodeText(filename: string, bytes: Uint8Array): string {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return new TextDecoder("utf-8").decode(bytes.subarray(3));
  if (startsWith(bytes, [0xff, 0xfe])) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (startsWith(bytes, [0xfe, 0xff])) return new TextDecoder("utf-16le").decode(swapByteOrder(bytes.subarray(2)));
  if (bytes.subarray(0, 8192).includes(0)) {
    throw new AppError({
      code: "unsupported_type",
      status: 415,
      title: "Unsupported Media Type",
      detail: `"${filename}" looks like a binary file, not text`,
    });
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    // A fatal decoder signals malformed input with TypeError and nothing else.
    if (!(error instanceof TypeError)) throw error;
    return decodeWindows1252(bytes);
  }
}

/** 0x80–0x9F of windows-1252 (WHATWG table); undefined slots map to the same code point. */
const windows1252High =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

/**
 * By table, not `new TextDecoder("windows-1252")`: Node 20 decodes that label as ISO-8859-1 and turns
 * curly quotes into C1 control characters, while workerd follows WHATWG; the table behaves the same.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  let text = "";
  for (let start = 0; start < bytes.length; start += 8192) {
    const codes = Array.from(bytes.subarray(start, start + 8192), (byte) =>
      byte >= 0x80 && byte < 0xa0 ? windows1252High.charCodeAt(byte - 0x80) : byte,
    );
    text += String.fromCharCode(...codes);
  }
  return text;
}

/** UTF-16BE via byte swap: a "utf-16be" TextDecoder is not guaranteed in every runtime. */
function swapByteOrder(bytes: Uint8Array): Uint8Array {
  const swapped = new Uint8Array(bytes.length - (bytes.length % 2));
  for (let index = 0; index + 1 < bytes.length; index += 2) {
    swapped[index] = bytes[index + 1]!;
    swapped[index + 1] = bytes[index]!;
  }
  return swapped;
}

/**
 * One normalization for every type, so offsets mean the same thing everywhere: CRLF/CR → LF, form
 * feeds → blank line, other control characters dropped, trailing spaces on lines dropped, runs of
 * blank lines collapsed to one, outer whitespace trimmed. Inner spacing and single newlines are kept
 * (markdown lists and code depend on them).
 */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\f/g, "\n\n")
    .replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g, "")
    .replace(/[ \t\u00a0]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * pdf.js reports failures with its own exception classes, which cross its worker boundary by `name`
 * (the classes themselves are not all exported), so `name` is what is checked — never the message.
 */
function pdfErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The in-process extractor: the budget check, then pdf.js one page at a time. */
export async function extractPdfPages(filename: string, bytes: Uint8Array, budget: PdfBudget | undefined): Promise<ExtractedPage[]> {
  if (budget) await checkPdfBudget(filename, bytes, budget);
  let document: PdfDocument;
  try {
    // A copy, because pdf.js may transfer (detach) the buffer it is given and callers still need
    // theirs (hashing, retries). verbosity 0 keeps pdf.js from writing warnings to the console.
    document = await getDocumentProxy(bytes.slice(), { verbosity: 0 });
  } catch (error) {
    throw classifyPdfError(filename, error);
  }
  try {
    if (document.numPages === 0) throw unprocessable("empty_document", "Empty Document", `"${filename}" has no pages`);
    const pages: ExtractedPage[] = [];
    let sliceStarted = performance.now();
    for (let number = 1; number <= document.numPages; number += 1) {
      pages.push({ page: number, text: normalizeText(await pageText(document, number)) });
      // pdf.js parses on this thread in Node; unpdf's extractText starts every page at once and held
      // the event loop for over a second on a 500-page file. One page at a time, and the loop gets
      // a turn every ~20 ms.
      if (performance.now() - sliceStarted > 20) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        sliceStarted = performance.now();
      }
    }
    if (pages.every((page) => page.text === "")) {
      throw unprocessable(
        "no_text",
        "No Text Layer",
        `"${filename}" has no extractable text (a scanned PDF needs OCR before it can be added)`,
      );
    }
    return pages;
  } catch (error) {
    throw error instanceof AppError ? error : classifyPdfError(filename, error);
  } finally {
    await document.destroy();
  }
}

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** A page's text exactly as unpdf's extractText builds it: item strings, "\n" after end-of-line items. */
async function pageText(document: PdfDocument, number: number): Promise<string> {
  const page = await document.getPage(number);
  try {
    const content = await page.getTextContent();
    return content.items.map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : "")).join("");
  } finally {
    page.cleanup();
  }
}

function classifyPdfError(filename: string, error: unknown): unknown {
  switch (pdfErrorName(error)) {
    case "PasswordException":
      return unprocessable(
        "encrypted_pdf",
        "Encrypted PDF",
        `"${filename}" is password-protected; remove the password and upload it again`,
        error,
      );
    case "InvalidPDFException":
    // pdf.js wraps parser failures inside its worker (FormatError and friends) as
    // UnknownErrorException; with in-memory bytes and no network the file is the only input.
    case "UnknownErrorException":
      return unprocessable("corrupt_pdf", "Corrupt PDF", `"${filename}" is damaged or not a PDF`, error);
    default:
      return error;
  }
}
