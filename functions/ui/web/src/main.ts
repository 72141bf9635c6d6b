import "./styles.css";
import { createApi, storedKey, type Api } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import type { Panel, PanelView } from "./panels/panel.js";
import { availablePanels } from "./panels/registry.js";
import { signIn, type Identity } from "./panels/sign-in.js";

/**
 * The shell: sign in, then a header (tenant, sign out), the navigation of the panels this
 * server has, and one visible panel chosen by the URL hash (`#/chat`, `#/memories`, …).
 */
const root = document.getElementById("app")!;
const api = createApi(storedKey.get);

async function start(): Promise<void> {
  const identity = await signIn(root, api);
  const mounted = await functionsOf(api);
  renderShell(identity, availablePanels(mounted));
}

async function functionsOf(client: Api): Promise<string[]> {
  try {
    return (await client.json<{ functions: string[] }>("/")).functions;
  } catch {
    return ["chat", "memory", "library"];
  }
}

function renderShell(identity: Identity, panels: Panel[]): void {
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const announce = (message: string) => {
    status.textContent = "";
    // A fresh text node each time, so repeating the same message is announced again.
    requestAnimationFrame(() => (status.textContent = message));
  };
  const views = new Map<string, PanelView>();
  const main = h("main", { id: "main", tabindex: -1 });
  const links = new Map<string, HTMLAnchorElement>();
  let current: string | undefined;
  let pendingDetail: unknown;

  const context = {
    api,
    announce,
    navigate(panelId: string, detail?: unknown) {
      pendingDetail = detail;
      if (location.hash === `#/${panelId}`) show(panelId);
      else location.hash = `#/${panelId}`;
    },
  };

  const show = (panelId: string) => {
    const panel = panels.find((candidate) => candidate.id === panelId) ?? panels[0]!;
    if (current && current !== panel.id) views.get(current)?.hide?.();
    let view = views.get(panel.id);
    if (!view) {
      view = panel.create(context);
      views.set(panel.id, view);
      main.appendChild(view.element);
    }
    for (const [id, other] of views) other.element.hidden = id !== panel.id;
    for (const [id, link] of links) {
      if (id === panel.id) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    current = panel.id;
    document.title = `${panel.title} · Archive`;
    const detail = pendingDetail;
    pendingDetail = undefined;
    view.show?.(detail);
  };

  const nav = h(
    "nav",
    { "aria-label": "Archive" },
    h(
      "ul",
      {},
      panels.map((panel) => {
        const link = h("a", { href: `#/${panel.id}`, id: `nav-${panel.id}` }, panel.title);
        links.set(panel.id, link);
        return h("li", {}, link);
      }),
    ),
  );
  const signOut = h("button", { type: "button", class: "quiet" }, "Sign out");
  signOut.addEventListener("click", () => {
    storedKey.set("");
    location.hash = "";
    location.reload();
  });
  const header = h(
    "header",
    { class: "top" },
    h("h1", {}, "Archive"),
    nav,
    h(
      "div",
      { class: "who" },
      h("span", { id: "tenant" }, "Tenant ", h("strong", {}, identity.tenant)),
      identity.authOff ? h("small", {}, " (auth off)") : signOut,
    ),
  );
  replaceChildren(root, header, main, status);
  window.addEventListener("hashchange", () => show(location.hash.replace(/^#\/?/, "")));
  show(location.hash.replace(/^#\/?/, ""));
}

start().catch((error: unknown) => {
  replaceChildren(root, h("p", { class: "error", role: "alert" }, `Archive's UI could not start: ${error instanceof Error ? error.message : String(error)}`));
});
