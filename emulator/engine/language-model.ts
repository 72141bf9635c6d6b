/**
 * A small deterministic word-bigram language model.
 *
 * It exists so the emulated engine can return prompt logprobs whose perplexity
 * behaves like a small instruct model's: everyday English scores low, rare
 * names, ids and nonsense score high. Memory scoring (surprise) depends on that
 * ordering, so the numbers must be stable and plausible, not exact.
 *
 * Model: interpolated absolute discounting (bigram → unigram), unigram counts
 * from Zipf's law over a ranked word list plus a bundled corpus, and a
 * word-shape model for out-of-vocabulary tokens (a capitalised name is less
 * surprising than a hex id). Scores are tempered (see temperature) because a
 * word-level model sees each rare word as one token, where a subword model
 * would spread the surprise over several better-predicted pieces.
 */
import { trainingCorpus } from "./training-corpus.js";
import { isWordCore, tokenize, tokenKey, type Token } from "./tokenize.js";
import { commonBigrams, rankedWords } from "./word-frequencies.js";

export interface Candidate {
  readonly key: string;
  readonly logprob: number;
}

export interface ScoredToken {
  readonly token: Token;
  /** null for the first token of a text scored without context, as in vLLM's prompt logprobs. */
  readonly logprob: number | null;
}

export interface Continuation {
  readonly cores: readonly string[];
  /** True when the model ended a sentence before running out of tokens. */
  readonly finished: boolean;
}

export interface LanguageModel {
  /** Tempered natural-log probability of `core` following `previousCore` (null: start of text). */
  logprob(previousCore: string | null, core: string): number;
  /** Likeliest next tokens after `previousCore`, best first, ties broken alphabetically. */
  topCandidates(previousCore: string | null, count: number): Candidate[];
  /** Logprob of every token of `text` read on its own: the first token has nothing to condition on, so null. */
  scoreText(text: string): ScoredToken[];
  /** Logprob of every token of `text` as a continuation after `previousCore` (null: start of text). */
  scoreContinuation(text: string, previousCore: string | null): number[];
  /** Greedy continuation that avoids repeating its last few words. */
  continueText(previousCore: string | null, maxTokens: number): Continuation;
  /** Untempered -ln P(word) ignoring context: how unusual a word is on its own. */
  rarity(core: string): number;
}

// Calibration: reported logprob = temperature * ln P - logprobOffset. The
// temperature compresses word-level surprise to subword-model scale; the offset
// keeps even certain continuations from scoring ~0, as real models rarely do.
// Tuned so the reference sentences in language-model.test.ts land where a small
// instruct model puts them. The result is a score, not a normalised distribution.
const temperature = 0.42;
const logprobOffset = 0.5;
const discount = 0.75;
/** Zipf count of rank r is listMass / (r + zipfShift). */
const listMass = 200_000;
const zipfShift = 3;
const commonBigramCount = 2;
/** Probability mass held back for words the model has never seen. */
const unknownMass = 0.05;
const trailingWhitespaceLogprob = Math.log(0.3);
const startToken = "<s>";
const sentenceEnds = new Set([".", "!", "?"]);
const recentWindow = 4;
const unigramCandidates = 30;

interface Counts {
  readonly unigram: Map<string, number>;
  readonly unigramTotal: number;
  readonly bigram: Map<string, Map<string, number>>;
  readonly contextTotal: Map<string, number>;
  readonly topUnigrams: readonly string[];
}

function addCount<K>(map: Map<K, number>, key: K, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

function buildCounts(): Counts {
  const unigram = new Map<string, number>();
  rankedWords.forEach((word, index) => addCount(unigram, word, listMass / (index + 1 + zipfShift)));

  const bigram = new Map<string, Map<string, number>>();
  const addPair = (previous: string, next: string, amount: number): void => {
    let followers = bigram.get(previous);
    if (!followers) {
      followers = new Map();
      bigram.set(previous, followers);
    }
    addCount(followers, next, amount);
  };

  for (const line of trainingCorpus.split("\n")) {
    let previous = startToken;
    for (const token of tokenize(line)) {
      if (token.core === "") continue;
      const key = tokenKey(token.core);
      addCount(unigram, key, 1);
      addPair(previous, key, 1);
      previous = key;
    }
  }
  for (const [first, second] of commonBigrams) addPair(first, second, commonBigramCount);

  const contextTotal = new Map<string, number>();
  for (const [previous, followers] of bigram) {
    let total = 0;
    for (const count of followers.values()) total += count;
    contextTotal.set(previous, total);
  }
  let unigramTotal = 0;
  for (const count of unigram.values()) unigramTotal += count;
  const topUnigrams = [...unigram.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, unigramCandidates)
    .map(([key]) => key);
  return { unigram, unigramTotal, bigram, contextTotal, topUnigrams };
}

/**
 * Raw log-probability of a word the model has never seen, from its shape.
 * Lengths stand in for the number of subword pieces a real tokenizer would need.
 */
function unknownWordLogprob(core: string): number {
  const length = [...core].length;
  if (/^\p{N}+$/u.test(core)) return Math.log(1e-3) - 0.6 * Math.max(0, length - 2);
  if (/^\p{Lu}[\p{Ll}\p{M}]+$/u.test(core)) return Math.log(6e-5) - 0.15 * Math.max(0, length - 4);
  if (/^[\p{Ll}\p{M}]+$/u.test(core)) return Math.log(2e-5) - 0.25 * Math.max(0, length - 4);
  if (/^[\p{L}\p{M}]+$/u.test(core)) return Math.log(1e-5) - 0.2 * Math.max(0, length - 3);
  if (isWordCore(core)) return Math.log(3e-6) - 0.35 * length;
  return Math.log(1e-4);
}

export function createLanguageModel(): LanguageModel {
  const counts = buildCounts();
  const candidateCache = new Map<string, Candidate[]>();

  const unigramProbability = (key: string, core: string): number => {
    const count = counts.unigram.get(key);
    if (count === undefined) return unknownMass * Math.exp(unknownWordLogprob(core));
    return (1 - unknownMass) * (count / counts.unigramTotal);
  };

  const rawProbability = (previousKey: string, key: string, core: string): number => {
    const base = unigramProbability(key, core);
    const followers = counts.bigram.get(previousKey);
    const total = counts.contextTotal.get(previousKey);
    if (!followers || !total) return base;
    const pairCount = followers.get(key) ?? 0;
    const backoffWeight = (discount * followers.size) / total;
    return Math.max(pairCount - discount, 0) / total + backoffWeight * base;
  };

  const logprob = (previousCore: string | null, core: string): number => {
    if (core === "") return trailingWhitespaceLogprob;
    const previousKey = previousCore === null || previousCore === "" ? startToken : tokenKey(previousCore);
    return temperature * Math.log(rawProbability(previousKey, tokenKey(core), core)) - logprobOffset;
  };

  const rankedCandidates = (previousCore: string | null): Candidate[] => {
    const previousKey = previousCore === null ? startToken : tokenKey(previousCore);
    const cached = candidateCache.get(previousKey);
    if (cached) return cached;
    const keys = new Set([...(counts.bigram.get(previousKey)?.keys() ?? []), ...counts.topUnigrams]);
    const ranked = [...keys]
      .map((key) => ({ key, logprob: logprob(previousCore, key) }))
      .sort((a, b) => b.logprob - a.logprob || (a.key < b.key ? -1 : 1));
    candidateCache.set(previousKey, ranked);
    return ranked;
  };

  return {
    logprob,
    topCandidates: (previousCore, count) => rankedCandidates(previousCore).slice(0, Math.max(0, count)),
    scoreText(text) {
      let previous: string | null = null;
      return tokenize(text).map((token, index) => {
        const scored: ScoredToken = { token, logprob: index === 0 ? null : logprob(previous, token.core) };
        previous = token.core;
        return scored;
      });
    },
    scoreContinuation(text, previousCore) {
      let previous = previousCore;
      return tokenize(text).map((token) => {
        const value = logprob(previous, token.core);
        previous = token.core;
        return value;
      });
    },
    continueText(previousCore, maxTokens) {
      const cores: string[] = [];
      let previous = previousCore;
      while (cores.length < maxTokens) {
        const recent = new Set(cores.slice(-recentWindow).map(tokenKey));
        const next = rankedCandidates(previous).find((candidate) => !recent.has(candidate.key));
        if (!next) break;
        // The model works in lower case; write "I" and sentence starts the way English does.
        const startsSentence = previous === null || sentenceEnds.has(tokenKey(previous));
        cores.push(startsSentence || next.key === "i" ? capitalize(next.key) : next.key);
        previous = next.key;
        if (sentenceEnds.has(next.key)) return { cores, finished: true };
      }
      return { cores, finished: false };
    },
    rarity: (core) => -Math.log(unigramProbability(tokenKey(core), core)),
  };
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

// Building the counts is pure and takes a few milliseconds; every engine in a
// process can share one model because it has no mutable state worth isolating.
let sharedModel: LanguageModel | undefined;

export function getLanguageModel(): LanguageModel {
  sharedModel ??= createLanguageModel();
  return sharedModel;
}

/** exp(-mean logprob) over the tokens that have one (the first prompt token has none). */
export function perplexity(logprobs: ReadonlyArray<number | null>): number {
  const scored = logprobs.filter((value): value is number => value !== null);
  if (scored.length === 0) return 1;
  return Math.exp(-scored.reduce((sum, value) => sum + value, 0) / scored.length);
}
