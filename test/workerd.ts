import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";

const root = new URL("..", import.meta.url).pathname;

/** Bundles the Worker exactly as `wrangler deploy` would, then runs it in workerd via Miniflare. */
export async function startWorkerd(bindings: Record<string, string>) {
  const outdir = await mkdtemp(join(tmpdir(), "archive-workerd-"));
  await promisify(execFile)(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
  });
  const files = await readdir(outdir);
  const extraModules = files.filter((file) => file.endsWith(".wasm"));
  const miniflare = new Miniflare({
    modules: [
      { type: "ESModule", path: join(outdir, "index.js") },
      ...extraModules.map((file) => ({ type: "CompiledWasm" as const, path: join(outdir, file) })),
    ],
    modulesRoot: outdir,
    compatibilityDate: "2025-09-01",
    compatibilityFlags: ["nodejs_compat"],
    bindings,
    // As wrangler.toml's [assets]: the built UI, reached through the Worker (run_worker_first).
    assets: {
      directory: join(root, "functions/ui/dist"),
      binding: "ASSETS",
      routerConfig: { invoke_user_worker_ahead_of_assets: true, has_user_worker: true },
      assetConfig: { html_handling: "none", not_found_handling: "none" },
    },
  });
  await miniflare.ready;
  return {
    fetch: (path: string, init?: RequestInit) =>
      miniflare.dispatchFetch(`http://archive.test${path}`, init as never) as unknown as Promise<Response>,
    close: async () => {
      await miniflare.dispose();
      await rm(outdir, { recursive: true, force: true });
    },
  };
}
