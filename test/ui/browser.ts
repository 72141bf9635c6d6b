import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`), never a browser a test tool downloads. */
export const chromiumPath = "/usr/bin/chromium";
export const screenshotDir = new URL("./screenshots/", import.meta.url).pathname;

/**
 * Whether the UI tests can run. Locally a missing Chromium skips them with the package to
 * install; in CI (`CI=true`) it is a failure, never a skip.
 */
export function chromiumMissing(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const message = `Chromium is not installed at ${chromiumPath}: apt-get install -y chromium`;
  if (process.env.CI === "true") throw new Error(message);
  return message;
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Every URL the page asked for, in order (documents, scripts, fetches, XHR…). */
  requests: string[];
  /** Console errors and uncaught page errors (a CSP violation shows up here). */
  problems: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Chromium with the flags that keep it off the network on its own (no component updates, sync,
 * background requests or QUIC) and a fresh profile each time.
 */
export async function openBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "archive-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: options.viewport ?? { width: 1200, height: 860 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const problems: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  // Deletes ask for confirmation; a person would say yes.
  page.on("dialog", (dialog) => void dialog.accept());
  await mkdir(screenshotDir, { recursive: true });
  return {
    page,
    context,
    requests,
    problems,
    async screenshot(name) {
      const path = join(screenshotDir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
