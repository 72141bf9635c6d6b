import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createDotKernel, scoresModuleBytes } from "../../../shared/vector-index/dot-kernel.js";

/**
 * Workers cannot compile wasm at run time, so they import `dot-kernel.wasm` precompiled by wrangler.
 * That file must be the module this code assembles. After changing the assembler, regenerate it:
 *   node --import tsx -e 'import("./shared/vector-index/dot-kernel.ts").then(k => require("fs").writeFileSync("shared/vector-index/dot-kernel.wasm", k.scoresModuleBytes()))'
 */
describe("dot-kernel.wasm", () => {
  const committed = new Uint8Array(readFileSync(new URL("../../../shared/vector-index/dot-kernel.wasm", import.meta.url)));

  it("is byte for byte the module the kernel assembles", () => {
    expect(committed).toEqual(scoresModuleBytes());
  });

  it("scores like the JavaScript kernel when handed in precompiled", () => {
    const wasm = createDotKernel({ module: new WebAssembly.Module(committed), wasmMinRows: 1 });
    const javascript = createDotKernel({ wasm: false });
    expect(wasm.name).toBe("wasm-simd");
    const [a, b] = [wasm.allocate(8, 4), javascript.allocate(8, 4)];
    const values = Float32Array.from({ length: 32 }, (_, index) => Math.sin(index + 1));
    a.matrix.set(values);
    b.matrix.set(values);
    const query = Float32Array.from({ length: 8 }, (_, index) => Math.cos(index));
    expect(Array.from(a.scores(4, query))).toEqual(Array.from(b.scores(4, query)));
  });
});
