/**
 * Word/punctuation tokenizer for the emulated engine.
 *
 * Each token keeps the whitespace that precedes it (" How", "\nThe"), the way
 * byte-level BPE tokens do, so concatenating token texts reproduces the input
 * exactly and `text_offset` values are plain string offsets.
 */

export interface Token {
  /** Exact slice of the input, including leading whitespace. */
  readonly text: string;
  /** The token without its leading whitespace ("" for a trailing-whitespace token). */
  readonly core: string;
  /** Offset of `text` in the input string. */
  readonly offset: number;
}

// Like GPT-2's pre-tokenizer: a word is a run of letters/digits ("Berlin",
// "7f3a"), an English clitic is its own token ("don" + "'t", "John" + "'s"),
// and anything else that is not whitespace is a one-code-point token ("!",
// "€"). A run of whitespace at the very end becomes its own token so nothing is lost.
const tokenPattern =
  /\s*(?:['’](?:s|t|re|ve|m|ll|d)(?![\p{L}\p{N}])|[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}])|\s+$/giu;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(tokenPattern)) {
    const tokenText = match[0];
    if (tokenText.length === 0) continue;
    tokens.push({ text: tokenText, core: tokenText.trimStart(), offset: match.index });
  }
  return tokens;
}

/** Token count as the engine reports it in `usage`. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}

/** Lower-cased lookup key shared by the language model and the embedder. */
export function tokenKey(core: string): string {
  return core.toLowerCase().replaceAll("’", "'");
}

const wordCore = /^[\p{L}\p{M}\p{N}]/u;

export function isWordCore(core: string): boolean {
  return wordCore.test(core);
}

/** How a generated token is written after the previous one: words get a space, punctuation hugs. */
export function spellAfter(core: string, isFirst: boolean): string {
  if (isFirst || !isWordCore(core)) return core;
  return ` ${core}`;
}
