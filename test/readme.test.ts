import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configVariables } from "../shared/config.js";
import { version } from "../shared/version.js";

const root = new URL("..", import.meta.url);

describe("README", () => {
  const readme = readFileSync(new URL("README.md", root), "utf8");

  it("documents every configuration variable", () => {
    const missing = Object.keys(configVariables).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });

  it("tells CI's test command", () => {
    const ci = readFileSync(new URL(".ci/run", root), "utf8");
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
    expect(ci).toMatch(/^npm ci$/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it("installs in CI the system packages the quick start names, on one apt-get line each", () => {
    const ci = readFileSync(new URL(".ci/run", root), "utf8");
    const aptLines = (text: string) => text.split("\n").filter((line) => /^apt-get install -y /.test(line.trim())).map((line) => line.trim());
    expect(aptLines(readme)).toHaveLength(1);
    expect(aptLines(ci)).toEqual(aptLines(readme));
    expect(aptLines(readme)[0]).toContain("bubblewrap");
  });

  it("matches package.json's version", () => {
    expect(JSON.parse(readFileSync(new URL("package.json", root), "utf8")).version).toBe(version);
  });
});
