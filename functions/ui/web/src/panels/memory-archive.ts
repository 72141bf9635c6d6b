import { messageOf, type Api } from "../api.js";
import { field, formatBytes, formatTime, h, replaceChildren } from "../dom.js";
import type { ColdArchiveStats } from "../../../../memory/cold-archive.js";
import type { MemoryItem as ArchivedMemory } from "../../../../memory/records.js";
import { itemsOrEmpty } from "./parts.js";


/** The cold tier: figures, search and restore (`/memories/archive/*`); 501 on Workers is shown as such. */
export function createArchiveTier(api: Api, announce: (message: string) => void, onRestored: () => void) {
  const figures = h("p", { class: "figures" });
  const results = h("ol", { class: "cards", "aria-label": "Archive search results" });
  const query = h("input", { type: "search", name: "archive-query", required: true, maxlength: 2000 });
  const form = h("form", { class: "inline-form", role: "search" }, field("Search the archive", query), h("button", { type: "submit" }, "Search archive"));
  const run = h("button", { type: "button", class: "quiet" }, "Archive old memories now");

  async function refresh() {
    try {
      const stats = await api.json<ColdArchiveStats>("/memories/archive/stats");
      figures.textContent =
        `${stats.archived} archived memories` +
        (stats.cold_store ? ` in ${stats.batches ?? 0} batches (${formatBytes(stats.bytes ?? 0)}, ${stats.cold_store})` : " (no cold store on this runtime)") +
        (stats.oldest_created_at ? ` · from ${formatTime(stats.oldest_created_at)} to ${formatTime(stats.newest_created_at)}` : "") +
        (stats.last_run ? ` · last run ${formatTime(stats.last_run.finished_at)} moved ${stats.last_run.archived}` : "");
    } catch (error) {
      figures.textContent = `Archive figures unavailable: ${messageOf(error)}`;
    }
  }

  const card = (memory: ArchivedMemory) => {
    const restore = h("button", { type: "button", class: "small" }, "Restore");
    restore.addEventListener("click", () => {
      restore.disabled = true;
      void api
        .json<{ restored: string[] }>("/memories/archive/restore", { body: { ids: [memory.id] } })
        .then(({ restored }) => {
          announce(restored.includes(memory.id) ? "Memory restored." : "That memory was not in the archive any more.");
          item.remove();
          onRestored();
          return refresh();
        })
        .catch((error: unknown) => {
          restore.disabled = false;
          announce(`Restore failed: ${messageOf(error)}`);
        });
    });
    const item = h("li", { class: "card" }, h("p", { class: "text" }, memory.message), h("p", { class: "meta" }, formatTime(memory.created_at)), restore);
    return item;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void api
      .json<{ memories: ArchivedMemory[] }>("/memories/archive/search", { body: { query: query.value, top_k: 20 } })
      .then(({ memories: found }) => {
        replaceChildren(results, itemsOrEmpty(found, card, "Nothing in the archive matches."));
        announce(`${found.length} archived memories found.`);
      })
      .catch((error: unknown) => announce(`Archive search failed: ${messageOf(error)}`));
  });

  run.addEventListener("click", () => {
    run.disabled = true;
    void api
      .json<{ archived: number }>("/memories/archive/run", { method: "POST" })
      .then((outcome) => announce(`Archival ran: ${outcome.archived} memories moved to the archive.`))
      .catch((error: unknown) => announce(`Archival failed: ${messageOf(error)}`))
      .finally(() => {
        run.disabled = false;
        onRestored();
        void refresh();
      });
  });

  return {
    element: h("section", { class: "archive", "aria-labelledby": "archive-title" }, h("h3", { id: "archive-title" }, "Archive (cold storage)"), figures, run, form, results),
    refresh,
  };
}
