import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { UiAssets } from "../../functions/ui/index.js";

/** Where `npm run build:ui` (vite) writes the UI; `npm install` runs it too (the `prepare` script). */
export const uiBuildDir = new URL("../../functions/ui/dist/", import.meta.url).pathname;

/**
 * The built UI from disk. Read on each request rather than cached, so a rebuild (`vite build
 * --watch`) shows on reload; the files are small and the OS caches them.
 */
export function createFileUiAssets(dir: string = uiBuildDir): UiAssets {
  return {
    async read(path) {
      try {
        return new Uint8Array(await readFile(join(dir, path)));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return null;
        throw error;
      }
    },
  };
}
