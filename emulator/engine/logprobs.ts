/**
 * The two logprob payloads vLLM returns: the chat format (`logprobs.content[]`
 * with `top_logprobs` lists) and the legacy completions format (parallel
 * arrays plus `top_logprobs` dictionaries). Both include the chosen token's
 * own logprob among the alternatives, as vLLM does.
 */
import type { LanguageModel } from "./language-model.js";
import { spellAfter, tokenKey } from "./tokenize.js";

export interface TopLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly bytes: number[];
}

export interface ChatLogprobEntry extends TopLogprob {
  readonly top_logprobs: TopLogprob[];
}

export interface LegacyLogprobs {
  readonly text_offset: number[];
  readonly token_logprobs: Array<number | null>;
  readonly tokens: string[];
  readonly top_logprobs: Array<Record<string, number> | null>;
}

/** A token with its score and the token before it (whose followers are the alternatives). */
export interface ScoredPiece {
  readonly text: string;
  readonly logprob: number | null;
  readonly previousCore: string | null;
}

const encoder = new TextEncoder();

function utf8Bytes(text: string): number[] {
  return [...encoder.encode(text)];
}

function alternatives(piece: ScoredPiece, count: number, languageModel: LanguageModel): TopLogprob[] {
  const chosenKey = tokenKey(piece.text.trimStart());
  return languageModel
    .topCandidates(piece.previousCore, count)
    .map((candidate) => {
      // The chosen token keeps its own spelling ("How", not " how") when it is among the best.
      const token = candidate.key === chosenKey ? piece.text : spellAfter(candidate.key, false);
      return { token, logprob: candidate.logprob, bytes: utf8Bytes(token) };
    });
}

export function chatLogprobEntry(piece: ScoredPiece, topCount: number, languageModel: LanguageModel): ChatLogprobEntry {
  const logprob = piece.logprob ?? 0;
  return {
    token: piece.text,
    logprob,
    bytes: utf8Bytes(piece.text),
    top_logprobs: topCount > 0 ? alternatives(piece, topCount, languageModel) : [],
  };
}

export function legacyLogprobs(
  pieces: readonly ScoredPiece[],
  startOffset: number,
  topCount: number,
  languageModel: LanguageModel,
): LegacyLogprobs {
  const result: LegacyLogprobs = { text_offset: [], token_logprobs: [], tokens: [], top_logprobs: [] };
  let offset = startOffset;
  for (const piece of pieces) {
    result.text_offset.push(offset);
    result.token_logprobs.push(piece.logprob);
    result.tokens.push(piece.text);
    if (piece.logprob === null) {
      result.top_logprobs.push(null);
    } else {
      const top: Record<string, number> = {};
      for (const alternative of alternatives(piece, topCount, languageModel)) top[alternative.token] = alternative.logprob;
      top[piece.text] = piece.logprob;
      result.top_logprobs.push(top);
    }
    offset += piece.text.length;
  }
  return result;
}
