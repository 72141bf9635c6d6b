import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Embedder } from "../../shared/embeddings/index.js";
import { sha256Hex } from "../../shared/sha256.js";

/**
 * The eval's embedder: the real one, with every text's vector remembered in a file keyed by the
 * text's hash, so rerunning an eval after a ranking change does not re-embed unchanged chunks.
 * Same id and dimension as the inner embedder, so the index cannot tell them apart.
 */
export async function createCachingEmbedder(inner: Embedder, path: string): Promise<Embedder & { save(): Promise<void> }> {
  const cache = new Map<string, Float32Array>();
  try {
    const stored = JSON.parse(await readFile(path, "utf8")) as Record<string, string>;
    for (const [key, base64] of Object.entries(stored)) cache.set(key, new Float32Array(new Uint8Array(Buffer.from(base64, "base64")).buffer));
  } catch {
    // No cache yet.
  }
  
  return {
    get id() {
      return inner.id;
    },
    get dimension() {
      return inner.dimension;
    },
    async embed(texts, signal) {
      const keys = texts.map((text) => sha256Hex(text));
      const missing = texts.filter((_, position) => !cache.has(keys[position]!));
      if (missing.length > 0) {
        const vectors = await inner.embed(missing, signal);
        const missingKeys = keys.filter((key) => !cache.has(key));
        missingKeys.forEach((key, position) => cache.set(key, vectors[position]!));
      }
      return keys.map((key) => cache.get(key)!);
    },
    async save() {
      await mkdir(dirname(path), { recursive: true });
      const out: Record<string, string> = {};
      for (const [key, vector] of cache) out[key] = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");
      await writeFile(path, JSON.stringify(out));
    },
  };
}
