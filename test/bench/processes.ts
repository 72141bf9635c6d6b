import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulatorProcess, type EmulatorProcess } from "../emulator-process.js";

const root = new URL("../..", import.meta.url).pathname;

/** The emulated engine in a process of its own (like a vLLM server on another box). */
export async function startEngineProcess(tokenDelayMs: number): Promise<{ url: string; stop(): void }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "test/bench/engine-process.ts", "0", String(tokenDelayMs)], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`engine exited with ${code}`)));
    child.stdout?.once("data", (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { url: string }).url));
  });
  return { url, stop: () => child.kill("SIGTERM") };
}

/** `npm start` with the given environment, data in a fresh temporary folder. */
export async function startArchive(env: Record<string, string>): Promise<EmulatorProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), "archive-bench-"));
  return startEmulatorProcess({ LOG_LEVEL: "warn", ARCHIVE_DATA_DIR: dataDir, ...env }, { readyTimeoutMs: 60_000 });
}
