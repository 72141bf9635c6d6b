import { messageOf } from "../api.js";
import { field, formatBytes, formatNumber, formatTime, h, replaceChildren } from "../dom.js";
import type { LibraryDocument } from "../../../../library/records.js";
import type { SearchChunk } from "../../../../library/schema.js";
import type { LibraryStats } from "../../../../library/service.js";
import { createPager } from "../pager.js";
import { uploadDocument } from "./library-upload.js";
import type { Panel, PanelContext } from "./panel.js";
import { factList, itemsOrEmpty, panelSection } from "./parts.js";

/** What chat passes when a library citation is clicked. */
interface CitationDetail {
  citation: { document_id?: string; filename?: string; page?: number | null; chunk_index?: number };
  query: string;
}

const pageSize = 20;
const accepted = ".pdf,.txt,.md,application/pdf,text/plain,text/markdown";

export const libraryPanel: Panel = { id: "library", title: "Library", requires: "library", create: createLibrary };

function createLibrary({ api, announce }: PanelContext) {
  const uploads = h("ul", { class: "uploads", "aria-label": "Uploads" });
  const documents = h("ul", { class: "cards", "aria-label": "Documents" });
  const pager = createPager(pageSize, () => void load());
  const results = h("ol", { class: "cards", "aria-label": "Library search results" });
  const cited = h("div", { class: "selected" });
  const stats = h("p", { class: "figures" });

  const input = h("input", { type: "file", accept: accepted, multiple: true, id: "library-file", class: "visually-hidden" });
  const drop = h(
    "div",
    { class: "drop-zone" },
    h("p", {}, "Drop PDF, TXT or MD files here, or "),
    // The input stays in the tab order (visually hidden); its label is the visible button.
    input,
    h("label", { for: input.id, class: "button" }, "Choose files"),
  );
  const start = (files: FileList | null) => {
    for (const file of files ?? []) uploads.prepend(uploadDocument(api, file, () => void load()));
    announce(`${files?.length ?? 0} uploads started.`);
  };
  input.addEventListener("change", () => {
    start(input.files);
    input.value = "";
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    start(event.dataTransfer?.files ?? null);
  });

  const query = h("input", { type: "search", name: "library-query", required: true, maxlength: 2000 });
  const searchForm = h("form", { class: "inline-form", role: "search" }, field("Search the library", query), h("button", { type: "submit" }, "Search"));

  const hit = (chunk: SearchChunk, highlighted = false) =>
    h(
      "li",
      { class: `card${highlighted ? " highlight" : ""}`, "data-document-id": chunk.document_id, "data-chunk": chunk.chunk_index },
      h("p", { class: "cite-line" }, h("strong", {}, chunk.filename), chunk.page ? `, page ${chunk.page}` : "", ` · passage ${chunk.chunk_index + 1} of ${chunk.total_chunks}`, ` · score ${formatNumber(chunk.score, 3)}`),
      h("blockquote", {}, chunk.text),
    );

  async function search(text: string, documentId?: string) {
    return api.json<{ chunks: SearchChunk[] }>("/library/search", { body: { query: text.slice(0, 2000), top_k: 10, ...(documentId ? { document_id: documentId } : {}) } });
  }

  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void search(query.value)
      .then(({ chunks }) => {
        replaceChildren(results, itemsOrEmpty(chunks, (chunk) => hit(chunk), "Nothing found."));
        announce(`${chunks.length} passages found.`);
      })
      .catch((error: unknown) => announce(`Search failed: ${messageOf(error)}`));
  });

  const documentCard = (document: LibraryDocument) => {
    const remove = h("button", { type: "button", class: "quiet small danger", "aria-label": `Delete ${document.filename}` }, "Delete");
    remove.addEventListener("click", () => {
      if (!confirm(`Delete ${document.filename} from the library?`)) return;
      void api
        .json(`/library/documents/${document.id}`, { method: "DELETE" })
        .then(() => {
          announce(`${document.filename} deleted.`);
          return load();
        })
        .catch((error: unknown) => announce(`Delete failed: ${messageOf(error)}`));
    });
    return h(
      "li",
      { class: "card", "data-document-id": document.id },
      h("p", { class: "text" }, h("strong", {}, document.filename)),
      factList(
        ["Type", document.file_type.toUpperCase()],
        ["Pages", document.pages ?? "—"],
        ["Chunks", document.chunks],
        ["Size", formatBytes(document.size_bytes)],
        ["Added", formatTime(document.created_at)],
      ),
      remove,
    );
  };

  async function load() {
    try {
      const [page, figures] = await Promise.all([
        api.json<{ documents: LibraryDocument[]; total: number }>(`/library/documents?limit=${pageSize}&offset=${pager.offset()}`),
        api.json<LibraryStats>("/library/stats"),
      ]);
      replaceChildren(documents, itemsOrEmpty(page.documents, documentCard, "The library is empty."));
      pager.update(page.documents.length, page.total);
      stats.textContent = `${figures.documents} documents, ${figures.chunks} chunks`;
    } catch (error) {
      announce(`Could not load the library: ${messageOf(error)}`);
    }
  }

  /**
   * A chat citation names a document, page and passage. The passage is found again by searching
   * that document for the question it answered; the cited one is marked.
   */
  async function showCitation(detail: CitationDetail) {
    const { document_id: documentId, filename, page, chunk_index: chunkIndex } = detail.citation;
    replaceChildren(cited, h("h3", { id: "cited-title" }, `Cited: ${filename ?? "document"}${page ? `, page ${page}` : ""}`));
    try {
      const { chunks } = await search(detail.query, documentId);
      const match = chunks.find((chunk) => chunk.chunk_index === chunkIndex);
      cited.appendChild(
        match
          ? h("ol", { class: "cards" }, hit(match, true))
          : h("p", {}, "The cited passage is no longer in the library (the document changed or was deleted)."),
      );
    } catch (error) {
      cited.appendChild(h("p", { class: "error" }, messageOf(error)));
    }
    const title = cited.querySelector<HTMLElement>("#cited-title");
    title?.setAttribute("tabindex", "-1");
    title?.focus();
  }

  const element = panelSection(
    "library",
    "Library",
    stats,
    cited,
    drop,
    uploads,
    searchForm,
    results,
    h("h3", {}, "Documents"),
    documents,
    pager.element,
  );
  return {
    element,
    show(detail?: unknown) {
      void load();
      if (detail && typeof detail === "object" && "citation" in detail) void showCitation(detail as CitationDetail);
    },
  };
}
