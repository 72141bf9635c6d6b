import type { Clock } from "../../shared/clock.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { HealthCheck } from "./checks.js";

/** What health reads of the embedder: its identity, and a way to run it. */
export type EmbedderProbe = Pick<Embedder, "id" | "dimension" | "embed">;

/** How long a passing embedding stands for the embedder (on Workers each one is a call to the pool). */
const freshForMs = 10_000;

/**
 * The embedder answers a one-word text within the shared budget. Non-critical: without it search
 * and capture stall, but everything else serves. A pass is reused for `freshForMs` (its age is
 * reported); after a failure every check embeds again.
 */
export function createEmbedderCheck(embedder: EmbedderProbe, clock: Clock): HealthCheck {
  let lastPass: { at: number; dimension: number } | undefined;
  return {
    name: "embedder",
    critical: false,
    async run({ signal }) {
      const now = clock.now();
      if (lastPass && now - lastPass.at < freshForMs) return { status: "ok", model: embedder.id, dimension: lastPass.dimension, checked_ms_ago: now - lastPass.at };
      lastPass = undefined;
      const [vector] = await embedder.embed(["health"], signal);
      if (!vector || vector.length === 0) return { status: "fail", detail: "the embedder answered with no vector", model: embedder.id };
      lastPass = { at: clock.now(), dimension: vector.length };
      return { status: "ok", model: embedder.id, dimension: vector.length, checked_ms_ago: 0 };
    },
  };
}
