/**
 * What a sandbox backend runs and answers. The function (routes, limits, queue, metrics) is
 * portable; a backend is where code actually executes: bubblewrap on a Node host
 * (`infra/node/sandbox-bwrap.ts`), or a Node tier reached over HTTP (`remote-backend.ts`).
 */
export type SandboxLanguage = "python" | "javascript";

export type SandboxStatus = "ok" | "error" | "timeout" | "memory_limit" | "output_limit";

export interface SandboxFile {
  /** A plain file name; the file lands beside the program in its working directory. */
  name: string;
  content: string;
}

/** One execution with every limit already resolved (the request's timeout within the maximum). */
export interface SandboxJob {
  language: SandboxLanguage;
  code: string;
  stdin: string;
  timeoutMs: number;
  files: readonly SandboxFile[];
}

export interface SandboxResult {
  status: SandboxStatus;
  stdout: string;
  stderr: string;
  /** The program's exit code; 128 + signal number when it was killed. */
  exit_code: number;
  duration_ms: number;
}

export type SandboxAvailability = { available: true } | { available: false; reason: string };

export interface SandboxBackend {
  readonly name: string;
  /**
   * Whether code can run here now. A backend that cannot isolate says so with a reason a person
   * can act on; there is never a fallback to running code unsandboxed.
   */
  availability(): Promise<SandboxAvailability>;
  /**
   * Runs one job. `slot` (0 ≤ slot < concurrency) is held exclusively for the run, so a backend
   * can give each slot its own identity (bubblewrap: one host uid per slot).
   */
  run(job: SandboxJob, context: { slot: number; signal?: AbortSignal | undefined; requestId?: string | undefined }): Promise<SandboxResult>;
  close(): Promise<void>;
}

/** The one error code for "no sandbox can run code": routes answer 503 with it, health reports it. */
export const sandboxUnavailableCode = "sandbox_unavailable";

/** Where no backend can exist (a Worker without SANDBOX_URL): every run is refused with `reason`. */
export function unavailableSandboxBackend(reason: string): SandboxBackend {
  return {
    name: "none",
    availability: async () => ({ available: false, reason }),
    run: async () => {
      throw new Error(`The sandbox is unavailable: ${reason}`);
    },
    close: async () => undefined,
  };
}
