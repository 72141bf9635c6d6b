/** A Markdown table; the first column left-aligned, the rest right-aligned unless `align` says otherwise. */
export const table = (header: readonly string[], rows: readonly (readonly (string | number)[])[], align?: string) =>
  [`| ${header.join(" | ")} |`, align ?? `|${header.map((_, index) => (index === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");

/** A figure for a table: thousands separated, "–" when there is none. */
export const number = (value: number | null | undefined) => (value === null || value === undefined ? "–" : value.toLocaleString("en"));
