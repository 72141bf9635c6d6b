/**
 * The emulated assistant's answer: deterministic, short, and built from the
 * conversation so tests can see what reached the engine. It names the unusual
 * words of the last user message and quotes, verbatim, every context line
 * that looks like retrieved data (memories, library excerpts, citations).
 */
import type { LanguageModel } from "./language-model.js";
import { isWordCore, tokenize, tokenKey } from "./tokenize.js";

export interface ChatTurn {
  readonly role: string;
  readonly text: string;
}

export const syntheticNotice = "This is a synthetic reply from the emulated inference engine.";

const maxKeywords = 5;
const maxQuotedLines = 8;
const maxQuotedLineLength = 400;
/** -ln P(word) past which a word is worth naming: beyond roughly the 250 commonest words. */
const keywordRarity = 7.1;

// Words that name a block of retrieved material in a prompt ("Relevant memories:",
// "## Library excerpts", "<context>").
const contextHeadingWords =
  /memor|context|librar|document|excerpt|source|retriev|knowledge|fact|citation|passage|search result|note/i;
// A line that reads like an item of data: a bullet, a numbered or bracketed reference, a quote.
const dataLineMarker = /^(?:[-*•]\s+|\[[^\]\n]{1,60}\]|\(\d{1,3}\)\s*|\d{1,3}[.)]\s+|>\s*)/u;
const openingTag = /^<([A-Za-z][\w-]*)[^>]*>$/;
const closingTag = /^<\/([A-Za-z][\w-]*)>$/;

export function composeReply(turns: readonly ChatTurn[], languageModel: LanguageModel): string {
  const lastUserTurn = [...turns].reverse().find((turn) => turn.role === "user");
  const keywords = pickKeywords(lastUserTurn?.text ?? "", languageModel);
  const retrieved = findRetrievedLines(turns);

  const parts: string[] = [];
  if (keywords.length > 0) parts.push(`You asked about ${joinWords(keywords)}.`);
  else if (lastUserTurn && lastUserTurn.text.trim() !== "") parts.push("Thanks for your message.");
  else parts.push("I am listening.");
  if (retrieved.length > 0) {
    parts.push(`From the context I was given:\n${retrieved.map((line) => `- "${line}"`).join("\n")}\n`);
  }
  parts.push(syntheticNotice);
  return parts.join(" ").replace(/\n /g, "\n");
}

/** The rarest words of `text` (at most five), in the order they appear, first spelling kept. */
export function pickKeywords(text: string, languageModel: LanguageModel): string[] {
  const seen = new Set<string>();
  const words: Array<{ word: string; rarity: number; position: number }> = [];
  for (const token of tokenize(text)) {
    const key = tokenKey(token.core);
    if (!isWordCore(token.core) || key.length < 3 || seen.has(key)) continue;
    seen.add(key);
    const rarity = languageModel.rarity(token.core);
    if (rarity >= keywordRarity) words.push({ word: token.core, rarity, position: words.length });
  }
  return words
    .sort((a, b) => b.rarity - a.rarity || a.position - b.position)
    .slice(0, maxKeywords)
    .sort((a, b) => a.position - b.position)
    .map((entry) => entry.word);
}

/**
 * Lines of system, user and tool turns that look like retrieved data. Lines
 * inside a block introduced by a context heading or tag come first; marked
 * lines elsewhere (bullets, "[1]") follow. Tool results count whole.
 */
export function findRetrievedLines(turns: readonly ChatTurn[]): string[] {
  const inBlocks: string[] = [];
  const marked: string[] = [];
  for (const turn of turns) {
    if (turn.role === "assistant") continue;
    let insideBlock = false;
    let openTag: string | null = null;
    for (const rawLine of turn.text.split(/\r?\n/)) {
      const line = rawLine.trim();
      if (line === "") {
        insideBlock = false;
        continue;
      }
      const opening = openingTag.exec(line);
      if (opening?.[1] && contextHeadingWords.test(opening[1])) {
        openTag = opening[1];
        continue;
      }
      if (openTag !== null && closingTag.exec(line)?.[1] === openTag) {
        openTag = null;
        continue;
      }
      if (isContextHeading(line)) {
        insideBlock = true;
        continue;
      }
      if (turn.role === "tool" || openTag !== null || insideBlock) inBlocks.push(line);
      else if (dataLineMarker.test(line)) marked.push(line);
    }
  }
  return [...new Set([...inBlocks, ...marked])]
    .slice(0, maxQuotedLines)
    .map((line) => (line.length > maxQuotedLineLength ? `${line.slice(0, maxQuotedLineLength)}…` : line));
}

function isContextHeading(line: string): boolean {
  const looksLikeHeading = line.endsWith(":") || line.startsWith("#");
  return looksLikeHeading && line.length <= 80 && contextHeadingWords.test(line);
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}
