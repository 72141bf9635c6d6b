/**
 * POST /v1/embeddings in vLLM's wire format, backed by hashed-embedding.ts.
 * The official openai SDK asks for base64 unless told otherwise, so both
 * encodings are served.
 */
import { Hono } from "hono";
import { acceptRequest, createdSeconds, type EngineDeps } from "./engine-deps.js";
import { embedText, toBase64Float32 } from "./hashed-embedding.js";
import { embeddingRequestSchema } from "./request-schemas.js";
import { countTokens } from "./tokenize.js";

export function createEmbeddingRoutes(deps: EngineDeps): Hono {
  const routes = new Hono();

  routes.post("/v1/embeddings", async (c) => {
    const accepted = await acceptRequest(deps, "embedding", c.req.raw, embeddingRequestSchema);
    if (!accepted.ok) return accepted.response;
    const request = accepted.data;

    const tracker = deps.recorder.begin("embedding");
    const inputs = typeof request.input === "string" ? [request.input] : request.input;
    const data = inputs.map((input, index) => {
      const vector = embedText(input, deps.languageModel);
      return {
        index,
        object: "embedding",
        embedding: request.encoding_format === "base64" ? toBase64Float32(vector) : vector,
      };
    });
    const promptTokens = inputs.reduce((total, input) => total + countTokens(input), 0);
    tracker.complete();
    return c.json({
      id: `embd-${deps.createId()}`,
      object: "list",
      created: createdSeconds(deps),
      model: deps.model,
      data,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0, prompt_tokens_details: null },
    });
  });

  return routes;
}
