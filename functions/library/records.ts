/**
 * The library's Redis records, all under the tenant's keys (one tenant can never address another's):
 *
 * | key (after `<prefix>:t:<tenant>:library:`) | type | holds |
 * |---|---|---|
 * | `doc:<id>` | hash | one document (see DocumentRecord) |
 * | `doc:<id>:sources` | set | source keys pointing to it |
 * | `sources` | hash | source key → document id |
 * | `pending` | hash | source key → id of the newest ingestion job for it (last writer wins) |
 * | `docs` | zset | ready document ids by creation time (listing) |
 * | `stats` | hash | documents, chunks, pdf, txt, md (ready documents only) |
 * | `lock` | string | the commit lock (store.ts, over shared/redis-lock.ts) |
 * | `blob:<jobId>` | string | uploaded bytes waiting for their job, with a TTL (blobs.ts) |
 *
 * Chunks themselves live in the vector index (collection "library"), data per chunk-data.ts.
 */
import type { RedisKeys } from "../../shared/redis-keys.js";
import type { LibraryFileType } from "./extract.js";

export interface LibraryKeys {
  doc(tenant: string, id: string): string;
  docSources(tenant: string, id: string): string;
  sources(tenant: string): string;
  pending(tenant: string): string;
  docs(tenant: string): string;
  stats(tenant: string): string;
  lock(tenant: string): string;
  blob(tenant: string, jobId: string): string;
}

export function libraryKeys(keys: RedisKeys): LibraryKeys {
  const key = (tenant: string, ...parts: string[]) => keys.tenant(tenant, "library", ...parts);
  return {
    doc: (tenant, id) => key(tenant, "doc", id),
    docSources: (tenant, id) => key(tenant, "doc", id, "sources"),
    sources: (tenant) => key(tenant, "sources"),
    pending: (tenant) => key(tenant, "pending"),
    docs: (tenant) => key(tenant, "docs"),
    stats: (tenant) => key(tenant, "stats"),
    lock: (tenant) => key(tenant, "lock"),
    blob: (tenant, jobId) => key(tenant, "blob", jobId),
  };
}

/**
 * `committing` exists only inside a commit (under the lock) or after a crash in one; search still
 * shows its chunks (they replaced the previous version atomically), listings do not.
 */
export type DocumentState = "committing" | "ready";

export interface DocumentRecord {
  id: string;
  filename: string;
  /** The source the file name was taken from; when it goes, a remaining source names the document. */
  nameSource: string;
  fileType: LibraryFileType;
  sizeBytes: number;
  contentHash: string;
  pages: number | null;
  chunks: number;
  state: DocumentState;
  /** Keyword-searchable, with vectors still being filled in (progressive ingestion). */
  vectorsPending: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A document as the API shows it. */
export interface LibraryDocument {
  id: string;
  filename: string;
  file_type: LibraryFileType;
  size_bytes: number;
  content_hash: string;
  /** PDF page count; null for text files. */
  pages: number | null;
  chunks: number;
  /** True while its chunks are keyword-searchable but not all embedded yet. */
  vectors_pending: boolean;
  /** Where it came from: `upload:<name>` or `drop:<relative path>`. */
  sources: string[];
  created_at: string;
  updated_at: string;
}

export function encodeRecord(record: DocumentRecord): Record<string, string> {
  return {
    id: record.id,
    filename: record.filename,
    name_source: record.nameSource,
    file_type: record.fileType,
    size_bytes: String(record.sizeBytes),
    content_hash: record.contentHash,
    pages: record.pages === null ? "" : String(record.pages),
    chunks: String(record.chunks),
    state: record.state,
    vectors_pending: record.vectorsPending ? "1" : "0",
    created_at: String(record.createdAt),
    updated_at: String(record.updatedAt),
  };
}

export function decodeRecord(hash: Record<string, string>): DocumentRecord | undefined {
  if (!hash.id || !hash.filename || !hash.state) return undefined;
  return {
    id: hash.id,
    filename: hash.filename,
    nameSource: hash.name_source ?? "",
    fileType: (hash.file_type ?? "txt") as LibraryFileType,
    sizeBytes: Number(hash.size_bytes ?? 0),
    contentHash: hash.content_hash ?? "",
    pages: hash.pages ? Number(hash.pages) : null,
    chunks: Number(hash.chunks ?? 0),
    state: hash.state === "ready" ? "ready" : "committing",
    vectorsPending: hash.vectors_pending === "1",
    createdAt: Number(hash.created_at ?? 0),
    updatedAt: Number(hash.updated_at ?? 0),
  };
}

export function toApiDocument(record: DocumentRecord, sources: readonly string[]): LibraryDocument {
  return {
    id: record.id,
    filename: record.filename,
    file_type: record.fileType,
    size_bytes: record.sizeBytes,
    content_hash: record.contentHash,
    pages: record.pages,
    chunks: record.chunks,
    vectors_pending: record.vectorsPending,
    sources: [...sources].sort(),
    created_at: new Date(record.createdAt).toISOString(),
    updated_at: new Date(record.updatedAt).toISOString(),
  };
}

/** The name a source gives a document: the upload's name, or the dropped file's base name. */
export function filenameOfSource(source: string): string {
  const body = source.slice(source.indexOf(":") + 1);
  return body.slice(body.lastIndexOf("/") + 1);
}
