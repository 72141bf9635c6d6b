/**
 * Heading paths ("Chapter 5: Arrays and matrices › 5.7 Matrix facilities › 5.7.2 Linear equations")
 * for chunks, found in the page text itself: extracted PDF text has no styles, but manuals number
 * their headings, and Markdown marks them. Each chunk is indexed with the path in effect where it
 * starts, so a chunk deep in a section still matches the section's words.
 */
import type { Chunk, ChunkablePage } from "./chunk.js";

interface Heading {
  offset: number;
  level: number;
  title: string;
}

const markdownHeading = /^(#{1,6})\s+(.{1,120}?)\s*#*$/;
const chapterHeading = /^(?:Chapter|Appendix|Part)\s+[\dA-Z]{1,3}\b[:.]?\s+\S.{0,100}$/;
/** "5.7.2 Linear equations", "B.3.1 Setting paper size", "7 Connections" — but not "5.7.2 Title . . . 24". */
const numberedHeading = /^(?:\d{1,2}|[A-Z])((?:\.\d{1,2}){0,4})\.?\s+\p{Lu}[^\n]{1,100}$/u;
const trailingPage = /(?:\.\s?){2,}|\s\d+$/;
const pathSeparator = " › ";

function headingsOf(text: string, markdown: boolean): Heading[] {
  const headings: Heading[] = [];
  let offset = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const at = offset;
    offset += raw.length + 1;
    if (line.length < 3 || line.length > 120) continue;
    if (markdown) {
      const match = markdownHeading.exec(line);
      if (match) headings.push({ offset: at, level: match[1]!.length, title: match[2]! });
      continue;
    }
    if (trailingPage.test(line) || line.endsWith(".")) continue;
    if (chapterHeading.test(line)) headings.push({ offset: at, level: 1, title: line });
    else {
      const match = numberedHeading.exec(line);
      // A bare "7 Connections" is a chapter; dots add levels below it.
      if (match) headings.push({ offset: at, level: 1 + (match[1]!.match(/\./g)?.length ?? 0), title: line });
    }
  }
  return headings;
}

/** The heading path at the start of each chunk (same order as `chunks`); "" where none is known. */
export function sectionPaths(pages: readonly ChunkablePage[], chunks: readonly Chunk[], markdown = false): string[] {
  const path: string[] = [];
  const enter = (heading: Heading) => {
    // Running headers repeat the chapter on every page: the same title again keeps the subsections.
    if (path[heading.level - 1] === heading.title) return;
    path.length = heading.level - 1;
    for (let level = 0; level < path.length; level += 1) path[level] ??= "";
    path[heading.level - 1] = heading.title;
  };
  const current = () => path.filter((title) => title !== "").join(pathSeparator);
  const paths: string[] = [];
  let next = 0;
  for (const page of pages) {
    const headings = headingsOf(page.text, markdown);
    let pending = 0;
    for (; next < chunks.length && chunks[next]!.page === page.page; next += 1) {
      const chunk = chunks[next]!;
      while (pending < headings.length && headings[pending]!.offset <= chunk.charStart) enter(headings[pending++]!);
      paths.push(current());
    }
    while (pending < headings.length) enter(headings[pending++]!);
  }
  return paths;
}
