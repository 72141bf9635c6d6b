import { defineFunction, type HttpFunction } from "../http-function.js";
import { createUiRoutes } from "./routes.js";
import type { UiAssets } from "./assets.js";

export type { UiAssets } from "./assets.js";
export { contentTypeOf, isAssetPath } from "./assets.js";
export { contentSecurityPolicy, uiBasePath } from "./routes.js";

/**
 * The web UI (chat, memories, library, health) as one more function: its source is `web/`,
 * built by vite into `dist/`, and served at `/ui/` from whatever `UiAssets` the runtime has.
 * It holds no data of its own and calls the API like any client.
 */
export function createUiFunction(deps: { assets: UiAssets }): HttpFunction {
  return { name: "ui", routes: createUiRoutes(deps.assets), needs: [] };
}

/** The built assets come from the runtime: files on Node, the ASSETS binding on Workers. */
export const uiFunction = defineFunction<"ui", unknown, UiAssets>({
  name: "ui",
  create: ({ adapter }) => createUiFunction({ assets: adapter }),
});
