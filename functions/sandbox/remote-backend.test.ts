import { describe, expect, it } from "vitest";
import { isAppError } from "../../shared/errors.js";
import { createRemoteSandboxBackend } from "./remote-backend.js";

const job = { language: "python" as const, code: "print(1)", stdin: "", timeoutMs: 1000, files: [] };

describe("remote sandbox backend", () => {
  it("forwards the job with its key and request id, and returns the tier's result", async () => {
    const seen: { url: string; headers: Headers; body: unknown }[] = [];
    const backend = createRemoteSandboxBackend({
      url: "http://tier:8787/",
      apiKey: "tier-key-123456",
      fetch: async (input, init) => {
        seen.push({ url: String(input), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
        return Response.json({ status: "ok", stdout: "1\n", stderr: "", exit_code: 0, duration_ms: 12 });
      },
    });
    const result = await backend.run(job, { slot: 0, requestId: "req-1" });
    expect(result).toMatchObject({ status: "ok", stdout: "1\n" });
    expect(seen[0]?.url).toBe("http://tier:8787/sandbox/execute");
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer tier-key-123456");
    expect(seen[0]?.headers.get("x-request-id")).toBe("req-1");
    expect(seen[0]?.body).toEqual({ language: "python", code: "print(1)", stdin: "", timeout_ms: 1000, files: [] });
  });

  it("passes the tier's 429 on with its Retry-After", async () => {
    const backend = createRemoteSandboxBackend({
      url: "http://tier",
      apiKey: undefined,
      fetch: async () => Response.json({ code: "too_many_requests", title: "Too Many Requests", detail: "busy" }, { status: 429, headers: { "retry-after": "3" } }),
    });
    const error = await backend.run(job, { slot: 0 }).catch((caught: unknown) => caught);
    expect(isAppError(error) && [error.status, error.code, error.headers["Retry-After"]]).toEqual([429, "too_many_requests", "3"]);
  });

  it("is a 503 naming the setting when the tier is down or refuses the key, never a local run", async () => {
    const down = createRemoteSandboxBackend({ url: "http://tier", apiKey: "k", fetch: async () => Promise.reject(new TypeError("fetch failed")) });
    const downError = await down.run(job, { slot: 0 }).catch((caught: unknown) => caught);
    expect(isAppError(downError) && [downError.status, downError.code]).toEqual([503, "sandbox_unavailable"]);
    expect(String(isAppError(downError) && downError.message)).toContain("SANDBOX_URL");
    const refused = createRemoteSandboxBackend({ url: "http://tier", apiKey: "k", fetch: async () => new Response("{}", { status: 401 }) });
    const refusedError = await refused.run(job, { slot: 0 }).catch((caught: unknown) => caught);
    expect(isAppError(refusedError) && [refusedError.status, refusedError.message]).toEqual([503, "The sandbox tier refused SANDBOX_API_KEY"]);
  });
});
