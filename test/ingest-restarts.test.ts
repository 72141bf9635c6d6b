import { describe, expect, it } from "vitest";
import { startEmulatorProcess, type EmulatorProcess } from "./emulator-process.js";
import { tempDataDirs } from "./temp-dirs.js";

const dataDir = tempDataDirs("archive-restarts-");

interface JobStatus {
  state: string;
  progress: { stage: string; chunks_done: number; chunks_total: number };
  error?: { code: string };
}

/** ~220 chunks of distinct sentences: long enough on the local embedder to be caught mid-way. */
function longDocument(): string {
  const words = ["harbour", "ledger", "anchor", "tide", "lantern", "keel", "compass", "rope", "gull", "pier", "mast", "sail"];
  const sentences: string[] = [];
  for (let index = 0; index < 2500; index++) {
    sentences.push(`Entry ${index} notes that the ${words[index % 12]} near the ${words[(index * 7) % 12]} was checked on day ${index % 365}.`);
  }
  return sentences.join(" ");
}

async function status(emulator: EmulatorProcess, url: string): Promise<JobStatus> {
  try {
    return (await (await fetch(`${emulator.baseUrl}${url}`)).json()) as JobStatus;
  } catch (error) {
    throw new Error(`status request failed; emulator output:\n${emulator.output().slice(-4000)}`, { cause: error });
  }
}

async function waitFor(emulator: EmulatorProcess, url: string, done: (job: JobStatus) => boolean, timeoutMs: number): Promise<JobStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await status(emulator, url);
    if (done(job)) return job;
    if (job.state === "failed") throw new Error(`job failed: ${JSON.stringify(job)}`);
    if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("ingestion survives restarts", () => {
  it("SIGTERM twice during one ingestion: the document completes after the last restart", async () => {
    const dir = await dataDir();
    let emulator = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir }, { readyTimeoutMs: 90_000 });
    const accepted = await fetch(`${emulator.baseUrl}/library/documents?filename=logbook.txt`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: longDocument(),
    });
    expect(accepted.status).toBe(202);
    const { status_url: statusUrl, document_id: documentId } = (await accepted.json()) as { status_url: string; document_id: string };

    for (let restart = 0; restart < 2; restart++) {
      const caught = await waitFor(emulator, statusUrl, (job) => job.progress.stage === "embedding" && job.progress.chunks_done > 0, 120_000);
      expect(caught.state).toBe("active");
      expect(caught.progress.chunks_done).toBeLessThan(caught.progress.chunks_total);
      expect(await emulator.stop("SIGTERM")).toBe(0);
      emulator = await startEmulatorProcess({ ARCHIVE_DATA_DIR: dir }, { readyTimeoutMs: 90_000 });
    }

    const finished = await waitFor(emulator, statusUrl, (job) => job.state === "completed", 180_000);
    expect(finished.progress.stage).toBe("completed");
    const document = await fetch(`${emulator.baseUrl}/library/documents/${documentId}`);
    expect(document.status).toBe(200);
    expect(await document.json()).toMatchObject({ id: documentId, chunks: finished.progress.chunks_total });
    await emulator.stop("SIGTERM");
  }, 420_000);
});
