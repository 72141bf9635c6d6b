import { readFileSync } from "node:fs";

/**
 * English vocabulary of the emulated language model, most frequent first
 * (ranked-words.txt, whitespace-separated; a data file, so editing it is editing data).
 *
 * Written by hand from general knowledge of English word frequency (rough
 * order, not a measured corpus). The model turns rank into a count with
 * Zipf's law, which is how real frequency lists behave, so only the order has
 * to be roughly right. Punctuation is ranked alongside words because a
 * tokenizer sees it as often as the commonest words.
 */
const text = (name: string) => readFileSync(new URL(name, import.meta.url), "utf8");

/** Words in descending frequency order, duplicates removed (first rank wins). */
export const rankedWords: readonly string[] = [...new Set(text("ranked-words.txt").split(/\s+/).filter((word) => word.length > 0))];

/**
 * Bigrams common in everyday English (common-bigrams.txt, `|`-separated), added on top of the
 * training corpus so function-word transitions do not depend on which sentences the corpus has.
 */
export const commonBigrams: ReadonlyArray<readonly [string, string]> = text("common-bigrams.txt")
  .split("|")
  .map((pair) => pair.trim().split(" "))
  .filter((words): words is [string, string] => words.length === 2)
  .map(([first, second]) => [first, second] as const);
