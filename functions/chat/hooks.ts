import type { Redis } from "ioredis";

/**
 * The seams through which memory and library plug into chat without chat knowing them
 * (and without HTTP self-calls).
 */
export interface RetrievalRequest {
  tenant: string;
  sessionId: string;
  /** The latest user message: what to retrieve for. */
  query: string;
  redis: Redis;
  signal?: AbortSignal;
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

export interface CapturedTurn {
  tenant: string;
  sessionId: string;
  message: string;
  /** Idempotency: the same turn enqueued twice is one job. */
  turnId: string;
  capturedAt: number;
}

/** Hands a user turn to memory capture. Must only enqueue: chat never waits for scoring. */
export interface TurnCapture {
  capture(turn: CapturedTurn, redis: Redis): Promise<void>;
}
