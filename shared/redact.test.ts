import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { redact, redactUrl } from "./redact.js";

describe("secret redaction", () => {
  it("strips passwords from URLs", () => {
    expect(redactUrl("redis://:hunter2@db:6379/0")).toBe("redis://***@db:6379/0");
    expect(redactUrl("https://user:pw@gpu.example/v1")).toBe("https://***@gpu.example/v1");
    expect(redactUrl("http://gpu:8000")).toBe("http://gpu:8000");
  });

  it("strips credentials quoted inside free text and error messages", () => {
    const output = JSON.stringify(redact({ error: new Error("connect to redis://:hunter2@db:6379 failed", { cause: new Error("via https://u:pw@gpu/v1") }) }));
    expect(output).not.toMatch(/hunter2|u:pw/);
    expect(output).toContain("redis://***@db:6379");
    expect(output).toContain("stack");
  });

  it("hides secret-named fields at any depth", () => {
    const output = JSON.stringify(redact({ config: { apiKey: "sk-1", nested: [{ authorization: "Bearer x" }] }, redis: "redis://:pw@h:1" }));
    expect(output).not.toContain("sk-1");
    expect(output).not.toContain("Bearer x");
    expect(output).not.toContain(":pw@");
  });

  it("never writes a secret into a log line", () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line) }).child({ requestId: "r1" });
    logger.info("connected", { url: "redis://:topsecret@h:6379", token: "abc123" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/topsecret|abc123/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", event: "connected", requestId: "r1" });
  });
});
