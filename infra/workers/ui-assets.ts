import type { UiAssets } from "../../functions/ui/index.js";

/** The static-assets binding wrangler.toml declares (`[assets] binding = "ASSETS"`). */
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

/**
 * The built UI from Workers' static assets. wrangler.toml sets `run_worker_first`, so every
 * request reaches the router and the UI function adds its own headers (CSP) as on Node; the
 * binding's own HTML handling is off, so `index.html` is fetched by its name.
 */
export function createBindingUiAssets(binding: AssetsBinding | undefined): UiAssets {
  return {
    async read(path) {
      if (!binding) return null;
      const response = await binding.fetch(new Request(`https://assets.invalid/${path}`));
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok || !response.body) throw new Error(`static assets answered ${response.status} for ${path}`);
      return response.body;
    },
  };
}
