import type { Redis } from "ioredis";

/**
 * The seams through which memory and library plug into chat without chat knowing them
 * (and without HTTP self-calls).
 */
/** The end user of a request that names none. */
export const defaultEndUser = "default";

export interface RetrievalRequest {
  tenant: string;
  /**
   * The person inside the tenant (OpenAI `user` or `X-Archive-User`; "default" without one).
   * Memories belong to (tenant, end user); the library is tenant-wide.
   */
  endUser: string;
  sessionId: string;
  /** The latest user message: what to retrieve for. */
  query: string;
  redis: Redis;
  signal?: AbortSignal;
  /**
   * The turn being answered, when it went to memory capture. Scoring runs concurrently and may
   * store it before retrieval reads: that memory is the question itself, not context.
   */
  turn?: CapturedTurnRef | undefined;
  /** Only what was said in this time window (epoch ms; `after` inclusive, `before` exclusive). */
  window?: { after?: number | undefined; before?: number | undefined } | undefined;
}

/** Which capture a turn is: enough to derive the memory it may become. */
export interface CapturedTurnRef {
  turnId: string;
  capturedAt: number;
}

/** One piece of retrieved context, added to the prompt as quoted data, never as instructions. */
export interface RetrievedPassage {
  source: "memory" | "library";
  id: string;
  text: string;
  similarity: number;
  /** Citation fields shown to the client (document, chunk, page…). */
  citation: Record<string, unknown>;
}

export interface Retriever {
  name: "memory" | "library";
  retrieve(request: RetrievalRequest): Promise<RetrievedPassage[]>;
}

export interface CapturedTurn extends CapturedTurnRef {
  tenant: string;
  /** See `RetrievalRequest.endUser`. */
  endUser: string;
  sessionId: string;
  /** Exactly what the user wrote. */
  message: string;
  /** The assistant message this turn answered (what "yes, the red one" refers to), if any. */
  answered?: string | undefined;
}

/** Hands a user turn to memory capture. Must only enqueue: chat never waits for scoring. */
export interface TurnCapture {
  capture(turn: CapturedTurn, redis: Redis): Promise<void>;
}
