import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * Runs a speech tool (sox, pocketsphinx) as a child process with the audio on stdin and the
 * result on stdout: nothing touches the disk. Output is bounded, the client's disconnect kills
 * the child, and a tool that fails is an error with the tail of its stderr, never a crash.
 */
export interface ToolRun {
  stdout: Buffer;
  /** Set when the child was stopped because its output passed `maxOutputBytes`. */
  truncated: boolean;
}

export class ToolError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = "ToolError";
  }
}

export async function runTool(
  command: string,
  args: readonly string[],
  options: { input: Uint8Array; signal?: AbortSignal | undefined; maxOutputBytes: number; timeoutMs: number },
): Promise<ToolRun> {
  options.signal?.throwIfAborted();
  return new Promise<ToolRun>((resolve, reject) => {
    // Its own process group, so a kill reaches a pipeline's every member (see `pipedStdin`).
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], detached: true });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const chunks: Buffer[] = [];
    let bytes = 0;
    let truncated = false;
    let stderr = "";
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      outcome();
    };
    const onAbort = () => {
      kill();
      finish(() => reject(options.signal?.reason));
    };
    const timer = setTimeout(() => {
      kill();
      finish(() => reject(new ToolError(`${command} took longer than ${options.timeoutMs} ms`, null)));
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.on("data", (chunk: Buffer) => {
      if (truncated) return;
      const room = options.maxOutputBytes - bytes;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      bytes += Math.min(chunk.length, room);
      if (chunk.length >= room) {
        truncated = true;
        kill();
      }
    });
    // Only the tail is kept: enough to explain a failure, bounded however chatty the tool is.
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2000);
    });
    child.on("error", (error) => finish(() => reject(error)));
    child.on("close", (code) => {
      finish(() => {
        if (code === 0 || truncated) resolve({ stdout: Buffer.concat(chunks), truncated });
        else reject(new ToolError(`${command} exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`, code));
      });
    });
    // A child that exits before reading all of stdin (EPIPE) reports through its exit code instead.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input);
  });
}

/**
 * The tool's path on PATH, or undefined: callers turn that into a message naming the apt package.
 * Synchronous: it runs once while a process is composed, a few `stat`s.
 */
export function findTool(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * A command line that reads stdin through a real pipe. Node gives a child a socket as stdin, and
 * pocketsphinx opens `/dev/stdin` by name, which a socket refuses (ENXIO); `cat` in front turns it
 * into a pipe. The tool's path and arguments are positional parameters, never parsed by the shell.
 */
export function pipedStdin(tool: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: "/bin/sh", args: ["-c", 'cat | exec "$@"', "sh", tool, ...args] };
}
