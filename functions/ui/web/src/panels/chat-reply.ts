import { errorOf, type Api } from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { renderMarkdown } from "../markdown.js";
import { readEvents } from "../sse.js";

/** One passage a reply used, from the stream's leading `archive` chunk. */
export interface Retrieved {
  source: "memory" | "library";
  id: string;
  similarity: number;
  citation: Record<string, unknown>;
}

export interface ReplyRequest {
  sessionId: string;
  message: string;
  model: string | undefined;
  retrieval: boolean;
  signal: AbortSignal;
}

export interface ReplyView {
  element: HTMLElement;
  /** Streams the reply into the element; resolves with how it ended. */
  stream(request: ReplyRequest): Promise<"done" | "stopped" | "failed">;
}

/** A chat message bubble; assistant text is Markdown, the user's stays plain text. */
export function messageBubble(role: "user" | "assistant", content: string): HTMLElement {
  const body = h("div", { class: "content" });
  if (role === "assistant") body.appendChild(renderMarkdown(content));
  else body.textContent = content;
  return h("article", { class: `message ${role}`, "aria-label": role === "user" ? "You said" : "Archive replied" }, body);
}

/**
 * An assistant reply being streamed from `/v1/chat/completions`: tokens rendered as Markdown as
 * they come (at most once per frame), the passages it used as citations underneath.
 */
export function createReplyView(api: Api, onCite: (passage: Retrieved, question: string) => void): ReplyView {
  const body = h("div", { class: "content", "aria-busy": "true" });
  const citations = h("div", { class: "citations" });
  const state = h("p", { class: "reply-state" });
  const element = h("article", { class: "message assistant", "aria-label": "Archive replied" }, body, citations, state);

  return {
    element,
    async stream(request) {
      let text = "";
      let scheduled = false;
      const render = () => {
        scheduled = false;
        replaceChildren(body, renderMarkdown(text));
      };
      const schedule = () => {
        if (!scheduled) {
          scheduled = true;
          requestAnimationFrame(render);
        }
      };
      try {
        const response = await api.fetch("/v1/chat/completions", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify({
            ...(request.model ? { model: request.model } : {}),
            messages: [{ role: "user", content: request.message }],
            stream: true,
            session_id: request.sessionId,
            archive: { retrieval: request.retrieval },
          }),
          signal: request.signal,
        });
        if (!response.body) throw await errorOf(response);
        for await (const data of readEvents(response.body)) {
          const chunk = JSON.parse(data) as {
            archive?: { retrieved?: Retrieved[] };
            choices?: { delta?: { content?: string | null } }[];
            error?: { message?: string };
          };
          if (chunk.error) throw new Error(chunk.error.message ?? "the engine failed mid-reply");
          if (chunk.archive?.retrieved) showCitations(citations, chunk.archive.retrieved, (passage) => onCite(passage, request.message));
          const delta = chunk.choices?.[0]?.delta?.content;
          if (delta) {
            text += delta;
            schedule();
          }
        }
        render();
        return "done";
      } catch (error) {
        render();
        if (request.signal.aborted) {
          state.textContent = "Stopped.";
          return "stopped";
        }
        state.textContent = `The reply failed: ${error instanceof Error ? error.message : String(error)}`;
        state.classList.add("error");
        return "failed";
      } finally {
        body.setAttribute("aria-busy", "false");
      }
    },
  };
}

function showCitations(container: HTMLElement, passages: readonly Retrieved[], open: (passage: Retrieved) => void): void {
  if (passages.length === 0) return replaceChildren(container);
  replaceChildren(
    container,
    h("h3", { class: "visually-hidden" }, "Sources"),
    h("span", { class: "label", "aria-hidden": "true" }, "Sources"),
    h(
      "ul",
      {},
      passages.map((passage) => {
        const button = h("button", { type: "button", class: `cite cite-${passage.source}` }, citationLabel(passage));
        button.addEventListener("click", () => open(passage));
        return h("li", {}, button);
      }),
    ),
  );
}

export function citationLabel(passage: Retrieved): string {
  const similarity = `${Math.round(passage.similarity * 100)}%`;
  if (passage.source === "memory") return `Memory · ${similarity}`;
  const { filename, page } = passage.citation as { filename?: string; page?: number | null };
  return `${filename ?? "document"}${page ? `, page ${page}` : ""} · ${similarity}`;
}
