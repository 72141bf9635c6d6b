/**
 * A memory as stored (one Redis hash per memory) and as the API shows it.
 */
export interface MemoryRecord {
  id: string;
  message: string;
  /** Null when it could not be measured (engine unavailable, or a one-token message). */
  perplexity: number | null;
  /** Null when the message was never scored (explicit add while the engine was unavailable). */
  surpriseScore: number | null;
  /**
   * The surprise score used as a ranking signal and archival order (least important leaves first);
   * without a perplexity it is the novelty part alone. Memories written before it existed read their
   * surprise score here (0 when unscored).
   */
  importance: number;
  /** The assistant message this turn answered (its context); null for none. Indexed for search. */
  answered: string | null;
  /** Epoch ms: when the user said it (capture time), not when it was scored. */
  createdAt: number;
  sessionId: string | null;
  metadata: Record<string, unknown> | null;
  contentHash: string;
  /** How it arrived: a captured chat turn, or `POST /memories`. */
  source: "chat" | "api";
  /** Epoch ms of the last restore from cold storage: a restored memory stays hot ARCHIVE_DAYS from then. */
  restoredAt: number | null;
}

/** The API's memory item (snake_case, ISO time), as the original's `MemoryItem` plus metadata. */
export interface MemoryItem {
  id: string;
  message: string;
  perplexity: number | null;
  surprise_score: number | null;
  created_at: string;
  session_id: string | null;
  metadata: Record<string, unknown> | null;
  importance: number;
  answered: string | null;
  similarity?: number;
}

const numberOrNull = (value: string | undefined): number | null => (value === undefined || value === "" ? null : Number(value));

export function encodeRecord(record: MemoryRecord): string[] {
  return [
    "message", record.message,
    "perplexity", record.perplexity === null ? "" : String(record.perplexity),
    "surprise", record.surpriseScore === null ? "" : String(record.surpriseScore),
    "created_at", String(record.createdAt),
    "session_id", record.sessionId ?? "",
    "metadata", record.metadata === null ? "" : JSON.stringify(record.metadata),
    "content_hash", record.contentHash,
    "source", record.source,
    "restored_at", record.restoredAt === null ? "" : String(record.restoredAt),
    "importance", String(record.importance),
    "answered", record.answered ?? "",
  ];
}

/** Undefined for a missing hash (HGETALL answers `{}`), so callers cannot mistake it for a memory. */
export function decodeRecord(id: string, fields: Record<string, string>): MemoryRecord | undefined {
  if (fields.message === undefined || fields.created_at === undefined) return undefined;
  return {
    id,
    message: fields.message,
    perplexity: numberOrNull(fields.perplexity),
    surpriseScore: numberOrNull(fields.surprise),
    createdAt: Number(fields.created_at),
    sessionId: fields.session_id ? fields.session_id : null,
    metadata: fields.metadata ? (JSON.parse(fields.metadata) as Record<string, unknown>) : null,
    contentHash: fields.content_hash ?? "",
    source: fields.source === "api" ? "api" : "chat",
    restoredAt: numberOrNull(fields.restored_at),
    importance: numberOrNull(fields.importance) ?? numberOrNull(fields.surprise) ?? 0,
    answered: fields.answered ? fields.answered : null,
  };
}

const round = (value: number | null, digits: number) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

export function toMemoryItem(record: MemoryRecord, similarity?: number): MemoryItem {
  const item: MemoryItem = {
    id: record.id,
    message: record.message,
    perplexity: round(record.perplexity, 4),
    surprise_score: round(record.surpriseScore, 4),
    created_at: new Date(record.createdAt).toISOString(),
    session_id: record.sessionId,
    metadata: record.metadata,
    importance: round(record.importance, 4) ?? 0,
    answered: record.answered,
  };
  if (similarity !== undefined) item.similarity = Math.round(similarity * 1e6) / 1e6;
  return item;
}
