import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../emulator/redis-launcher.js";
import { composeNode, type NodeComposition } from "../../infra/node/compose.js";
import { serveHttp } from "../../infra/node/serve.js";
import { loadConfig } from "../../functions/compose.js";
import { silentLogger } from "../../shared/logger.js";
import { startEngineServer } from "../engine-server.js";
import { chromiumMissing, openBrowser, type Browser } from "./browser.js";

const missing = chromiumMissing();

let engine: Awaited<ReturnType<typeof startEngineServer>>;
let system: NodeComposition;
let http: Awaited<ReturnType<typeof serveHttp>>;
let browser: Browser;

// Auth off (no ARCHIVE_API_KEYS, loopback): the Node composition served over real HTTP.
beforeAll(async () => {
  if (missing) return;
  engine = await startEngineServer();
  const config = loadConfig({
    REDIS_PREFIX: `ui-open-${crypto.randomUUID().slice(0, 8)}`,
    INFERENCE_ENDPOINTS: engine.url,
    EMBEDDINGS: "pool",
    EMBEDDINGS_MODEL: engine.engine.model,
  });
  system = composeNode({ config, redisUrl: inject("redisUrl"), logger: silentLogger });
  http = await serveHttp(system.app.fetch, "127.0.0.1", await freePort());
  browser = await openBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await system?.close();
  await engine?.close();
});

describe.skipIf(missing !== undefined)("web UI with auth off", () => {
  it("asks for no key and shows the default tenant", async () => {
    const { page } = browser;
    await page.goto(`${http.url}/`);
    await page.locator("#tenant").waitFor();
    expect(await page.locator("#tenant").textContent()).toBe("Tenant default");
    expect(await page.locator(".who").textContent()).toContain("(auth off)");
    expect(await page.getByLabel("API key").count()).toBe(0);
    await page.getByRole("link", { name: "Memories" }).click();
    await page.getByRole("heading", { name: "Memories", exact: true }).waitFor();
    expect(browser.requests.every((url) => url.startsWith(`${http.url}/`))).toBe(true);
  });
});
