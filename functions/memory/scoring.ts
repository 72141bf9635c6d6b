import type { Completion } from "../../gpu/openai-types.js";

/**
 * The surprise score, Archive-AI's formula with its bugs fixed:
 *   surprise = w_p · min(1, ln(ppl + 1) / 5) + w_n · novelty
 * - novelty is the cosine distance to the user's nearest memory normalized to 0..1, i.e.
 *   1 − similarity on the vector index's (1 + cos) / 2 scale (the original read a 0..2 distance as 0..1);
 * - perplexity counts the prompt's tokens only (the original averaged in the generated token).
 */
export interface SurpriseWeights {
  weightPerplexity: number;
  weightNovelty: number;
}

/** ln(ppl + 1) / 5, saturating at ppl ≥ e^5 − 1 ≈ 147.4. An unmeasurable perplexity adds nothing. */
export function normalizedPerplexity(perplexity: number | null): number {
  if (perplexity === null || !Number.isFinite(perplexity) || perplexity < 0) return 0;
  return Math.min(1, Math.log(perplexity + 1) / 5);
}

/** 1 − similarity of the nearest memory; a user's first memory is as novel as it gets. */
export function noveltyFrom(nearestSimilarity: number | undefined): number {
  if (nearestSimilarity === undefined) return 1;
  return Math.min(1, Math.max(0, 1 - nearestSimilarity));
}

export function surpriseScore(perplexity: number | null, novelty: number, weights: SurpriseWeights): number {
  const score = weights.weightPerplexity * normalizedPerplexity(perplexity) + weights.weightNovelty * novelty;
  // Twelve decimals: enough to hide float noise (0.7 must not become 0.69999999) at the threshold.
  return Math.round(score * 1e12) / 1e12;
}

export class LogprobsMissing extends Error {
  override readonly name = "LogprobsMissing";
}

/**
 * Perplexity of `prompt` from an `echo: true, logprobs` completion: exp of the negative mean
 * log-probability of the prompt's tokens. The first token has no logprob (nothing precedes it)
 * and is skipped; tokens the engine generated after the prompt are cut off. The boundary is the
 * engine's own `usage.prompt_tokens`; without it, the tokens whose `text_offset` lies inside the
 * prompt. Returns null when no prompt token has a logprob (a one-token message).
 */
export function perplexityFromCompletion(completion: Pick<Completion, "choices" | "usage">, prompt: string): number | null {
  const logprobs = completion.choices[0]?.logprobs;
  if (!logprobs || !Array.isArray(logprobs.token_logprobs)) throw new LogprobsMissing("the completion carries no token logprobs");
  const count = logprobs.token_logprobs.length;
  const reported = completion.usage?.prompt_tokens;
  const promptTokens =
    typeof reported === "number" && Number.isInteger(reported) && reported >= 0 && reported <= count
      ? reported
      : promptTokensByOffset(logprobs.text_offset, prompt.length, count);
  let sum = 0;
  let scored = 0;
  for (let index = 0; index < promptTokens; index++) {
    const value = logprobs.token_logprobs[index];
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    sum += value;
    scored += 1;
  }
  if (scored === 0) return null;
  return Math.exp(-sum / scored);
}

function promptTokensByOffset(offsets: readonly number[] | undefined, promptLength: number, count: number): number {
  if (!Array.isArray(offsets) || offsets.length !== count) throw new LogprobsMissing("the completion has no usable text_offset");
  let tokens = 0;
  while (tokens < count && (offsets[tokens] ?? promptLength) < promptLength) tokens += 1;
  return tokens;
}
