import { h, type Child } from "./dom.js";

/**
 * The Markdown a model writes — paragraphs, headings, lists, quotes, fenced code, inline code,
 * emphasis, links — rendered to DOM nodes (text stays text: a reply cannot inject HTML). It is
 * re-run on the whole reply as tokens arrive, so an unclosed fence simply renders as code so far.
 */
export function renderMarkdown(source: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let index = 0;
  const paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) fragment.appendChild(h("p", {}, inline(paragraph.join(" "))));
    paragraph.length = 0;
  };

  while (index < lines.length) {
    const line = lines[index]!;
    const fence = line.match(/^\s*(```|~~~)\s*([\w+#.-]*)/);
    if (fence) {
      flush();
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !lines[index]!.trimStart().startsWith(fence[1]!)) body.push(lines[index++]!);
      index += 1;
      fragment.appendChild(codeBlock(body.join("\n"), fence[2] ?? ""));
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      flush();
      // Replies sit under the page's own headings: their levels start at h3.
      const level = Math.min(6, heading[1]!.length + 2);
      fragment.appendChild(h(`h${level}` as "h3", {}, inline(heading[2]!)));
      index += 1;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      fragment.appendChild(h("hr"));
      index += 1;
      continue;
    }
    if (/^\s*>/.test(line)) {
      flush();
      const quoted: string[] = [];
      while (index < lines.length && /^\s*>/.test(lines[index]!)) quoted.push(lines[index++]!.replace(/^\s*>\s?/, ""));
      fragment.appendChild(h("blockquote", {}, renderMarkdown(quoted.join("\n"))));
      continue;
    }
    const listItem = /^\s*(?:[-*+]|(\d+)[.)])\s+/;
    const first = line.match(listItem);
    if (first) {
      flush();
      const ordered = first[1] !== undefined;
      const items: Child[] = [];
      while (index < lines.length) {
        const item = lines[index]!.match(listItem);
        if (!item || (item[1] !== undefined) !== ordered) break;
        const text = [lines[index]!.slice(item[0].length)];
        index += 1;
        // Indented continuation lines belong to the item.
        while (index < lines.length && /^\s{2,}\S/.test(lines[index]!) && !listItem.test(lines[index]!)) text.push(lines[index++]!.trim());
        items.push(h("li", {}, inline(text.join(" "))));
      }
      fragment.appendChild(ordered ? h("ol", { start: first[1] ?? 1 }, items) : h("ul", {}, items));
      continue;
    }
    if (line.trim() === "") flush();
    else paragraph.push(line.trim());
    index += 1;
  }
  flush();
  return fragment;
}

function codeBlock(code: string, language: string): HTMLElement {
  const copy = h("button", { type: "button", class: "copy" }, "Copy");
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(code).then(() => (copy.textContent = "Copied"));
  });
  return h(
    "figure",
    { class: "code" },
    h("figcaption", {}, h("span", {}, language || "code"), copy),
    h("pre", { tabindex: 0 }, h("code", language ? { class: `language-${language}` } : {}, code)),
  );
}

const inlinePatterns: { pattern: RegExp; render: (match: RegExpExecArray) => Child }[] = [
  { pattern: /`([^`]+)`/, render: (match) => h("code", {}, match[1]!) },
  { pattern: /\*\*(.+?)\*\*|__(.+?)__/, render: (match) => h("strong", {}, inline(match[1] ?? match[2] ?? "")) },
  { pattern: /\*([^*\s](?:[^*]*[^*\s])?)\*|(?<![\w])_([^_\s](?:[^_]*[^_\s])?)_(?![\w])/, render: (match) => h("em", {}, inline(match[1] ?? match[2] ?? "")) },
  { pattern: /\[([^\]]+)\]\(([^)\s]+)\)/, render: (match) => link(match[1]!, match[2]!) },
];

/** Earliest match wins; text between matches stays plain text. */
function inline(text: string): Child[] {
  const out: Child[] = [];
  let rest = text;
  while (rest) {
    let best: { index: number; match: RegExpExecArray; render: (match: RegExpExecArray) => Child } | undefined;
    for (const { pattern, render } of inlinePatterns) {
      const match = pattern.exec(rest);
      if (match && (!best || match.index < best.index)) best = { index: match.index, match, render };
    }
    if (!best) {
      out.push(rest);
      break;
    }
    if (best.index > 0) out.push(rest.slice(0, best.index));
    out.push(best.render(best.match));
    rest = rest.slice(best.index + best.match[0].length);
  }
  return out;
}

/** Only web and mail links become links (no `javascript:`); they open outside the app. */
function link(text: string, href: string): Child {
  if (!/^(https?:|mailto:)/i.test(href)) return `${text} (${href})`;
  return h("a", { href, rel: "noopener noreferrer nofollow", target: "_blank" }, text);
}
