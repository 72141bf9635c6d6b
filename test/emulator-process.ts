import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../emulator/redis-launcher.js";

const root = new URL("..", import.meta.url).pathname;

export interface EmulatorProcess {
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `npm start` as a real child process (signals go to npm, as a user's would) and waits until `/health` answers. */
export async function startEmulatorProcess(
  env: Record<string, string>,
  options: { readyTimeoutMs?: number; /** Its own process group, as a terminal gives a foreground job (signal it with `-pid`). */ processGroup?: boolean } = {},
): Promise<EmulatorProcess> {
  const port = await freePort();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: root,
    // The port is unique among live emulators, so their sandbox host uids never overlap either.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", PORT: String(port), SANDBOX_UID_BASE: String(100_000 + port * 16), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.processGroup ?? false,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`emulator exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (Date.now() >= deadline) {
    child.kill("SIGKILL");
    throw new Error(`emulator not healthy in time:\n${output}`);
  }
  return {
    baseUrl,
    child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
