import { AppError, serviceUnavailable } from "../../shared/errors.js";
import { sandboxUnavailableCode, type SandboxAvailability, type SandboxBackend, type SandboxResult } from "./backend.js";

export interface RemoteSandboxOptions {
  /** Base URL of a Node tier serving the same `POST /sandbox/execute`. */
  url: string;
  /** One of that tier's ARCHIVE_API_KEYS; sent as a bearer token, never logged. */
  apiKey: string | undefined;
  fetch?: typeof fetch;
  /** Added to each run's timeout for the round trip and the tier's own queue. */
  overheadMs?: number;
}

/**
 * For runtimes that cannot spawn processes (Workers): each run is forwarded to a Node tier the
 * deployment trusts, which executes it under bubblewrap. Its answers (results, 429, 503) come
 * back as they were given; a tier that cannot be reached is a 503, never a local run.
 */
export function createRemoteSandboxBackend(options: RemoteSandboxOptions): SandboxBackend {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const endpoint = `${options.url.replace(/\/+$/, "")}/sandbox/execute`;
  const overheadMs = options.overheadMs ?? 15_000;
  return {
    name: "remote",
    availability: async (): Promise<SandboxAvailability> => ({ available: true }),
    async run(job, context) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      if (context.requestId) headers["x-request-id"] = context.requestId;
      const signals = [AbortSignal.timeout(job.timeoutMs + overheadMs), ...(context.signal ? [context.signal] : [])];
      let response: Response;
      try {
        response = await send(endpoint, {
          method: "POST",
          headers,
          body: JSON.stringify({ language: job.language, code: job.code, stdin: job.stdin, timeout_ms: job.timeoutMs, files: job.files }),
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        throw serviceUnavailable("The sandbox tier (SANDBOX_URL) did not answer", { code: sandboxUnavailableCode, cause: error, retryAfterSeconds: 5 });
      }
      if (response.ok) return (await response.json()) as SandboxResult;
      throw await remoteProblem(response);
    },
    close: async () => undefined,
  };
}

/** The tier's problem+json as our own error: its 429/503 (with Retry-After) reach the caller unchanged. */
async function remoteProblem(response: Response): Promise<AppError> {
  const body = (await response.json().catch(() => ({}))) as { code?: string; title?: string; detail?: string };
  const retryAfter = response.headers.get("retry-after");
  // Our key being refused is our misconfiguration, not the caller's: a 503 that says which setting.
  if (response.status === 401 || response.status === 403) {
    return serviceUnavailable("The sandbox tier refused SANDBOX_API_KEY", { code: sandboxUnavailableCode });
  }
  return new AppError({
    code: body.code ?? `sandbox_tier_${response.status}`,
    status: response.status >= 500 || response.status === 429 || response.status < 400 ? response.status : 502,
    title: body.title ?? "Sandbox tier error",
    detail: body.detail ?? `The sandbox tier answered ${response.status}`,
    expose: true,
    headers: retryAfter ? { "Retry-After": retryAfter } : {},
  });
}
