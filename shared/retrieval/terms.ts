/**
 * The tokenizer of lexical search, shared by BM25 and anything that must agree with it (query
 * classification, tests). Its strength is rare identifiers: a joined run such as "INV-2024-001" is a
 * term of its own besides its parts.
 */
// Only words that carry no meaning in any query; a longer list would hide short names and codes.
export const stopwords: ReadonlySet<string> = new Set(
  "a an and are as at be but by for from has have in is it its of on or that the this to was were will with".split(" "),
);
const wordRun = /[\p{L}\p{N}]+(?:[-_./@:#][\p{L}\p{N}]+)*/gu;
/** Longer runs are hashes or base64 noise; indexing them only grows the vocabulary. */
const maxTermLength = 64;

/**
 * Lowercased words split on anything that is not a letter or digit. A joined run such as
 * "INV-2024-001", "ACME-7731" or "v1.2.3" is ALSO kept whole, so an exact id is a single rare term.
 * Compounds are never stopwords.
 */
export function lexicalTerms(text: string): string[] {
  const terms: string[] = [];
  for (const group of termGroups(text)) {
    if (group.whole !== undefined) terms.push(group.whole);
    for (const part of group.parts) terms.push(part);
  }
  return terms;
}

export interface TermGroup {
  /** The joined run, when the word had more than one part. */
  whole?: string;
  parts: string[];
}

const joiner = /[-_./@:#]/;

export function termGroups(text: string): TermGroup[] {
  const groups: TermGroup[] = [];
  for (const match of text.normalize("NFKC").toLowerCase().matchAll(wordRun)) {
    const word = match[0];
    // Most words have no joiner: skip the split (it dominated indexing time at 100k chunks).
    if (!joiner.test(word)) {
      if (word.length <= maxTermLength && !stopwords.has(word)) groups.push({ parts: [word] });
      continue;
    }
    const split = word.split(/[^\p{L}\p{N}]+/u);
    const parts = split.filter((part) => part.length <= maxTermLength && !stopwords.has(part));
    if (split.length > 1 && word.length <= maxTermLength) groups.push({ whole: word, parts });
    else if (parts.length > 0) groups.push({ parts });
  }
  return groups;
}

