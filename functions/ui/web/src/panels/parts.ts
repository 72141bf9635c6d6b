import { h, type Child } from "../dom.js";

/**
 * The pieces the panels are built from, so each panel's markup (and its accessible names) follows
 * one pattern: a section labelled by its heading, cards with a list of facts, lists that say so
 * when they are empty.
 */

/** A panel's `<section>`, labelled by its `<h2>` (`name` is its class and the heading's id prefix). */
export function panelSection(name: string, title: string, ...children: Child[]): HTMLElement {
  return h("section", { class: `panel ${name}`, "aria-labelledby": `${name}-title` }, h("h2", { id: `${name}-title` }, title), ...children);
}

/** A card's facts as `<dt>`/`<dd>` pairs; a null entry is left out. */
export function factList(...facts: (readonly [label: string, value: Child] | null)[]): HTMLElement {
  return h("dl", { class: "meta" }, facts.map((fact) => fact && [h("dt", {}, fact[0]), h("dd", {}, fact[1])]));
}

/** A list's items, or one "empty" item saying why there are none. */
export function itemsOrEmpty<Item>(items: readonly Item[], render: (item: Item) => Child, empty: string): Child {
  return items.length === 0 ? h("li", { class: "empty" }, empty) : items.map(render);
}
