import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { HealthCheck } from "./checks.js";

/** What health reads of the embedder: its identity, and a way to run it. */
export type EmbedderProbe = Pick<Embedder, "id" | "dimension" | "embed">;

/**
 * The embedder answers a one-word text. Non-critical: without it search and capture stall, but
 * everything else serves. A busy local model (a large document being indexed) answers late, so
 * this check has its own, longer budget.
 */
export function createEmbedderCheck(embedder: EmbedderProbe): HealthCheck {
  return {
    name: "embedder",
    critical: false,
    timeoutMs: 5000,
    async run({ signal }) {
      const [vector] = await embedder.embed(["health"], signal);
      if (!vector || vector.length === 0) return { status: "fail", detail: "the embedder answered with no vector", model: embedder.id };
      return { status: "ok", model: embedder.id, dimension: vector.length };
    },
  };
}
