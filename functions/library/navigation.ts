/**
 * Tables of contents and back-of-book indexes: pages that name every topic and explain none. BM25
 * loves them (every heading's words, in a short text), so a question about a section would find
 * the contents line pointing to it before the section itself. Recognized by their lines, not by a
 * title: most lines end in a page number, often after a dotted leader, or are bare numbers.
 */
const leaderToNumber = /(?:\.\s?){3,}\s*[\divxlc]+$/i;
/** "apples, 12, 45": words, then page numbers; not code or output ("> y <- x * 2", "[1] 12"). */
const endsInPageNumber = /^[\p{L}.][^<>=*+{}[\]]*?[\p{L})]\s*,?\s+\d{1,4}(?:,\s*\d{1,4})*$/u;
const bareNumber = /^(?:[\dA-Z]{1,3}(?:\.\d{1,3})*|[ivxlc]{1,6})\.?$/i;
const maxEntryChars = 90;
/** Share of lines that look like entries above which a chunk is navigation. */
const navigationShare = 0.5;
const minLines = 4;

export function isNavigational(text: string): boolean {
  let lines = 0;
  let entries = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    lines += 1;
    if (leaderToNumber.test(line) || bareNumber.test(line) || (line.length <= maxEntryChars && endsInPageNumber.test(line))) entries += 1;
  }
  return lines >= minLines && entries / lines >= navigationShare;
}

/**
 * How much a navigational chunk's fused score is worth: enough to still be found when nothing else
 * matches (someone may want the index), never enough to beat the page it points to.
 */
export const navigationPrior = 0.3;
