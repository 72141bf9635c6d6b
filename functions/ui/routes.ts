import { Hono } from "hono";
import { notFound, serviceUnavailable } from "../../shared/errors.js";
import type { AppEnv } from "../app-env.js";
import { contentTypeOf, isAssetPath, type UiAssets } from "./assets.js";

export const uiBasePath = "/ui";

/**
 * Strict by construction: the build has no inline script or style, and the UI only talks to the
 * origin that served it, so nothing else is allowed — no CDN, no third-party request, no framing.
 * `blob:` media is for playing recorded or synthesized audio (the voice panel).
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = {
  "Content-Security-Policy": contentSecurityPolicy,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** `GET /ui/` is the app; `/ui/assets/*` are content-hashed by vite, so they may be cached for good. */
export function createUiRoutes(assets: UiAssets): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  const serve = async (path: string) => {
    const type = contentTypeOf(path);
    if (!isAssetPath(path) || !type) throw notFound(`No UI file ${path}`, "ui_file_not_found");
    const body = await assets.read(path);
    if (!body) {
      if (path === "index.html") {
        throw serviceUnavailable("The web UI has not been built: run `npm run build:ui` (npm install does it too)", { code: "ui_not_built" });
      }
      throw notFound(`No UI file ${path}`, "ui_file_not_found");
    }
    const cacheControl = path.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    return new Response(body, { status: 200, headers: { ...securityHeaders, "Content-Type": type, "Cache-Control": cacheControl } });
  };

  // Without the slash, the page's relative URLs would resolve against `/`.
  routes.get(uiBasePath, (c) => c.redirect(`${uiBasePath}/`, 308));
  routes.get(`${uiBasePath}/`, () => serve("index.html"));
  routes.get(`${uiBasePath}/*`, (c) => serve(decodePath(c.req.path.slice(uiBasePath.length + 1))));

  return routes;
}

/** Percent-encoded paths are refused rather than decoded: no UI file needs one, and decoding is how traversal sneaks in. */
function decodePath(path: string): string {
  return path.includes("%") ? "" : path;
}
