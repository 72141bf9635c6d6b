/**
 * Turns a deterministic draft (a synthetic chat reply or a greedy text
 * continuation) into what the engine returns: cut at the first stop sequence,
 * capped at max_tokens, split into tokens with their logprobs, and labelled
 * with vLLM's finish_reason / stop_reason.
 */
import type { LanguageModel } from "./language-model.js";
import { tokenize } from "./tokenize.js";

export interface GeneratedToken {
  /** Token text as streamed, including its leading whitespace. */
  readonly text: string;
  readonly core: string;
  readonly logprob: number;
  /** Core of the token before it (null at the start), for top-logprob candidates. */
  readonly previousCore: string | null;
}

export type FinishReason = "stop" | "length";

export interface Generation {
  readonly text: string;
  readonly tokens: readonly GeneratedToken[];
  readonly finishReason: FinishReason;
  /** The stop sequence that ended generation, as vLLM reports it; null otherwise. */
  readonly stopReason: string | null;
}

export interface GenerationLimits {
  /** Core of the last prompt token the draft continues (null: a fresh assistant turn). */
  readonly previousCore: string | null;
  readonly maxTokens: number;
  readonly stop: readonly string[];
  /** Whether the draft ended on its own (true) or ran out of room while drafting (false). */
  readonly draftFinished: boolean;
}

export function finishGeneration(draft: string, limits: GenerationLimits, languageModel: LanguageModel): Generation {
  const { text: cutText, stopReason } = cutAtStop(draft, limits.stop);
  const allTokens = tokenize(cutText);
  const logprobs = languageModel.scoreContinuation(cutText, limits.previousCore);
  const truncated = allTokens.length > limits.maxTokens;
  const kept = truncated ? allTokens.slice(0, limits.maxTokens) : allTokens;

  const tokens: GeneratedToken[] = kept.map((token, index) => ({
    text: token.text,
    core: token.core,
    logprob: logprobs[index] ?? 0,
    previousCore: index === 0 ? limits.previousCore : (kept[index - 1]?.core ?? null),
  }));
  const finishReason: FinishReason =
    truncated ? "length" : stopReason !== null || limits.draftFinished ? "stop" : "length";
  return {
    text: tokens.map((token) => token.text).join(""),
    tokens,
    finishReason,
    stopReason: truncated ? null : stopReason,
  };
}

function cutAtStop(draft: string, stop: readonly string[]): { text: string; stopReason: string | null } {
  let cutIndex = -1;
  let stopReason: string | null = null;
  for (const sequence of stop) {
    const index = draft.indexOf(sequence);
    if (index !== -1 && (cutIndex === -1 || index < cutIndex)) {
      cutIndex = index;
      stopReason = sequence;
    }
  }
  return cutIndex === -1 ? { text: draft, stopReason: null } : { text: draft.slice(0, cutIndex), stopReason };
}
