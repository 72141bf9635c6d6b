import { defineConfig } from "vite";

/**
 * `npm run build:ui`: web/ → dist/, served by the UI function at /ui/. No framework and no
 * plugins: plain TypeScript modules, one CSS file, content-hashed names under dist/assets/.
 * Nothing is inlined into index.html, so the page runs under `script-src 'self'`.
 */
export default defineConfig({
  root: new URL("web", import.meta.url).pathname,
  base: "/ui/",
  logLevel: "warn",
  build: {
    outDir: new URL("dist", import.meta.url).pathname,
    emptyOutDir: true,
    target: "es2022",
    // The polyfill would be inline-free too, but every browser that runs ES2022 has modulepreload.
    modulePreload: { polyfill: false },
    // Assets stay files: `data:` URLs for scripts or styles would need a looser CSP.
    assetsInlineLimit: 0,
  },
});
