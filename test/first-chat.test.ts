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

    const second = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir }, { readyTimeoutMs: 90_000 });
    const response = await fetch(`${second.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "Where does my sister Ana live?" }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { archive: { retrieved: { source: string }[] } };
    expect(body.archive.retrieved.map((passage) => passage.source)).toContain("memory");
    expect(second.output()).toContain('"event":"embedder_ready"');
    expect(second.output()).not.toContain("chat_retriever_skipped");
    await second.stop("SIGTERM");
  }, 240_000);
});
