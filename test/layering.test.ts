/**
 * The layering the design promises, checked on the source: the portable code (functions/, gpu/,
 * shared/, tests included) never reaches a runtime root (infra/), the emulator or the test support,
 * and shared/ uses no Node module that Workers (nodejs_compat) lack.
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const portable = ["functions", "gpu", "shared"];
const forbidden = ["infra", "emulator", "test"];
/** What Workers' nodejs_compat provides (https://developers.cloudflare.com/workers/runtime-apis/nodejs/). */
const workersNodeModules = new Set(["assert", "async_hooks", "buffer", "crypto", "diagnostics_channel", "events", "path", "stream", "string_decoder", "url", "util"]);

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : sourceFiles(path);
      return /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
    }),
  );
  return nested.flat();
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiersOf(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;
  return [...source.matchAll(pattern)].map((match) => match[1]!);
}

async function importsOf(file: string) {
  return specifiersOf(await readFile(join(root, file), "utf8")).map((specifier) => ({ file, specifier }));
}

describe("layering", () => {
  it("finds every kind of import it checks", () => {
    const source = `import a from "../x.js";\nimport type { B } from "./b.js";\nexport { c } from "node:os";\nimport "./side.js";\nconst d = await import("../../infra/y.js");`;
    expect(specifiersOf(source)).toEqual(["../x.js", "./b.js", "node:os", "./side.js", "../../infra/y.js"]);
  });

  it("keeps functions/, gpu/ and shared/ (tests included) off infra/, emulator/ and test/", async () => {
    const files = (await Promise.all(portable.map(sourceFiles))).flat();
    expect(files.length).toBeGreaterThan(100);
    const imports = (await Promise.all(files.map(importsOf))).flat();
    const crossings = imports
      .filter(({ specifier }) => specifier.startsWith("."))
      .map(({ file, specifier }) => ({ file, target: relative(root, resolve(root, dirname(file), specifier)) }))
      .filter(({ target }) => forbidden.some((folder) => target === folder || target.startsWith(`${folder}/`)));
    expect(crossings).toEqual([]);
  });

  it("keeps shared/ on the Node modules Workers have", async () => {
    const files = (await sourceFiles("shared")).filter((file) => !/\.test\.ts$/.test(file));
    const nodeOnly = (await Promise.all(files.map(importsOf)))
      .flat()
      .filter(({ specifier }) => specifier.startsWith("node:") && !workersNodeModules.has(specifier.slice("node:".length).split("/")[0]!));
    expect(nodeOnly).toEqual([]);
  });
});
