import { messageOf } from "../api.js";
import { field, h, replaceChildren } from "../dom.js";
import { createReplyView, messageBubble, type Retrieved } from "./chat-reply.js";
import { createSessionList, type ChatSession } from "./chat-sessions.js";
import type { Panel, PanelContext } from "./panel.js";

const defaultTitle = "New conversation";
/** Retrieval on/off is remembered per conversation, in this browser (it is a view preference). */
const retrievalKey = (sessionId: string) => `archive.retrieval.${sessionId}`;
/** A new conversation is named after its first message, cut at a word. */
const titleFrom = (text: string) => (text.length <= 60 ? text : `${text.slice(0, 60).replace(/\s+\S*$/, "")}…`);

export const chatPanel: Panel = { id: "chat", title: "Chat", requires: "chat", create: createChat };

function createChat({ api, announce, navigate }: PanelContext) {
  let session: ChatSession | null = null;
  let running: AbortController | null = null;

  const log = h("div", { class: "log", role: "log", "aria-label": "Messages", tabindex: 0 });
  const heading = h("h2", { id: "chat-title" }, defaultTitle);
  const model = h("select", { name: "model" });
  const retrieval = h("input", { type: "checkbox", name: "retrieval", checked: true });
  const message = h("textarea", { name: "message", rows: 3, required: true, placeholder: "Ask anything…" });
  const send = h("button", { type: "submit" }, "Send");
  const stop = h("button", { type: "button", class: "danger", disabled: true }, "Stop");

  const sessions = createSessionList(api, {
    announce,
    onOpen: (opened) => void open(opened),
  });

  const composer = h(
    "form",
    { class: "composer", "aria-label": "Send a message" },
    h(
      "div",
      { class: "composer-options" },
      field("Model", model),
      h("div", { class: "field checkbox" }, retrieval, h("label", { for: (retrieval.id = "chat-retrieval") }, "Use memories and library")),
    ),
    field("Message", message, "Enter sends, Shift+Enter adds a line."),
    h("div", { class: "composer-actions" }, send, stop),
  );

  message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  retrieval.addEventListener("change", () => {
    if (session) localStorage.setItem(retrievalKey(session.id), retrieval.checked ? "on" : "off");
  });
  stop.addEventListener("click", () => running?.abort());
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });

  async function open(opened: ChatSession | null) {
    running?.abort();
    session = opened;
    heading.textContent = opened?.title ?? defaultTitle;
    retrieval.checked = opened ? localStorage.getItem(retrievalKey(opened.id)) !== "off" : true;
    replaceChildren(log);
    if (!opened) {
      log.appendChild(h("p", { class: "empty" }, "Start a conversation: your message creates it."));
      message.focus();
      return;
    }
    try {
      const { messages } = await api.json<{ messages: { role: "user" | "assistant"; content: string }[] }>(`/chat/sessions/${opened.id}/messages`);
      replaceChildren(log, messages.length === 0 ? h("p", { class: "empty" }, "No messages yet.") : messages.map((entry) => messageBubble(entry.role, entry.content)));
      log.scrollTop = log.scrollHeight;
    } catch (error) {
      announce(`Could not load the conversation: ${messageOf(error)}`);
    }
    message.focus();
  }

  async function submit() {
    const text = message.value.trim();
    if (!text || running) return;
    try {
      if (!session) {
        session = await sessions.create(titleFrom(text));
        heading.textContent = session.title;
        localStorage.setItem(retrievalKey(session.id), retrieval.checked ? "on" : "off");
      }
    } catch (error) {
      announce(`Could not start a conversation: ${messageOf(error)}`);
      return;
    }
    log.querySelector(".empty")?.remove();
    message.value = "";
    log.appendChild(messageBubble("user", text));
    const reply = createReplyView(api, cite);
    log.appendChild(reply.element);
    log.scrollTop = log.scrollHeight;

    running = new AbortController();
    send.disabled = true;
    stop.disabled = false;
    announce("Archive is replying…");
    const outcome = await reply.stream({ sessionId: session.id, message: text, model: model.value || undefined, retrieval: retrieval.checked, signal: running.signal });
    running = null;
    send.disabled = false;
    stop.disabled = true;
    log.scrollTop = log.scrollHeight;
    announce(outcome === "done" ? "Reply complete." : outcome === "stopped" ? "Reply stopped." : "The reply failed.");
    message.focus();
    if (session.title === defaultTitle) await sessions.rename(session.id, titleFrom(text));
    void sessions.refresh();
  }

  function cite(passage: Retrieved, question: string) {
    if (passage.source === "memory") navigate("memories", { memoryId: passage.id });
    else navigate("library", { citation: passage.citation, query: question });
  }

  async function loadModels() {
    try {
      const { data } = await api.json<{ data: { id: string }[] }>("/v1/models");
      replaceChildren(model, data.map((entry, index) => h("option", { value: entry.id, selected: index === 0 }, entry.id)));
    } catch (error) {
      replaceChildren(model, h("option", { value: "" }, "Server default"));
      announce(`Could not list models: ${messageOf(error)}`);
    }
  }

  const element = h(
    "section",
    { class: "panel chat", "aria-labelledby": "chat-title" },
    sessions.element,
    h("div", { class: "conversation" }, heading, log, composer),
  );
  let loaded = false;
  return {
    element,
    show() {
      if (loaded) return;
      loaded = true;
      void loadModels();
      void sessions.refresh();
      void open(null);
    },
  };
}
