import { h } from "./dom.js";

export interface Pager {
  element: HTMLElement;
  offset(): number;
  /** After a page arrived: the "1–20 of 57" text and which buttons work. */
  update(shown: number, total: number): void;
  reset(): void;
}

/** Previous / next over an offset-paged list (`?limit&offset` → `{…, total}`). */
export function createPager(pageSize: number, load: () => void): Pager {
  let offset = 0;
  const status = h("p", { class: "pager" });
  const previous = h("button", { type: "button", class: "quiet" }, "Previous page");
  const next = h("button", { type: "button", class: "quiet" }, "Next page");
  previous.addEventListener("click", () => {
    offset = Math.max(0, offset - pageSize);
    load();
  });
  next.addEventListener("click", () => {
    offset += pageSize;
    load();
  });
  return {
    element: h("div", { class: "pager-row" }, previous, status, next),
    offset: () => offset,
    update(shown, total) {
      const last = Math.min(total, offset + shown);
      status.textContent = total === 0 ? "" : `${offset + 1}–${last} of ${total}`;
      previous.disabled = offset === 0;
      next.disabled = last >= total;
    },
    reset: () => void (offset = 0),
  };
}
