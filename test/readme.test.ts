import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { version } from "../shared/version.js";
import { readmeGenerated } from "./docs/readme.js";

const root = new URL("..", import.meta.url);

describe("README", () => {
  const readme = readFileSync(new URL("README.md", root), "utf8");

  it("shows the configuration table from every function's variables and the latest capacity report's summary (npm run docs)", () => {
    expect(readme, "README.md's configuration table or performance summary is out of date: run `npm run docs`").toBe(readmeGenerated(readme));
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
