import type { Api } from "../api.js";

/** What every panel gets from the shell. */
export interface PanelContext {
  api: Api;
  /** Says something to screen readers (and shows it in the status line). */
  announce(message: string): void;
  /** Opens another panel, e.g. a citation → the memory or the library page. */
  navigate(panelId: string, detail?: unknown): void;
}

export interface PanelView {
  element: HTMLElement;
  /** Called each time the panel becomes visible, with what `navigate` passed. */
  show?(detail?: unknown): void;
  /** Called when another panel takes over (stop polling, keep state). */
  hide?(): void;
}

/**
 * One panel = one module. A panel names the server function it needs (`GET /` lists the mounted
 * ones), so a panel for a function this deployment does not run (sandbox, voice) stays hidden.
 */
export interface Panel {
  id: string;
  title: string;
  /** The function that must be mounted, or null for panels that need none. */
  requires: string | null;
  create(context: PanelContext): PanelView;
}
