import { messageOf } from "../api.js";
import { field, formatNumber, formatTime, h, replaceChildren } from "../dom.js";
import type { MemoryItem as Memory } from "../../../../memory/records.js";
import { createPager } from "../pager.js";
import { createArchiveTier } from "./memory-archive.js";
import type { Panel, PanelContext } from "./panel.js";
import { factList, itemsOrEmpty, panelSection } from "./parts.js";

const pageSize = 20;

export const memoriesPanel: Panel = { id: "memories", title: "Memories", requires: "memory", create: createMemories };

/** What Archive remembers: add, page through, search, delete; the cold archive below. */
function createMemories({ api, announce }: PanelContext) {
  const list = h("ol", { class: "cards", "aria-label": "Memories" });
  const pager = createPager(pageSize, () => void load());
  const stats = h("p", { class: "figures" });
  const selected = h("div", { class: "selected", "aria-live": "polite" });
  const results = h("ol", { class: "cards", "aria-label": "Search results" });

  const addInput = h("textarea", { name: "memory", rows: 2, required: true, maxlength: 8000 });
  const addForm = h("form", { class: "inline-form" }, field("New memory", addInput), h("button", { type: "submit" }, "Add memory"));
  const searchInput = h("input", { type: "search", name: "memory-query", required: true, maxlength: 2000 });
  const searchForm = h("form", { class: "inline-form", role: "search" }, field("Search memories", searchInput), h("button", { type: "submit" }, "Search"));

  const card = (memory: Memory) => {
    const remove = h("button", { type: "button", class: "quiet small danger", "aria-label": `Delete memory “${memory.message.slice(0, 40)}”` }, "Delete");
    remove.addEventListener("click", () => void removeMemory(memory));
    return h(
      "li",
      { class: "card", "data-memory-id": memory.id },
      h("p", { class: "text" }, memory.message),
      factList(
        memory.similarity !== undefined ? ["Similarity", formatNumber(memory.similarity)] : null,
        ["Importance (surprise)", formatNumber(memory.surprise_score)],
        ["Perplexity", formatNumber(memory.perplexity, 1)],
        ["Saved", formatTime(memory.created_at)],
      ),
      remove,
    );
  };

  async function load() {
    try {
      const [page, figures] = await Promise.all([
        api.json<{ memories: Memory[]; total: number }>(`/memories?limit=${pageSize}&offset=${pager.offset()}`),
        api.json<{ hot: number; archived: number; total: number; embedder: string; threshold: number }>("/memories/stats"),
      ]);
      replaceChildren(list, itemsOrEmpty(page.memories, card, "No memories yet."));
      pager.update(page.memories.length, page.total);
      stats.textContent = `${figures.hot} memories in Redis, ${figures.archived} archived · embedder ${figures.embedder}`;
    } catch (error) {
      announce(`Could not load memories: ${messageOf(error)}`);
    }
  }

  async function removeMemory(memory: Memory) {
    try {
      await api.json(`/memories/${memory.id}`, { method: "DELETE" });
      for (const element of document.querySelectorAll(`[data-memory-id="${memory.id}"]`)) element.remove();
      announce("Memory deleted.");
      await load();
    } catch (error) {
      announce(`Delete failed: ${messageOf(error)}`);
    }
  }

  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void api
      .json<Memory>("/memories", { body: { message: addInput.value } })
      .then(async () => {
        addInput.value = "";
        announce("Memory saved.");
        pager.reset();
        await load();
      })
      .catch((error: unknown) => announce(`Could not save: ${messageOf(error)}`));
  });

  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void api
      .json<{ memories: Memory[] }>("/memories/search", { body: { query: searchInput.value, top_k: 20 } })
      .then(({ memories }) => {
        replaceChildren(results, itemsOrEmpty(memories, card, "Nothing found."));
        announce(`${memories.length} memories found.`);
      })
      .catch((error: unknown) => announce(`Search failed: ${messageOf(error)}`));
  });

  /** A citation from chat: the memory it names, on top. */
  async function showMemory(id: string) {
    try {
      const memory = await api.json<Memory>(`/memories/${id}`);
      replaceChildren(selected, h("h3", {}, "Cited memory"), h("ol", { class: "cards" }, card(memory)));
    } catch (error) {
      replaceChildren(selected, h("p", { class: "error" }, `That memory is gone: ${messageOf(error)}`));
    }
    selected.querySelector<HTMLElement>(".card")?.setAttribute("tabindex", "-1");
    selected.querySelector<HTMLElement>(".card")?.focus();
  }

  const archive = createArchiveTier(api, announce, () => void load());
  const element = panelSection(
    "memories",
    "Memories",
    stats,
    selected,
    addForm,
    searchForm,
    results,
    h("h3", {}, "All memories"),
    list,
    pager.element,
    archive.element,
  );
  return {
    element,
    show(detail?: unknown) {
      void load();
      void archive.refresh();
      const memoryId = (detail as { memoryId?: string } | undefined)?.memoryId;
      if (memoryId) void showMemory(memoryId);
    },
  };
}
