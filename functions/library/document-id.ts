/**
 * Document identity (see "Identity" in README.md): the id comes from tenant + content, and a separate
 * source key (upload name or drop-folder path) says which document a name currently points to.
 * Portable hashing (shared/sha256.ts), so ids are computed identically in Node and Workers.
 */
import { sha256Hex, sha256HexOfBytes } from "../../shared/sha256.js";
import { safeFilename } from "./extract.js";

export interface DocumentIdentity {
  /** 32 hex chars (128 bits): unique per tenant + content, stable across processes and re-ingests. */
  documentId: string;
  /** Full SHA-256 of the bytes, 64 hex chars; equal hashes mean "unchanged, nothing to re-ingest". */
  contentHash: string;
}

/**
 * The tenant is hashed in so that chunk ids built from document ids can never collide between
 * tenants, even in an index or vector store shared by all of them, and so that an id seen by one
 * tenant says nothing about another's library. Within a tenant, the same bytes give the same id.
 */
export async function identifyDocument(tenant: string, bytes: Uint8Array): Promise<DocumentIdentity> {
  const contentHash = await sha256HexOfBytes(bytes);
  return { documentId: sha256Hex(`archive-library-document/v1\n${tenant}\n${contentHash}`).slice(0, 32), contentHash };
}

export type DocumentSource = { origin: "upload"; filename: string } | { origin: "drop"; relativePath: string };

/**
 * The stable key of where a document came from. Uploads are keyed by file name, drop-folder files by
 * their path relative to the folder ("/"-separated); the two never share keys, so the folder mirrors
 * exactly what is in it and an upload never replaces a dropped file or vice versa. Every path
 * segment must be a safe file name, so no key can point outside the folder.
 */
export function sourceKey(source: DocumentSource): string {
  if (source.origin === "upload") return `upload:${safeFilename(source.filename)}`;
  const segments = source.relativePath.split("/").map((segment) => safeFilename(segment));
  return `drop:${segments.join("/")}`;
}
