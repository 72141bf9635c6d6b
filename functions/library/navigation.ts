/**
 * Tables of contents and back-of-book indexes: pages that name every topic and explain none. BM25
 * loves them (every heading's words, in a short text), so a question about a section would find
 * the contents line pointing to it before the section itself. Recognized by their lines, not by a
 * title: most lines end in a page number, often after a dotted leader, or are bare numbers.
 */
const LEADER_TO_NUMBER = /(?:\.\s?){3,}\s*[\divxlc]+$/i;
const ENDS_IN_PAGE_NUMBER = /\S\s+[\divxlc]{1,4}(?:,\s*[\divxlc]{1,4})*$/i;
const BARE_NUMBER = /^(?:[\dA-Z]{1,3}(?:\.\d{1,3})*|[ivxlc]{1,6})\.?$/i;
const MAX_ENTRY_CHARS = 90;
/** Share of lines that look like entries above which a chunk is navigation. */
const NAVIGATION_SHARE = 0.5;
const MIN_LINES = 4;

export function isNavigational(text: string): boolean {
  let lines = 0;
  let entries = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    lines += 1;
    if (LEADER_TO_NUMBER.test(line) || BARE_NUMBER.test(line) || (line.length <= MAX_ENTRY_CHARS && ENDS_IN_PAGE_NUMBER.test(line))) entries += 1;
  }
  return lines >= MIN_LINES && entries / lines >= NAVIGATION_SHARE;
}

/**
 * How much a navigational chunk's fused score is worth: enough to still be found when nothing else
 * matches (someone may want the index), never enough to beat the page it points to.
 */
export const navigationPrior = 0.3;
