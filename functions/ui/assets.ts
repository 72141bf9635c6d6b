/**
 * Where the built UI comes from. The UI function only knows this interface: on Node it is the
 * build folder on disk (`infra/node/ui-assets.ts`), on Workers the static-assets binding
 * (`env.ASSETS`, see wrangler.toml). Paths are relative to the build root, already validated
 * (`index.html`, `assets/index-3f9a.js`).
 */
export interface UiAssets {
  /** The file's bytes, or null when the build has no such file. */
  read(path: string): Promise<Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> | null>;
}

const contentTypes: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
  webmanifest: "application/manifest+json",
  txt: "text/plain; charset=utf-8",
  woff2: "font/woff2",
};

/** Served types are ours, never guessed by the source: a file of an unknown type is not served. */
export function contentTypeOf(path: string): string | undefined {
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return contentTypes[extension];
}

/** Build-root-relative paths only: plain segments, no dot-segments, no hidden files, no encodings. */
const assetPathPattern = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export function isAssetPath(path: string): boolean {
  return path.length <= 200 && assetPathPattern.test(path) && !path.split("/").some((segment) => segment.startsWith(".."));
}
