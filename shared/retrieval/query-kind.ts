/**
 * Queries a person means literally: a quoted phrase, or a short query holding an identifier
 * ("R_PAPERSIZE", "odbcConnectExcel2007", "v1.2.3", ".Rhistory"). Embeddings know nothing of such
 * strings, so fusion leans lexical for them (FusionSettings.exactLexicalWeight).
 */
const quotedPhrase = /["“”«»„]([^"“”«»„]{3,})["“”«»„]/u;
/** Joined runs, letters+digits, camelCase, a leading dot, or an all-caps code of 3+ characters. */
const identifierShape = /[\p{L}\p{N}][-_./:#@][\p{L}\p{N}]|\p{L}\d|\d\p{L}|\p{Ll}\p{Lu}|^\.\p{L}|^[\p{Lu}\d_]{3,}$/u;
const maxIdentifierQueryWords = 4;

export type QueryLean = "phrase" | "identifier" | undefined;

export function queryLean(query: string): QueryLean {
  if (quotedPhrase.test(query)) return "phrase";
  const words = query.trim().split(/\s+/u).filter((word) => word !== "");
  if (words.length === 0 || words.length > maxIdentifierQueryWords) return undefined;
  return words.some((word) => identifierShape.test(word.replace(/^[("'`]+|[)"'`,;:?!]+$/gu, ""))) ? "identifier" : undefined;
}
