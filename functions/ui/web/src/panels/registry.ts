import type { Panel } from "./panel.js";
import { chatPanel } from "./chat.js";
import { healthPanel } from "./health.js";
import { libraryPanel } from "./library.js";
import { memoriesPanel } from "./memories.js";
import { runCodePanel } from "./run-code.js";
import { voicePanel } from "./voice.js";

/**
 * Every panel, in navigation order. A function's panel is one module and one line here; it
 * appears only where the server mounts that function (run code: sandbox, voice: voice).
 */
export const panels: readonly Panel[] = [chatPanel, memoriesPanel, libraryPanel, runCodePanel, voicePanel, healthPanel];

export function availablePanels(mounted: readonly string[]): Panel[] {
  return panels.filter((panel) => panel.requires === null || mounted.includes(panel.requires));
}
