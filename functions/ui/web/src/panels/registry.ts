import type { Panel } from "./panel.js";
import { chatPanel } from "./chat.js";
import { healthPanel } from "./health.js";
import { libraryPanel } from "./library.js";
import { memoriesPanel } from "./memories.js";

/**
 * Every panel, in navigation order. A new function's panel (run code, voice) is one module and
 * one line here; it appears only where the server mounts that function.
 */
export const panels: readonly Panel[] = [chatPanel, memoriesPanel, libraryPanel, healthPanel];

export function availablePanels(mounted: readonly string[]): Panel[] {
  return panels.filter((panel) => panel.requires === null || mounted.includes(panel.requires));
}
