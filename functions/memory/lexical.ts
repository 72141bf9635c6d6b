/**
 * What memory search knows of each memory without reading its record, replicated with its vector
 * (the `data` of the vector index, so every process sees it right after any process wrote it): the
 * write time, the session, the importance and the text the lexical half of search indexes — the
 * message and the tail of the assistant message it answered.
 *
 * The follower turns that into a BM25 index per (tenant, end user) replica, in step with the vectors
 * change by change (see shared/vector-index). Cold memories join the same BM25 index (ids prefixed
 * `c:`), so hot and cold lexical scores share one set of statistics.
 */
import { createBm25Index, stemWords, type Bm25Index } from "../../shared/retrieval/index.js";
import type { VectorFollower } from "../../shared/vector-index/index.js";
import type { ArchivedMemory } from "./cold-store.js";
import { memoryIdTime } from "./identity.js";
import type { MemoryRecord } from "./records.js";

/** Characters of the answered message indexed with a memory: its end is what the user replied to. */
export const indexedContextChars = 500;

export interface MemoryEntryData {
  /** When the vector was written (orphan sweeps). */
  w: number;
  s?: string;
  /** Importance. */
  i?: number;
  /** Indexed text. */
  x?: string;
  /** 1 when the message is a question. */
  q?: 1;
}

export function indexedText(record: Pick<MemoryRecord, "message" | "answered">): string {
  if (!record.answered) return record.message;
  return `${record.message}\n${record.answered.slice(-indexedContextChars)}`;
}

export function encodeEntryData(writtenAt: number, record: Pick<MemoryRecord, "message" | "answered" | "sessionId" | "importance">): string {
  const data: MemoryEntryData = { w: writtenAt, i: record.importance, x: indexedText(record) };
  if (record.sessionId) data.s = record.sessionId;
  if (isQuestion(record.message)) data.q = 1;
  return JSON.stringify(data);
}

/** Also reads the format before lexical search, `w:<ms>[ s:<session>]` (no text: vector-only until re-indexed). */
export function decodeEntryData(data: string | undefined): MemoryEntryData | undefined {
  if (!data) return undefined;
  if (data.startsWith("{")) {
    try {
      const parsed = JSON.parse(data) as MemoryEntryData;
      return typeof parsed.w === "number" ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  if (!data.startsWith("w:")) return undefined;
  const at = data.indexOf(" s:");
  const entry: MemoryEntryData = { w: Number.parseInt(data.slice(2, at === -1 ? undefined : at), 10) || 0 };
  if (at !== -1) entry.s = data.slice(at + 3);
  return entry;
}

export const stampTime = (data: string | undefined) => decodeEntryData(data)?.w ?? 0;
export const sessionOf = (data: string | undefined) => decodeEntryData(data)?.s ?? null;

/** A memory that asks something rarely holds the answer to a question (it is the question). */
export const isQuestion = (text: string) => /\?["')\]\s]*$/u.test(text);

const interrogatives = /\b(?:what|when|where|who|whom|whose|which|why|how|did|does|do|would|could|can|should|is|are|was|were)\b/giu;

/**
 * The lexical query: question words carry no content but match every question the user ever
 * asked, so a question is searched by its other words (unless nothing else is left).
 */
export function lexicalQuery(query: string): string {
  if (!isQuestion(query) && !/^\s*(?:what|when|where|who|which|why|how)\b/iu.test(query)) return stemWords(query);
  const stripped = query.replace(interrogatives, " ");
  return stemWords(stripped.trim() === "" ? query : stripped);
}

export interface EntryMeta {
  session: string | null;
  createdAt: number;
  importance: number;
  question: boolean;
}

export interface ColdDocument {
  batchId: string;
  record: ArchivedMemory;
}

export interface MemoryFollower extends VectorFollower {
  readonly bm25: Bm25Index;
  /** Hot ids as they are; cold ids with the `c:` prefix. */
  meta(id: string): EntryMeta | undefined;
  /** The Redis revision of the archived index the cold documents were loaded at; null: not loaded. */
  readonly coldRevision: string | null;
  cold(id: string): ColdDocument | undefined;
  coldIds(): IterableIterator<string>;
  installCold(revision: string, documents: readonly ColdDocument[]): void;
}

export const followerName = "memory-lexical";
export const coldPrefix = "c:";

export function createMemoryFollower(): MemoryFollower {
  const bm25 = createBm25Index();
  const metas = new Map<string, EntryMeta>();
  let coldDocuments = new Map<string, ColdDocument>();
  let coldRevision: string | null = null;

  const dropCold = () => {
    for (const id of coldDocuments.keys()) {
      bm25.remove(id);
      metas.delete(id);
    }
    coldDocuments = new Map();
    coldRevision = null;
  };

  return {
    bm25,
    meta: (id) => metas.get(id),
    get coldRevision() {
      return coldRevision;
    },
    cold: (id) => coldDocuments.get(id),
    coldIds: () => coldDocuments.keys(),
    reset() {
      bm25.clear();
      metas.clear();
      coldDocuments = new Map();
      coldRevision = null;
    },
    upsert(id, data) {
      const entry = decodeEntryData(data);
      const text = entry?.x;
      metas.set(id, { session: entry?.s ?? null, createdAt: memoryIdTime(id), importance: entry?.i ?? 0, question: entry?.q === 1 });
      if (text === undefined) bm25.remove(id);
      else bm25.add(id, stemWords(text));
    },
    remove(id) {
      bm25.remove(id);
      metas.delete(id);
    },
    installCold(revision, documents) {
      dropCold();
      for (const document of documents) {
        const { record } = document;
        const id = coldPrefix + record.id;
        coldDocuments.set(id, document);
        metas.set(id, { session: record.sessionId, createdAt: record.createdAt, importance: record.importance, question: isQuestion(record.message) });
        bm25.add(id, stemWords(indexedText(record)));
      }
      coldRevision = revision;
    },
  };
}
