import { describe, expect, it } from "vitest";
import { loadConfig } from "../functions/compose.js";
import { ConfigError } from "../shared/config.js";
import { assertSafeToListen } from "../shared/listen-safety.js";

describe("loadConfig", () => {
  it("gives working defaults with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: "127.0.0.1", port: 8787, redisPrefix: "archive", dataDir: ".data" });
    expect(config.memory).toMatchObject({ weightPerplexity: 0.6, weightNovelty: 0.4, threshold: 0.7 });
    expect(config.archive).toEqual({ days: 30, keepRecent: 1000, hour: 3 });
    expect(config.auth.apiKeys).toBeNull();
  });

  it("reports every bad variable at once", () => {
    const attempt = () =>
      loadConfig({ PORT: "eighty", MEMORY_THRESHOLD: "2", ARCHIVE_API_KEYS: "nocolon", INFERENCE_ENDPOINTS: "ftp://x", INFERENCE_MODAL_APP: "a" });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems.join("\n");
      for (const name of ["PORT", "MEMORY_THRESHOLD", "ARCHIVE_API_KEYS", "INFERENCE_ENDPOINTS", "INFERENCE_MODAL_FUNCTION"]) {
        expect(problems).toContain(name);
      }
    }
  });

  it("parses API keys and endpoints with per-endpoint limits", () => {
    const config = loadConfig({
      ARCHIVE_API_KEYS: "key-for-alice:alice, key-for-bob1:bob",
      INFERENCE_ENDPOINTS: "http://gpu1:8000/,http://gpu2:8000#4",
      INFERENCE_CONCURRENCY: "8",
    });
    expect([...config.auth.apiKeys!]).toEqual([["key-for-alice", "alice"], ["key-for-bob1", "bob"]]);
    expect(config.inference.endpoints).toEqual([
      { url: "http://gpu1:8000", maxConcurrency: 8 },
      { url: "http://gpu2:8000", maxConcurrency: 4 },
    ]);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", REDIS_URL: "" })).toMatchObject({ port: 8787, redisUrl: undefined });
  });
});

describe("assertSafeToListen", () => {
  it("refuses a public interface without API keys, with a message that says what to do", () => {
    expect(() => assertSafeToListen(loadConfig({ HOST: "0.0.0.0" }))).toThrow(/ARCHIVE_API_KEYS/);
    expect(() => assertSafeToListen(loadConfig({ HOST: "0.0.0.0", ARCHIVE_API_KEYS: "long-enough-key:alice" }))).not.toThrow();
    expect(() => assertSafeToListen(loadConfig({ HOST: "127.0.0.1" }))).not.toThrow();
  });
});
