import { messageOf, type Api } from "../api.js";
import { h, replaceChildren } from "../dom.js";

import type { ChatSession } from "../../../../chat/session-store.js";

export type { ChatSession };

export interface SessionList {
  element: HTMLElement;
  refresh(): Promise<void>;
  select(id: string | null): void;
  create(title?: string): Promise<ChatSession>;
  rename(id: string, title: string): Promise<void>;
  find(id: string): ChatSession | undefined;
}

/** The conversation list beside the chat: `/chat/sessions`, newest first. */
export function createSessionList(api: Api, options: { onOpen(session: ChatSession | null): void; announce(message: string): void }): SessionList {
  let sessions: ChatSession[] = [];
  let selected: string | null = null;
  const list = h("ul", { class: "sessions", "aria-label": "Conversations" });
  const newButton = h("button", { type: "button", id: "new-chat" }, "New conversation");
  newButton.addEventListener("click", () => {
    selected = null;
    render();
    options.onOpen(null);
  });

  const render = () => {
    replaceChildren(
      list,
      sessions.length === 0 ? h("li", { class: "empty" }, "No conversations yet.") : null,
      sessions.map((session) => {
        const open = h("button", { type: "button", class: "session-open", "aria-current": session.id === selected ? "true" : null }, session.title);
        open.addEventListener("click", () => {
          selected = session.id;
          render();
          options.onOpen(session);
        });
        const rename = h("button", { type: "button", class: "quiet small", "aria-label": `Rename “${session.title}”` }, "Rename");
        rename.addEventListener("click", () => startRename(session, item));
        const remove = h("button", { type: "button", class: "quiet small danger", "aria-label": `Delete “${session.title}”` }, "Delete");
        remove.addEventListener("click", () => void removeSession(session));
        const item = h("li", {}, open, h("span", { class: "actions" }, rename, remove));
        return item;
      }),
    );
  };

  const startRename = (session: ChatSession, item: HTMLElement) => {
    const input = h("input", { type: "text", value: session.title, maxlength: 120, "aria-label": "New title" });
    const save = h("button", { type: "submit", class: "small" }, "Save");
    const cancel = h("button", { type: "button", class: "quiet small" }, "Cancel");
    const form = h("form", { class: "rename" }, input, save, cancel);
    cancel.addEventListener("click", render);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void saveTitle(session.id, input.value).then(render);
    });
    replaceChildren(item, form);
    input.focus();
    input.select();
  };

  const saveTitle = async (id: string, title: string) => {
    try {
      const updated = await api.json<ChatSession>(`/chat/sessions/${id}`, { method: "PATCH", body: { title } });
      sessions = sessions.map((session) => (session.id === id ? { ...session, title: updated.title } : session));
      options.announce(`Renamed to ${updated.title}`);
    } catch (error) {
      options.announce(`Rename failed: ${messageOf(error)}`);
    }
  };

  const removeSession = async (session: ChatSession) => {
    if (!confirm(`Delete “${session.title}” and its messages?`)) return;
    try {
      await api.json(`/chat/sessions/${session.id}`, { method: "DELETE" });
      sessions = sessions.filter((candidate) => candidate.id !== session.id);
      options.announce(`Deleted ${session.title}`);
      if (selected === session.id) {
        selected = null;
        options.onOpen(null);
      }
      render();
      newButton.focus();
    } catch (error) {
      options.announce(`Delete failed: ${messageOf(error)}`);
    }
  };

  return {
    element: h("section", { class: "session-list", "aria-labelledby": "sessions-title" }, h("h2", { id: "sessions-title" }, "Conversations"), newButton, list),
    async refresh() {
      try {
        sessions = (await api.json<{ sessions: ChatSession[] }>("/chat/sessions?limit=100")).sessions;
      } catch (error) {
        options.announce(`Could not load conversations: ${messageOf(error)}`);
      }
      render();
    },
    select(id) {
      selected = id;
      render();
    },
    async create(title) {
      const session = await api.json<ChatSession>("/chat/sessions", { method: "POST", body: title ? { title } : {} });
      sessions = [session, ...sessions];
      selected = session.id;
      render();
      return session;
    },
    async rename(id, title) {
      await saveTitle(id, title);
      render();
    },
    find: (id) => sessions.find((session) => session.id === id),
  };
}
