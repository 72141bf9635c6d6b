import { h } from "./dom.js";

/** One line of a chart; `values` are oldest first, `null` where a sample is missing. */
export interface Series {
  label: string;
  values: readonly (number | null)[];
  /** CSS class giving the line its colour (see styles.css `.series-*`). */
  tone: "a" | "b" | "c";
}

const svgNs = "http://www.w3.org/2000/svg";
const svg = (tag: string, attributes: Record<string, string | number>) => {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
};

/**
 * A small line chart (inline SVG, no library). The figure is labelled with the latest values,
 * so the numbers are there for screen readers and for anyone who does not read charts.
 */
export function lineChart(title: string, unit: string, series: readonly Series[], capacity: number): HTMLElement {
  // Until the history fills, the x axis spans what there is (at least 30 samples), not an empty window.
  const span = Math.min(capacity, Math.max(30, ...series.map((line) => line.values.length)));
  const width = 320;
  const height = 96;
  const pad = 4;
  const all = series.flatMap((line) => line.values.filter((value): value is number => value !== null));
  const max = Math.max(1e-9, ...all) * 1.1;
  const x = (index: number) => pad + (index * (width - 2 * pad)) / Math.max(1, span - 1);
  const y = (value: number) => height - pad - (value / max) * (height - 2 * pad);
  const latest = series.map((line) => `${line.label} ${format(line.values.at(-1) ?? null)}${unit ? ` ${unit}` : ""}`).join(", ");

  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": `${title}: ${latest || "no data yet"}` });
  chart.appendChild(svg("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: "axis" }));
  for (const line of series) {
    const offset = span - line.values.length;
    let path = "";
    line.values.forEach((value, index) => {
      if (value === null) return;
      const previous = line.values[index - 1];
      path += `${previous === null || previous === undefined ? "M" : "L"}${x(index + offset).toFixed(1)},${y(value).toFixed(1)}`;
    });
    if (path) chart.appendChild(svg("path", { d: path, class: `series series-${line.tone}` }));
    const last = line.values.at(-1);
    if (last !== null && last !== undefined) chart.appendChild(svg("circle", { cx: x(span - 1), cy: y(last), r: 3, class: `dot dot-${line.tone}` }));
  }
  const legend = h(
    "ul",
    { class: "legend" },
    series.map((line) => h("li", { class: `legend-${line.tone}` }, `${line.label}: `, h("strong", {}, format(line.values.at(-1) ?? null)), unit ? ` ${unit}` : "")),
  );
  return h("figure", { class: "chart-card" }, h("figcaption", {}, title, h("small", {}, ` (max ${format(max / 1.1)}${unit ? ` ${unit}` : ""})`)), chart, legend);
}

function format(value: number | null): string {
  if (value === null) return "—";
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
