/**
 * What the library keeps with each chunk's vector, in the vector index's replicated `data` string.
 *
 * Decision (measured in test/bench/library.ts): text and citation live IN the vector data rather
 * than in per-chunk Redis hashes. Every process needs the text anyway to build its BM25 index, the
 * replica delivers it with the vector in the same atomic change, and a search then needs no Redis
 * read per hit. Only the file name is looked up per search (one pipelined round trip over the
 * distinct documents of the hits), because a name can change without the content changing.
 */
import type { LibraryFileType } from "./extract.js";

export interface StoredChunk {
  document_id: string;
  file_type: LibraryFileType;
  /** 1-based PDF page; null for text files. */
  page: number | null;
  chunk_index: number;
  /** Offsets into the page's normalized text (see chunk.ts), end exclusive. */
  char_start: number;
  char_end: number;
  total_chunks: number;
  text: string;
  /** Heading path where the chunk starts (sections.ts); indexed for keyword search with the text. */
  section?: string;
}

/** Chunk ids are `<documentId>:<index>`: a document's ids are known from its chunk count alone. */
export const chunkId = (documentId: string, index: number) => `${documentId}:${index}`;

export function chunkIds(documentId: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => chunkId(documentId, index));
}

export function documentIdOf(id: string): string {
  const separator = id.lastIndexOf(":");
  return separator < 0 ? id : id.slice(0, separator);
}

export function encodeChunk(chunk: StoredChunk): string {
  return JSON.stringify(chunk);
}

const fileTypes = new Set<string>(["pdf", "txt", "md"]);
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;

/**
 * Undefined for anything that is not a chunk this module wrote: the replica hands followers
 * whatever Redis holds, and a follower must never throw.
 */
export function decodeChunk(data: string | undefined): StoredChunk | undefined {
  if (data === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const chunk = value as Record<string, unknown>;
  const valid =
    typeof chunk.document_id === "string" &&
    typeof chunk.file_type === "string" &&
    fileTypes.has(chunk.file_type) &&
    (chunk.page === null || isCount(chunk.page)) &&
    isCount(chunk.chunk_index) &&
    isCount(chunk.char_start) &&
    isCount(chunk.char_end) &&
    isCount(chunk.total_chunks) &&
    typeof chunk.text === "string" &&
    (chunk.section === undefined || typeof chunk.section === "string");
  return valid ? (value as StoredChunk) : undefined;
}
