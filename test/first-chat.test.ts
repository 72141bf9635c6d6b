import { describe, expect, it } from "vitest";
import { startEmulatorProcess } from "./emulator-process.js";
import { tempDataDirs } from "./temp-dirs.js";

const dataDir = tempDataDirs("archive-first-chat-");

describe("the first chat after a start", () => {
  it("retrieves memories like every other (the local embedder is warmed before Archive listens)", async () => {
    const dir = await dataDir();
    const first = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir }, { readyTimeoutMs: 90_000 });
    const added = await fetch(`${first.baseUrl}/memories`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "My sister Ana lives in Ghent and works as a baker." }),
    });
    expect(added.status).toBe(201);
    expect(await first.stop("SIGTERM")).toBe(0);

    // A generous retrieval budget: on two busy cores even a warm model may take longer than chat's
    // 300 ms; that the model is loaded before Archive listens is checked by the order of the log.
    const second = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir, CHAT_RETRIEVAL_BUDGET_MS: "10000" }, { readyTimeoutMs: 90_000 });
    try {
      const response = await fetch(`${second.baseUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "Where does my sister Ana live?" }] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { archive: { retrieved: { source: string }[] } };
      expect(body.archive.retrieved.map((passage) => passage.source)).toContain("memory");
      const log = second.output();
      expect(log).toContain('"event":"embedder_ready"');
      expect(log.indexOf('"event":"embedder_ready"')).toBeLessThan(log.indexOf('"event":"archive_started"'));
      expect(log).not.toContain("chat_retriever_skipped");
    } finally {
      // Stopped even when an expectation fails: a leaked emulator would hold its Redis and port.
      await second.stop("SIGTERM");
    }
  }, 240_000);
});
