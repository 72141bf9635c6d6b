import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../shared/config.js";
import { loadConfig } from "../functions/compose.js";
import { harnessKeys, post, startHarness, type Harness } from "./harness.js";

let harness: Harness;
const app = "https://app.example.com";

beforeAll(async () => {
  harness = await startHarness({ functions: ["chat"], env: { ARCHIVE_CORS_ORIGINS: `${app},http://localhost:5173` } });
});
afterAll(() => harness.close());

/** What a browser sends before `new OpenAI({dangerouslyAllowBrowser: true}).chat.completions.create(...)`. */
const preflight = (origin: string) =>
  harness.app.request("/v1/chat/completions", {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization,content-type,x-stainless-arch,x-stainless-lang,x-stainless-os,x-stainless-package-version,x-stainless-retry-count,x-stainless-runtime,x-stainless-runtime-version,x-stainless-timeout",
    },
  });

describe("CORS (ARCHIVE_CORS_ORIGINS)", () => {
  it("answers a preflight from an allowed origin with 204 and the CORS headers, before auth", async () => {
    const response = await preflight(app);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    const allowedHeaders = response.headers.get("access-control-allow-headers") ?? "";
    for (const header of ["authorization", "content-type", "x-stainless-os", "x-stainless-timeout"]) expect(allowedHeaders).toContain(header);
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("gives a disallowed origin no CORS headers, on the preflight and on the request", async () => {
    const response = await preflight("https://evil.example");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-methods")).toBeNull();
    const request = await harness.app.request("/v1/models", { headers: { origin: "https://evil.example", authorization: `Bearer ${harnessKeys.alice}` } });
    expect(request.status).toBe(200);
    expect(request.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("marks the real requests of an allowed origin, errors included, and exposes Archive's headers", async () => {
    const ok = await harness.app.request("/v1/chat/completions", post({ messages: [{ role: "user", content: "Hi" }], session_id: "cors-1" }, harnessKeys.alice, { origin: app }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(app);
    expect(ok.headers.get("access-control-expose-headers")).toContain("X-Archive-Session");
    // A page must be able to read why it was refused.
    const unauthorized = await harness.app.request("/v1/models", { headers: { origin: "http://localhost:5173" } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });

  it("leaves requests without an Origin alone", async () => {
    const response = await harness.app.request("/v1/models", { headers: { authorization: `Bearer ${harnessKeys.alice}` } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows `*` only with auth on, and refuses what is not an origin", () => {
    expect(() => loadConfig({ ARCHIVE_CORS_ORIGINS: "*" })).toThrow(/requires ARCHIVE_API_KEYS/);
    expect(loadConfig({ ARCHIVE_CORS_ORIGINS: "*", ARCHIVE_API_KEYS: "key-0123456789:alice" }).corsOrigins).toBe("*");
    const error = (() => {
      try {
        loadConfig({ ARCHIVE_CORS_ORIGINS: "https://app.example.com/,ftp://x.example" });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(2);
    expect(loadConfig({}).corsOrigins).toBeNull();
  });
});
