import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulatorProcess, type EmulatorProcess } from "../emulator-process.js";
import { reportPage2Passage, reportRareId } from "../fixtures/make-pdfs.js";
import { accessibilityViolations } from "./axe.js";
import { chromiumMissing, openBrowser, screenshotDir, type Browser } from "./browser.js";
import { startMarkdownEngine } from "./markdown-engine.js";

const missing = chromiumMissing();
if (missing) console.warn(`UI tests skipped: ${missing}`);

const key = "ui-key-0123456789abcdef";
const fixtures = new URL("../fixtures/", import.meta.url).pathname;

let engine: Awaited<ReturnType<typeof startMarkdownEngine>>;
let emulator: EmulatorProcess;
let browser: Browser;
let dataDir: string;

// The real `npm start` with auth on, in front of an engine that streams slowly enough to stop.
// Embeddings come from the engine (EMBEDDINGS=pool): the UI is under test here, and the local
// model's CPU on two cores would make chat's 300 ms retrieval budget (and other suites) a lottery.
beforeAll(async () => {
  if (missing) return;
  engine = await startMarkdownEngine({ tokenDelayMs: 25 });
  dataDir = await mkdtemp(join(tmpdir(), "archive-ui-"));
  emulator = await startEmulatorProcess(
    {
      ARCHIVE_API_KEYS: `${key}:alice`,
      ARCHIVE_DATA_DIR: dataDir,
      INFERENCE_ENDPOINTS: engine.url,
      EMBEDDINGS: "pool",
      EMBEDDINGS_MODEL: engine.engine.model,
      LOG_LEVEL: "warn",
    },
    { readyTimeoutMs: 60_000 },
  );
  browser = await openBrowser();
}, 120_000);

afterAll(async () => {
  if (emulator) await writeFile(join(screenshotDir, "emulator.log"), emulator.output());
  await browser?.close();
  await emulator?.stop();
  await engine?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const assistantReplies = () => browser.page.locator(".message.assistant .content");

async function sendMessage(text: string) {
  const { page } = browser;
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByLabel("Message", { exact: true }).press("Enter");
}

describe.skipIf(missing !== undefined)("web UI in Debian's Chromium against npm start", () => {
  it("signs in with an API key and shows the tenant", async () => {
    const { page } = browser;
    const response = await page.goto(emulator.baseUrl);
    expect(page.url()).toBe(`${emulator.baseUrl}/ui/`);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
    await page.getByLabel("API key").fill("wrong-key-000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not accepted");
    await browser.screenshot("sign-in");
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#tenant").waitFor();
    expect(await page.locator("#tenant").textContent()).toBe("Tenant alice");
    expect(await page.evaluate(() => sessionStorage.getItem("archive.apiKey"))).toBe(key);
    await expect.poll(() => page.getByLabel("Model").locator("option").allTextContents()).toEqual([engine.engine.model]);
  });

  it("streams a reply as Markdown and keeps the conversation", async () => {
    const { page } = browser;
    await sendMessage("Tell me about tidal pools");
    // While streaming: partial text on screen and Stop enabled; then the whole reply.
    await page.getByRole("button", { name: "Stop" }).and(page.locator(":enabled")).waitFor();
    await expect.poll(async () => (await assistantReplies().last().textContent())?.length ?? 0).toBeGreaterThan(0);
    const partial = (await assistantReplies().last().textContent()) ?? "";
    await page.getByRole("status").filter({ hasText: "Reply complete." }).waitFor();
    const final = (await assistantReplies().last().textContent()) ?? "";
    expect(final.length).toBeGreaterThan(partial.length);
    expect(await page.getByRole("button", { name: "Stop" }).isDisabled()).toBe(true);

    // The conversation is listed under its first words, and what the server kept is what was shown.
    const session = page.locator(".session-open", { hasText: "Tell me about tidal pools" });
    await session.waitFor();
    const sessions = (await (await fetchApi("/chat/sessions")).json()) as { sessions: { id: string; title: string }[] };
    const saved = sessions.sessions.find((entry) => entry.title === "Tell me about tidal pools")!;
    const { messages } = (await (await fetchApi(`/chat/sessions/${saved.id}/messages`)).json()) as { messages: { content: string }[] };
    expect(normalize(messages[1]!.content)).toBe(normalize(final));
    await browser.screenshot("chat");

    // Reopening the conversation shows it again; renaming shows the new title.
    await page.getByRole("button", { name: "New conversation" }).click();
    expect(await assistantReplies().count()).toBe(0);
    await session.click();
    await expect.poll(() => assistantReplies().count()).toBe(1);
    await page.getByRole("button", { name: "Rename “Tell me about tidal pools”" }).click();
    await page.getByLabel("New title").fill("Rock pools");
    await page.getByLabel("New title").press("Enter");
    await page.locator(".session-open", { hasText: "Rock pools" }).waitFor();
  });

  it("renders a Markdown reply with a code block", async () => {
    const { page } = browser;
    await sendMessage("Show me a markdown sample");
    await page.getByRole("status").filter({ hasText: "Reply complete." }).waitFor();
    const reply = page.locator(".message.assistant").last();
    expect(await reply.getByRole("heading", { name: "Reversing a list" }).count()).toBe(1);
    expect(await reply.locator(".content strong").textContent()).toBe("slicing");
    expect(await reply.locator(".content li").allTextContents()).toEqual(["slicing makes a copy", "reversed is lazy"]);
    expect(await reply.locator("figure.code figcaption span").textContent()).toBe("python");
    expect(await reply.locator("figure.code pre code").textContent()).toBe("items = [1, 2, 3]\nprint(items[::-1])");
    await browser.screenshot("chat-markdown");
  });

  it("stops a stream: the engine sees the abort and the text stops growing", async () => {
    const { page } = browser;
    const abortedBefore = engine.engine.stats.aborted;
    await sendMessage("Write a very long story about the sea and the ships upon it");
    await expect.poll(async () => (await assistantReplies().last().textContent())?.length ?? 0).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Stop" }).click();
    await page.locator(".reply-state", { hasText: "Stopped." }).waitFor();
    const stopped = await assistantReplies().last().textContent();
    await expect.poll(() => engine.engine.stats.aborted).toBeGreaterThan(abortedBefore);
    expect(await assistantReplies().last().textContent()).toBe(stopped);
    expect(await page.getByRole("button", { name: "Send" }).isEnabled()).toBe(true);
  });

  it("adds, finds and deletes a memory, and opens one from a chat citation", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "Memories" }).click();
    const fact = "My grandmother's violin was made in Cremona in 1742";
    await page.getByLabel("New memory").fill(fact);
    await page.getByRole("button", { name: "Add memory" }).click();
    const listed = page.getByRole("list", { name: "Memories" }).locator(".card", { hasText: fact });
    await listed.waitFor();
    expect(await listed.locator("dd").first().textContent()).toMatch(/^\d/); // importance shown

    await page.getByLabel("Search memories").fill("Where was the violin made?");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const found = page.getByRole("list", { name: "Search results" }).locator(".card", { hasText: fact });
    await found.waitFor();
    await browser.screenshot("memories");

    // Chat retrieves it, cites it, and the citation opens it.
    await page.getByRole("link", { name: "Chat" }).click();
    await page.getByRole("button", { name: "New conversation" }).click();
    const memoryCitation = await askUntilCited("Where was my grandmother's violin made?", /^Memory · \d+%$/);
    await memoryCitation.click();
    await page.getByRole("heading", { name: "Cited memory" }).waitFor();
    expect(await page.locator(".selected .card .text").textContent()).toBe(fact);

    await listed.getByRole("button", { name: /^Delete memory/ }).click();
    await expect.poll(() => listed.count()).toBe(0);
    const search = (await (await fetchApi("/memories/search", { query: "violin Cremona", top_k: 50 })).json()) as { memories: { message: string }[] };
    expect(search.memories.map((memory) => memory.message)).not.toContain(fact);
  }, 120_000);

  it("uploads a PDF and a dropped Markdown file, shows ingestion to done, searches and opens a page citation", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "Library" }).click();
    await page.getByLabel("Choose files").setInputFiles(join(fixtures, "report.pdf"));
    // Drag and drop, as a person would from the file manager.
    const notes = await readFile(join(fixtures, "notes.md"), "utf8");
    await page.evaluate((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], "notes.md", { type: "text/markdown" }));
      document.querySelector(".drop-zone")!.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, notes);
    const upload = (name: string) => page.locator(`.upload[data-filename="${name}"]`);
    const stages = new Set<string>();
    await expect
      .poll(
        async () => {
          stages.add((await upload("report.pdf").getAttribute("data-state")) ?? "uploading");
          return upload("report.pdf").getAttribute("data-state");
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe("done");
    await expect.poll(() => upload("notes.md").getAttribute("data-state"), { timeout: 60_000 }).toBe("done");
    expect(await upload("report.pdf").locator(".stage").textContent()).toMatch(/Done: 3 pages, \d+ chunks/);
    expect(await upload("report.pdf").locator("progress").getAttribute("value")).toBe("100");
    const report = page.getByRole("list", { name: "Documents" }).locator(".card", { hasText: "report.pdf" });
    await report.waitFor();
    expect(await report.locator("dd").nth(1).textContent()).toBe("3"); // pages

    await page.getByLabel("Search the library").fill(reportRareId);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const hit = page.getByRole("list", { name: "Library search results" }).locator(".card").first();
    await hit.waitFor();
    expect(await hit.locator(".cite-line").textContent()).toContain("report.pdf, page 2");
    await browser.screenshot("library");

    // A chat reply cites the page; the citation opens that passage in the library.
    await page.getByRole("link", { name: "Chat" }).click();
    await page.getByRole("button", { name: "New conversation" }).click();
    const pageCitation = await askUntilCited(reportPage2Passage.slice(0, 120), /report\.pdf, page 2/);
    await browser.screenshot("chat-citations");
    await pageCitation.click();
    await page.getByRole("heading", { name: "Cited: report.pdf, page 2" }).waitFor();
    expect(await page.locator(".selected .card.highlight blockquote").textContent()).toContain("lighthouse keepers of Skellig Mhor");

    await report.getByRole("button", { name: "Delete report.pdf" }).click();
    await expect.poll(() => report.count()).toBe(0);
  }, 120_000);

  it("runs code in the sandbox and shows its output", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "Run code" }).click();
    await page.getByLabel("Language").selectOption("python");
    await page.getByLabel("Code", { exact: true }).fill("import sys\nprint(sum(range(10)))\nprint('oops', file=sys.stderr)\nsys.exit(3)");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.locator(".run-status").waitFor({ timeout: 30_000 });
    expect(await page.locator(".run-status").textContent()).toMatch(/exit code 3/);
    expect(await page.locator(".run-output .stdout").textContent()).toBe("45\n");
    expect(await page.locator(".run-output .stderr").textContent()).toBe("oops\n");
    await browser.screenshot("run-code");
  });

  it("reads text aloud, and answers a spoken question with a transcript, a reply and audio", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "Voice" }).click();
    await page.getByLabel("Text to read aloud").fill("Hello from Archive");
    await page.getByRole("button", { name: "Read aloud" }).click();
    await expect.poll(() => page.locator(".voice audio").getAttribute("src")).toMatch(/^blob:/);
    // A spoken question: Archive's own speech of it, as a WAV file a person might pick.
    const speech = await fetch(`${emulator.baseUrl}/voice/synthesize`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "what is the weather like today", format: "wav" }),
    });
    expect(speech.status).toBe(200);
    await page.getByLabel("Or an audio file").setInputFiles({ name: "question.wav", mimeType: "audio/wav", buffer: Buffer.from(await speech.arrayBuffer()) });
    await page.getByRole("button", { name: "Ask by voice" }).click();
    await page.locator(".voice-result .reply").waitFor({ timeout: 60_000 });
    expect((await page.locator(".voice-result .transcript").textContent())?.trim().length).toBeGreaterThan(0);
    expect((await page.locator(".voice-result .reply").textContent())?.length).toBeGreaterThan(0);
    await browser.screenshot("voice");
  }, 90_000);

  it("shows every health check and live charts", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "Health" }).click();
    for (const check of ["redis", "inference", "queues"]) {
      const row = page.locator(`tr[data-check="${check}"]`);
      await row.waitFor();
      expect(await row.locator(".pill").textContent()).toBe("ok");
    }
    expect(await page.locator(".banner").textContent()).toMatch(/is healthy/);
    // Two samples make a rate; the charts carry their latest figures as text.
    await expect.poll(() => page.locator('svg[aria-label^="Request rate: rate"]').getAttribute("aria-label"), { timeout: 15_000 }).toMatch(/rate \d/);
    expect(await page.locator('svg[aria-label^="Latency percentiles"]').getAttribute("aria-label")).toMatch(/p50 \d.*p95 \d.*p99 \d/);
    expect(await page.locator('svg[aria-label^="Inference pool"]').getAttribute("aria-label")).toMatch(/in flight \d/);
    await browser.screenshot("health");
  });

  it("passes an accessibility audit on every panel and works from the keyboard", async () => {
    const { page } = browser;
    for (const panel of ["chat", "memories", "library", "run", "voice", "health"]) {
      await page.goto(`${emulator.baseUrl}/ui/#/${panel}`);
      await page.locator(`#nav-${panel}[aria-current="page"]`).waitFor();
      expect(await accessibilityViolations(page), panel).toEqual([]);
    }
    // Keyboard only: the skip link first, then the navigation; Enter on a link opens its panel.
    await page.goto(`${emulator.baseUrl}/ui/#/chat`);
    await page.locator("#nav-chat[aria-current]").waitFor();
    // Start from the top of the document, as a freshly loaded page without the chat's autofocus would.
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute("tabindex");
    });
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Memories");
    await page.keyboard.press("Enter");
    await page.locator('#nav-memories[aria-current="page"]').waitFor();
    expect(await page.getByRole("heading", { name: "Memories", exact: true }).isVisible()).toBe(true);
  });

  it("fits a phone-width screen", async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    for (const panel of ["chat", "memories", "library", "run", "voice", "health"]) {
      await page.goto(`${emulator.baseUrl}/ui/#/${panel}`);
      await page.locator(`#nav-${panel}[aria-current="page"]`).waitFor();
      if (panel === "health") await page.locator('tr[data-check="redis"]').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, panel).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(screenshotDir, `phone-${panel}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1200, height: 860 });
  });

  it("made no request to another origin and broke no content-security rule", async () => {
    expect(browser.requests.length).toBeGreaterThan(20);
    // blob: URLs of this origin are the audio the page made itself, not requests to anyone.
    const ours = (url: string) => url.startsWith(`${emulator.baseUrl}/`) || url === emulator.baseUrl || url.startsWith(`blob:${emulator.baseUrl}/`) || url.startsWith("data:");
    const foreign = browser.requests.filter((url) => !ours(url));
    expect(foreign).toEqual([]);
    expect(browser.problems.filter((problem) => /Content Security Policy|Refused to/i.test(problem))).toEqual([]);
  });
});

/**
 * Asks and returns the reply's citation button. Chat gives retrieval 300 ms and answers without
 * it when the embedder is busy (scoring earlier turns, ingesting); a person would ask again once
 * Archive is idle, and so does this, at most three times.
 */
async function askUntilCited(question: string, citation: RegExp) {
  const { page } = browser;
  for (let attempt = 1; ; attempt++) {
    await waitUntilIdle();
    await sendMessage(question);
    await page.getByRole("status").filter({ hasText: "Reply complete." }).waitFor();
    const button = page.locator(".message.assistant").last().getByRole("button", { name: citation }).first();
    if ((await button.count()) > 0 || attempt === 3) return button;
  }
}

/** No capture waiting to be scored and no ingestion running: the embedder is free. */
async function waitUntilIdle() {
  await expect
    .poll(async () => {
      const health = (await (await fetch(`${emulator.baseUrl}/health`)).json()) as { checks: { queues: { queues: Record<string, { waiting: number; active: number }> } } };
      return Object.values(health.checks.queues.queues).reduce((busy, queue) => busy + queue.waiting + queue.active, 0);
    }, { timeout: 30_000, interval: 200 })
    .toBe(0);
}

function fetchApi(path: string, body?: unknown): Promise<Response> {
  return fetch(`${emulator.baseUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const normalize = (text: string) => text.replace(/[`*_#>\s-]+/g, " ").trim();
