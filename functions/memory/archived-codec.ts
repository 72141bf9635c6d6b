import type { ArchivedMemory } from "./cold-store.js";

/**
 * The portable line format of an archived memory (one JSON object per line), shared by every cold
 * store that writes text. Versioned, snake_case like the API, and the embedding as base64 of
 * float32 little-endian: exact bits, so a restore puts back the very vector that was archived.
 */
export interface ArchivedLine {
  v: 1;
  id: string;
  message: string;
  perplexity: number | null;
  surprise_score: number | null;
  created_at: number;
  session_id: string | null;
  metadata: Record<string, unknown> | null;
  content_hash: string;
  source: "chat" | "api";
  restored_at: number | null;
  archived_at: number;
  embedder: string;
  embedding: string;
  /** Added with importance and context; older lines have neither. */
  importance?: number;
  answered?: string | null;
}

export function encodeEmbedding(vector: Float32Array): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  let binary = "";
  for (let start = 0; start < bytes.length; start += 8192) binary += String.fromCharCode(...bytes.subarray(start, start + 8192));
  return btoa(binary);
}

export function decodeEmbedding(text: string): Float32Array {
  const binary = atob(text);
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index++) view.setUint8(index, binary.charCodeAt(index));
  const vector = new Float32Array(binary.length / 4);
  for (let index = 0; index < vector.length; index++) vector[index] = view.getFloat32(index * 4, true);
  return vector;
}

export const toArchivedLine = (record: ArchivedMemory): ArchivedLine => ({
  v: 1,
  id: record.id,
  message: record.message,
  perplexity: record.perplexity,
  surprise_score: record.surpriseScore,
  created_at: record.createdAt,
  session_id: record.sessionId,
  metadata: record.metadata,
  content_hash: record.contentHash,
  source: record.source,
  restored_at: record.restoredAt,
  archived_at: record.archivedAt,
  embedder: record.embedder,
  embedding: encodeEmbedding(record.embedding),
  importance: record.importance,
  answered: record.answered,
});

export const fromArchivedLine = (line: ArchivedLine): ArchivedMemory => ({
  id: line.id,
  message: line.message,
  perplexity: line.perplexity,
  surpriseScore: line.surprise_score,
  createdAt: line.created_at,
  sessionId: line.session_id,
  metadata: line.metadata,
  contentHash: line.content_hash,
  source: line.source,
  restoredAt: line.restored_at,
  archivedAt: line.archived_at,
  embedder: line.embedder,
  embedding: decodeEmbedding(line.embedding),
  importance: line.importance ?? line.surprise_score ?? 0,
  answered: line.answered ?? null,
});
