/**
 * Document identity (see "Identity" in README.md): the id comes from tenant + content, and a separate
 * source key (upload name or drop-folder path) says which document a name currently points to.
 * Web Crypto only, so ids are computed identically in Node and Workers.
 */
import { safeFilename } from "./extract.js";

export interface DocumentIdentity {
  /** 32 hex chars (128 bits): unique per tenant + content, stable across processes and re-ingests. */
  documentId: string;
  /** Full SHA-256 of the bytes, 64 hex chars; equal hashes mean "unchanged, nothing to re-ingest". */
  contentHash: string;
}

const toHex = (buffer: ArrayBuffer) =>
  Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Copied into a plain ArrayBuffer-backed view: digest() rejects views over SharedArrayBuffer.
  return toHex(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
}

/**
 * The tenant is hashed in so that chunk ids built from document ids can never collide between
 * tenants, even in an index or vector store shared by all of them, and so that an id seen by one
 * tenant says nothing about another's library. Within a tenant, the same bytes give the same id.
 */
export async function identifyDocument(tenant: string, bytes: Uint8Array): Promise<DocumentIdentity> {
  const contentHash = await sha256Hex(bytes);
  const scoped = new TextEncoder().encode(`archive-library-document/v1\n${tenant}\n${contentHash}`);
  return { documentId: (await sha256Hex(scoped)).slice(0, 32), contentHash };
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
