/**
 * A light English suffix stemmer for lexical search over conversation ("painted", "paints" and
 * "painting" all match "paint"). Deliberately conservative — plural and verb endings only — so short
 * names survive, and it never touches words with digits or joined runs ("INV-2024-001", "v1.2.3"):
 * the tokenizer's identifier handling (terms.ts) sees those exactly as written.
 *
 * Used as a text transform on both sides (indexed text and query), so BM25 itself stays unaware.
 */
const joinedRun = /[\p{L}\p{N}]+(?:[-_./@:#][\p{L}\p{N}]+)*/gu;
const lettersOnly = /^\p{L}+$/u;

// Longest first; each with the shortest stem it may leave (so "is", "was", "sing" stay whole).
const suffixes: readonly (readonly [suffix: string, replacement: string, minStem: number])[] = [
  ["ies", "y", 3],
  ["ing", "", 3],
  ["ed", "", 3],
  ["es", "", 3],
  ["s", "", 3],
];

export function stemWord(word: string): string {
  if (word.length <= 3 || !lettersOnly.test(word)) return word;
  const once = stripSuffix(word);
  // A plural of a verb form ("paintings", "feelings") loses both endings.
  return once !== word && word.endsWith("s") && once.endsWith("ing") ? stripSuffix(once) : once;
}

function stripSuffix(word: string): string {
  // "ss" (class, glass) and "us" (bus, campus) are not plurals.
  if (word.endsWith("ss") || word.endsWith("us")) return word;
  for (const [suffix, replacement, minStem] of suffixes) {
    if (!word.endsWith(suffix) || word.length - suffix.length < minStem) continue;
    let stem = word.slice(0, -suffix.length) + replacement;
    // "running" → "runn" → "run", but "falling" keeps "fall".
    if (suffix !== "s" && /([^aeioulsz])\1$/u.test(stem)) stem = stem.slice(0, -1);
    return stem;
  }
  return word;
}

/** Lowercases and stems every plain word; runs with digits or joiners are left as they are. */
export function stemWords(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(joinedRun, (word) => stemWord(word));
}
